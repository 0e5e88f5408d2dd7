using EditToAudio.Audio;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Tests.References;
using EditToAudio.Models;
using EditToAudio.Numerics;
using EditToAudio.Reference;

namespace EditToAudio.Cuda.Tests.Gpu;

[Collection("GPU")]
public class RandomKernelTests(GpuFixture gpu)
{
    [GpuFact]
    public void Philox_blocks_match_the_published_known_answers()
    {
        EngineKernels kernels = gpu.Kernels;
        uint max = uint.MaxValue;
        uint[] input = [0, 0, 0, 0, 0, 0, max, max, max, max, max, max];
        using DeviceBuffer<uint> inputs = gpu.Context.Upload<uint>(input);
        using DeviceBuffer<uint> outputs = gpu.Context.Allocate<uint>(8);

        kernels.PhiloxBlocks(inputs, outputs, 2);

        Assert.Equal([0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu],
            outputs.ToArray(gpu.Context.Stream));
    }

    [GpuTheory]
    [InlineData(1L, 0UL, 0UL, 0UL)]
    [InlineData(10_007L, 42UL, 3UL, 0UL)]
    [InlineData(4_099L, 0xDEADBEEFCAFEUL, 0x1_0000_0001UL, 17UL)]
    public void Normals_match_the_reference_within_one_float_ulp(long count, ulong seed, ulong stream, ulong first)
    {
        EngineKernels kernels = gpu.Kernels;
        using DeviceBuffer<float> output = gpu.Context.Allocate<float>(count);

        kernels.PhiloxNormals(output, count, seed, stream, first);

        float[] actual = output.ToArray(gpu.Context.Stream);
        int mismatches = 0;
        for (long i = 0; i < count; i++)
        {
            float expected = Float64Reference.Normal(seed, stream, first + (ulong)i);
            if (expected != actual[i] && MathF.BitIncrement(expected) != actual[i] && MathF.BitDecrement(expected) != actual[i])
            {
                mismatches++;
            }
        }
        Assert.True(mismatches == 0, $"{mismatches} of {count} normals differ from the reference by more than one float32 ulp");
    }

    [GpuTheory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 768, 64)]
    [InlineData(5, 513, 7)]
    public void Variational_mean_matches_the_reference(int rows, int width, int samples)
    {
        EngineKernels kernels = gpu.Kernels;
        var random = new Random(rows * 1000 + width);
        float[] mu = [.. Enumerable.Range(0, rows * width).Select(_ => (float)TestData.Gaussian(random))];
        float[] logVariance = [.. Enumerable.Range(0, rows * width).Select(_ => (float)(random.NextDouble() * 4 - 3))];
        ulong[] seeds = [.. Enumerable.Range(0, rows).Select(r => 42UL + (ulong)(r % 2))];
        ulong[] streams = [.. Enumerable.Range(0, rows).Select(r => NoiseStream.Id(NoiseStage.Ssv2aManifold, 0, r))];
        using DeviceBuffer<float> muBuffer = gpu.Context.Upload<float>(mu);
        using DeviceBuffer<float> logVarianceBuffer = gpu.Context.Upload<float>(logVariance);
        using DeviceBuffer<ulong> seedBuffer = gpu.Context.Upload<ulong>(seeds);
        using DeviceBuffer<ulong> streamBuffer = gpu.Context.Upload<ulong>(streams);
        using DeviceBuffer<float> output = gpu.Context.Allocate<float>(mu.Length);

        kernels.VariationalMean(muBuffer, logVarianceBuffer, output, rows, width, samples, seedBuffer, streamBuffer);

        double[] expected = Float64Reference.VariationalMean(mu, logVariance, width, samples, seeds, streams);
        TestData.AssertClose(expected, output.ToArray(gpu.Context.Stream), 1e-6, 1e-6, "variational mean");
    }

    [GpuTheory]
    [InlineData(1.0, true, 3, 8 * 256 * 16 + 3)]
    [InlineData(0.0, true, 1, 8 * 256 * 16)]
    [InlineData(1.0, false, 5, 1001)]
    public void Ddim_step_matches_the_reference(double eta, bool guided, int rows, int size)
    {
        EngineKernels kernels = gpu.Kernels;
        var schedule = DdimSchedule.Create(BetaSchedule.AudioLdm, 200, eta);
        const ulong step = 150;
        int index = schedule.Count - 1 - (int)step;
        var random = new Random(11);
        float[] Draw() => [.. Enumerable.Range(0, rows * size).Select(_ => (float)TestData.Gaussian(random))];
        float[] x = Draw(), uncond = Draw(), cond = Draw();
        ulong[] seeds = [.. Enumerable.Range(0, rows).Select(r => 40UL + (ulong)r / 2)];
        ulong[] streams = [.. Enumerable.Range(0, rows).Select(r => NoiseStream.Id(NoiseStage.DiffusionStep, r, 0))];
        using DeviceBuffer<float> sample = gpu.Context.Upload<float>(guided ? [.. x, .. x] : x);
        using DeviceBuffer<float> eps = gpu.Context.Upload<float>(guided ? [.. uncond, .. cond] : cond);
        using DeviceBuffer<ulong> seedBuffer = gpu.Context.Upload<ulong>(seeds);
        using DeviceBuffer<ulong> streamBuffer = gpu.Context.Upload<ulong>(streams);

        kernels.DdimStep(sample, eps, rows, size, guided, guided ? 2.5 : 1.0, schedule.Coefficients(index), seedBuffer, streamBuffer, step);

        double[] expected = Float64Reference.DdimStepRows(x, guided ? uncond : null, cond, rows, 2.5, schedule.Alphas[index], schedule.AlphasPrevious[index], eta, seeds, streams, step);
        float[] actual = sample.ToArray(gpu.Context.Stream);
        TestData.AssertClose(expected, actual.AsSpan(actual.Length - rows * size), 1e-5, 1e-6, $"DDIM step (eta={eta}, guided={guided}), latents");
        if (guided)
        {
            TestData.AssertClose(expected, actual.AsSpan(0, rows * size), 1e-5, 1e-6, $"DDIM step (eta={eta}), unconditional copy");
        }
    }

    [GpuFact]
    public void Row_noise_fills_every_copy_with_each_rows_stream()
    {
        EngineKernels kernels = gpu.Kernels;
        const int rows = 4, size = 1000;
        ulong[] seeds = [1, 1, 2, 3];
        ulong[] streams = [.. Enumerable.Range(0, rows).Select(r => NoiseStream.Id(NoiseStage.DiffusionInitial, r, 0))];
        using DeviceBuffer<ulong> seedBuffer = gpu.Context.Upload<ulong>(seeds);
        using DeviceBuffer<ulong> streamBuffer = gpu.Context.Upload<ulong>(streams);
        using DeviceBuffer<float> output = gpu.Context.Allocate<float>(2 * rows * size);

        kernels.PhiloxNormalRows(output, rows, size, 2, seedBuffer, streamBuffer, 0);

        float[] actual = output.ToArray(gpu.Context.Stream);
        double[] expected = [.. Enumerable.Range(0, rows * size).Select(i => (double)Float64Reference.Normal(seeds[i / size], streams[i / size], (ulong)(i % size)))];
        TestData.AssertClose(expected, actual.AsSpan(0, rows * size), 1e-6, 1e-6, "row noise, first copy");
        TestData.AssertClose(expected, actual.AsSpan(rows * size), 1e-6, 1e-6, "row noise, second copy");
    }
}
