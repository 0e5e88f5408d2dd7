using EditToAudio.Backends;
using EditToAudio.Batch;
using EditToAudio.Cuda.Pipeline;
using EditToAudio.Networks;

namespace EditToAudio.Cli;

/// <summary>The memory <c>batch</c> sizes its network calls with, and where it came from (<see cref="PlanningMemorySource"/>).</summary>
/// <param name="Bytes">The bytes to plan with; null lets the batch measure host memory each time it sizes a call.</param>
/// <param name="Source">host, device or option.</param>
internal readonly record struct PlanningMemory(long? Bytes, string Source)
{
    /// <summary>
    /// <c>--memory-gb</c> when given; otherwise, with the networks on CUDA, the device's free memory
    /// (host memory does not bound what the networks use there), read by <paramref name="deviceFreeBytes"/>
    /// only in that case; otherwise host memory.
    /// </summary>
    public static PlanningMemory Choose(double? memoryGib, ExecutionProvider provider, Func<long> deviceFreeBytes)
    {
        ArgumentNullException.ThrowIfNull(deviceFreeBytes);
        if (memoryGib is { } gib)
        {
            return new PlanningMemory((long)(gib * (1L << 30)), PlanningMemorySource.Option);
        }
        if (provider == ExecutionProvider.Cuda)
        {
            return new PlanningMemory(deviceFreeBytes(), PlanningMemorySource.Device);
        }
        return new PlanningMemory(null, PlanningMemorySource.Host);
    }

    /// <summary>The memory to plan with on <paramref name="backend"/>: on CUDA, its device's free memory now (before any network opens).</summary>
    public static PlanningMemory Choose(double? memoryGib, ComputeBackend backend) => backend is CudaBackend cuda
        ? Choose(memoryGib, ExecutionProvider.Cuda, () => cuda.MemoryInfo().FreeBytes)
        : Choose(memoryGib, ExecutionProvider.Cpu, () => throw new InvalidOperationException("the CPU backend has no device memory"));
}
