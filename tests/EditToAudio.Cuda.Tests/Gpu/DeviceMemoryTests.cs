using EditToAudio.Cuda.Devices;

namespace EditToAudio.Cuda.Tests.Gpu;

/// <summary>Device memory as the engine counts it and as the driver reports it.</summary>
[Collection("GPU")]
public class DeviceMemoryTests(GpuFixture gpu)
{
    [GpuFact]
    public void Buffers_count_their_bytes_until_freed_and_raise_the_peak()
    {
        CudaContext context = gpu.Context;
        long liveBefore = DeviceMemory.LiveBytes;
        DeviceMemory.ResetPeak();

        using (DeviceBuffer<double> large = context.Allocate<double>(1000))
        {
            using (DeviceBuffer<float> empty = context.Allocate<float>(0))
            {
                // An empty buffer holds one element, since cuMemAlloc refuses zero bytes.
                Assert.Equal(liveBefore + 8000 + 4, DeviceMemory.LiveBytes);
            }
            Assert.Equal(liveBefore + 8000, DeviceMemory.LiveBytes);
        }

        Assert.Equal(liveBefore, DeviceMemory.LiveBytes);
        Assert.Equal(liveBefore + 8004, DeviceMemory.PeakBytes);
    }

    [GpuFact]
    public void Driver_memory_info_sees_an_allocation()
    {
        CudaContext context = gpu.Context;
        const long bytes = 64L << 20;
        DeviceMemoryInfo before = context.MemoryInfo();
        Assert.InRange(before.FreeBytes, 1, before.TotalBytes);
        Assert.Equal(before.TotalBytes - before.FreeBytes, before.UsedBytes);

        DeviceMemoryInfo during;
        using (context.Allocate<byte>(bytes))
        {
            during = context.MemoryInfo();
        }

        Assert.Equal(before.TotalBytes, during.TotalBytes);
        // Nothing else in this process allocates meanwhile (the GPU tests run one at a time); the driver rounds up.
        Assert.True(during.UsedBytes - before.UsedBytes >= bytes,
            $"used bytes grew by {during.UsedBytes - before.UsedBytes} after allocating {bytes}");
    }
}
