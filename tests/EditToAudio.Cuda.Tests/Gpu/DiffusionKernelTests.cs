using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Tests.References;
using EditToAudio.Reference;

namespace EditToAudio.Cuda.Tests.Gpu;

[Collection("GPU")]
public class DiffusionKernelTests(GpuFixture gpu)
{
    [GpuFact]
    public void Clip_fires_per_job_and_only_past_the_offset()
    {
        EngineKernels kernels = gpu.Kernels;
        const int jobs = 3, jobSize = 2 * 8 * 32 * 16 + 7, offset = 1001;
        var random = new Random(5);
        float[] values = [.. Enumerable.Range(0, offset + jobs * jobSize).Select(_ => (float)(TestData.Gaussian(random) * 20))];
        values[3] = 500;                        // before the offset: must neither flag nor be clipped
        values[offset + jobSize + 9] = -101;    // job 1 trips the clip
        values[offset + 2 * jobSize] = 100;     // job 2 sits exactly at the trigger, which does not fire
        values[offset + jobSize + 10] = float.NaN; // a clipped NaN stays NaN, as Math.Clamp leaves it
        using DeviceBuffer<float> buffer = gpu.Context.Upload<float>(values);
        using DeviceBuffer<int> flags = gpu.Context.Allocate<int>(jobs);

        kernels.ClipJobsOver(buffer, offset, jobSize, jobs, 100f, 10f, flags);

        double[] expected = [.. values.Skip(offset).Select(v => (double)v)];
        bool[] expectedFlags = Float64Reference.ClipJobs(expected, jobs);
        Assert.Equal([false, true, false], expectedFlags);
        Assert.Equal([0, 1, 0], flags.ToArray(gpu.Context.Stream));
        float[] actual = buffer.ToArray(gpu.Context.Stream);
        Assert.Equal(500f, actual[3]);
        Assert.True(float.IsNaN(actual[offset + jobSize + 10]), "a NaN in a clipped job must stay NaN");
        (expected[jobSize + 10], actual[offset + jobSize + 10]) = (0, 0);
        TestData.AssertClose(expected, actual.AsSpan(offset), 0, 0, "clipped latents");
    }

    [GpuFact]
    public void Divide_reads_from_the_offset_and_rounds_once()
    {
        EngineKernels kernels = gpu.Kernels;
        const int offset = 33, count = 70_001;
        var random = new Random(8);
        float[] values = [.. Enumerable.Range(0, offset + count).Select(_ => (float)TestData.Gaussian(random))];
        using DeviceBuffer<float> input = gpu.Context.Upload<float>(values);
        using DeviceBuffer<float> output = gpu.Context.Allocate<float>(count);

        kernels.Divide(input, offset, output, count, 0.18215);

        double[] expected = [.. values.Skip(offset).Select(v => v / 0.18215)];
        TestData.AssertClose(expected, output.ToArray(gpu.Context.Stream), 0, 6e-8, "latents / scale factor");
    }

    [GpuTheory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 1024, 64)]
    [InlineData(2, 37, 5)]
    public void Transpose_swaps_the_last_two_axes(int batches, int rows, int columns)
    {
        EngineKernels kernels = gpu.Kernels;
        float[] values = [.. Enumerable.Range(0, batches * rows * columns).Select(i => (float)i)];
        using DeviceBuffer<float> input = gpu.Context.Upload<float>(values);
        using DeviceBuffer<float> output = gpu.Context.Allocate<float>(values.Length);

        kernels.TransposeLastTwo(input, output, batches, rows, columns);

        var expected = new double[values.Length];
        for (int b = 0; b < batches; b++)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    expected[(b * columns + c) * rows + r] = values[(b * rows + r) * columns + c];
                }
            }
        }
        TestData.AssertClose(expected, output.ToArray(gpu.Context.Stream), 0, 0, $"[{batches}, {rows}, {columns}] transposed");
    }
}
