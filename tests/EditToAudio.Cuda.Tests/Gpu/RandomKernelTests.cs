using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Tests.References;

namespace EditToAudio.Cuda.Tests.Gpu;

[Collection("GPU")]
public class RandomKernelTests(GpuFixture gpu)
{
    [Fact]
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

    [Theory]
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
                mismatches++;
        }
        Assert.True(mismatches == 0, $"{mismatches} of {count} normals differ from the reference by more than one float32 ulp");
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 768, 64)]
    [InlineData(5, 513, 7)]
    public void Variational_mean_matches_the_reference(int rows, int dim, int samples)
    {
        EngineKernels kernels = gpu.Kernels;
        var random = new Random(rows * 1000 + dim);
        float[] mu = [.. Enumerable.Range(0, rows * dim).Select(_ => (float)TestData.Gaussian(random))];
        float[] logVariance = [.. Enumerable.Range(0, rows * dim).Select(_ => (float)(random.NextDouble() * 4 - 3))];
        using DeviceBuffer<float> muBuffer = gpu.Context.Upload<float>(mu);
        using DeviceBuffer<float> logVarianceBuffer = gpu.Context.Upload<float>(logVariance);
        using DeviceBuffer<float> output = gpu.Context.Allocate<float>(mu.Length);

        kernels.VariationalMean(muBuffer, logVarianceBuffer, output, mu.Length, samples, 42, 9);

        double[] expected = Float64Reference.VariationalMean(mu, logVariance, samples, 42, 9);
        TestData.AssertClose(expected, output.ToArray(gpu.Context.Stream), 1e-6, 1e-6, "variational mean");
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 400.0)]
    public void Ddim_step_matches_the_reference(double eta, double latentScale)
    {
        EngineKernels kernels = gpu.Kernels;
        const int count = 8 * 256 * 16 + 3;
        var random = new Random(11);
        float[] Draw(double scale) => [.. Enumerable.Range(0, count).Select(_ => (float)(TestData.Gaussian(random) * scale))];
        float[] x = Draw(latentScale), uncond = Draw(1), cond = Draw(1);
        using DeviceBuffer<float> xBuffer = gpu.Context.Upload<float>(x);
        using DeviceBuffer<float> uncondBuffer = gpu.Context.Upload<float>(uncond);
        using DeviceBuffer<float> condBuffer = gpu.Context.Upload<float>(cond);
        using DeviceBuffer<float> next = gpu.Context.Allocate<float>(count);
        using DeviceBuffer<int> overflow = gpu.Context.Allocate<int>(1);
        var step = new DdimStepParameters(AlphaT: 0.3, AlphaPrevious: 0.45, Eta: eta, Guidance: 2.5, Seed: 42, Stream: 5);

        kernels.DdimStep(xBuffer, uncondBuffer, condBuffer, next, overflow, count, step);

        double[] expected = Float64Reference.DdimStep(x, uncond, cond, 2.5, 0.3, 0.45, eta, 42, 5);
        TestData.AssertClose(expected, next.ToArray(gpu.Context.Stream), 1e-5, 1e-6, $"DDIM step (eta={eta}, scale={latentScale})");
        if (latentScale > 100)
            Assert.All(next.ToArray(gpu.Context.Stream), v => Assert.InRange(v, -10f, 10f));
    }
}
