using EditToAudio.Backends;
using EditToAudio.Cuda.Pipeline;

namespace EditToAudio.Cuda;

/// <summary>
/// Opens the backend of a device: the CPU, or CUDA (an error when it cannot be used, never a
/// silent fallback to the CPU). The command-line runner, bench, the self-test and the test fixtures
/// open backends here and nowhere else.
/// </summary>
public static class ComputeBackends
{
    /// <summary>Opens the backend of <paramref name="device"/>; the caller disposes it.</summary>
    /// <param name="device">CPU or CUDA.</param>
    /// <param name="deviceIndex">The CUDA device ordinal.</param>
    /// <param name="cpuThreads">Threads of the CPU backend's batch-parallel work; all cores when null.</param>
    /// <exception cref="NotSupportedException">CUDA was asked for and cannot be used; the message says why.</exception>
    public static ComputeBackend Open(ComputeDevice device, int deviceIndex = 0, int? cpuThreads = null) => device switch
    {
        ComputeDevice.Cpu => new CpuBackend(cpuThreads),
        ComputeDevice.Cuda => CudaBackend.Open(new CudaBackendOptions { Device = deviceIndex }),
        _ => throw new ArgumentOutOfRangeException(nameof(device), device, "unknown device"),
    };
}
