using EditToAudio.Networks;
using EditToAudio.Numerics;
using EditToAudio.SyntheticModels;
using EditToAudio.Tests.Models;
using EditToAudio.Tests.Support;
using MathNet.Numerics;

namespace EditToAudio.Tests.Networks;

public class Ssv2aMapperTests
{
    private static Ssv2aMapper NewMapper() => new(SyntheticSet.Networks);

    private static float[] UnitVectors(int count, int seed, bool structured = false)
    {
        var random = new Random(seed);
        var values = new float[count * 768];
        for (int n = 0; n < count; n++)
        {
            for (int d = 0; d < 768; d++)
            {
                values[n * 768 + d] = structured ? (d % 16 < 8 ? 1f : -1f) * (n + 1) : (float)(random.NextDouble() * 2 - 1);
            }
        }
        ClipTokenEncoder.NormalizeRows(values, 768);
        return values;
    }

    [Fact]
    public void Mapping_is_deterministic_for_a_seed_and_unit_length()
    {
        float[] clip = UnitVectors(1, 3);
        var mapper = NewMapper();
        float[] a = mapper.Map(clip, seed: 42, cancellationToken: TestContext.Current.CancellationToken);
        float[] b = mapper.Map(clip, seed: 42, cancellationToken: TestContext.Current.CancellationToken);
        float[] c = mapper.Map(clip, seed: 43, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(512, a.Length);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(1.0, Math.Sqrt(a.Sum(v => (double)v * v)), 5);
    }

    [Theory]
    [InlineData(1, 42UL, 64, false)]
    [InlineData(3, 7UL, 16, false)]
    [InlineData(2, 42UL, 64, true)]
    public void Mapping_matches_a_float64_reference(int count, ulong seed, int varSamples, bool structured)
    {
        float[] clip = UnitVectors(count, (int)seed, structured);
        float[] actual = NewMapper().MapBatch(clip, count, seed, varSamples, cancellationToken: TestContext.Current.CancellationToken);
        double[] expected = Reference(clip, count, seed, varSamples, SyntheticSet.Weights);
        Tolerance.AssertClose(expected, actual, 2e-5, 1e-4, $"CLAP embedding ({count} items, seed {seed}, {varSamples} draws)");
    }

    [Fact]
    public void Rows_of_different_runs_in_one_call_equal_their_own_calls()
    {
        float[] clip = UnitVectors(2, 11);
        var mapper = NewMapper();
        var ct = TestContext.Current.CancellationToken;
        float[] together = mapper.MapBatch(clip, [new MappingKey(42, 0), new MappingKey(7, 3)], cancellationToken: ct);
        float[] first = mapper.Map(clip[..768], 42, cancellationToken: ct);
        float[] second = mapper.Map(clip[768..], 7, firstIndex: 3, cancellationToken: ct);
        Tolerance.AssertClose([.. first.Concat(second).Select(v => (double)v)], together, 1e-7, 1e-6, "rows keyed (42, 0) and (7, 3) vs separate calls");
    }

    [Fact]
    public void Each_item_draws_its_own_stream_keyed_by_index()
    {
        float[] clip = UnitVectors(2, 9);
        var mapper = NewMapper();
        float[] batch = mapper.MapBatch(clip, 2, 42, cancellationToken: TestContext.Current.CancellationToken);
        float[] second = mapper.Map(clip[768..], 42, firstIndex: 1, cancellationToken: TestContext.Current.CancellationToken);
        Tolerance.AssertClose([.. second.Select(v => (double)v)], batch.AsSpan(512), 1e-7, 1e-6, "second item mapped alone with firstIndex 1");
    }

    [Fact]
    public void Wrong_input_size_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => NewMapper().MapBatch(new float[767], 1, 42, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("[1,768]", error.Message, StringComparison.Ordinal);
    }

    private static double[] Reference(float[] clip, int count, ulong seed, int varSamples, SyntheticWeights w)
    {
        var result = new double[count * 512];
        for (int n = 0; n < count; n++)
        {
            double[] x = [.. clip.AsSpan(n * 768, 768).ToArray().Select(v => (double)v)];
            var (mu, logVar) = Mlp(x, w.Manifold);
            double[] fold = Fold(mu, logVar, seed, NoiseStream.Id(NoiseStage.Ssv2aManifold, 0, n), varSamples);
            // The engine hands the fold to the generator in float32.
            fold = [.. fold.Select(v => (double)(float)v)];
            var (mu2, logVar2) = Mlp(fold, w.Generator);
            double[] clap = Fold(mu2, logVar2, seed, NoiseStream.Id(NoiseStage.Ssv2aGenerator, 0, n), varSamples);
            double norm = Math.Sqrt(clap.Sum(v => v * v));
            for (int d = 0; d < 512; d++)
            {
                result[n * 512 + d] = clap[d] / norm;
            }
        }
        return result;
    }

    private static double[] Fold(double[] mu, double[] logVar, ulong seed, ulong stream, int samples)
    {
        var noise = new float[samples * mu.Length];
        Philox4x32.FillNormal(seed, stream, 0, noise);
        var fold = new double[mu.Length];
        for (int d = 0; d < mu.Length; d++)
        {
            double sum = 0;
            for (int s = 0; s < samples; s++)
            {
                sum += mu[d] + noise[s * mu.Length + d] * Math.Exp(0.5 * logVar[d]);
            }
            fold[d] = sum / samples;
        }
        return fold;
    }

    private static (double[] Mu, double[] LogVar) Mlp(double[] x, MlpWeights w)
    {
        double mean = x.Average();
        double variance = x.Sum(v => (v - mean) * (v - mean)) / x.Length;
        double[] normalized = [.. x.Select((v, i) => (v - mean) / Math.Sqrt(variance + SyntheticWeights.LayerNormEpsilon) * w.LayerNormGamma[i] + w.LayerNormBeta[i])];
        int hidden = SyntheticWeights.Hidden;
        var h = new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            double z = w.HiddenBias[j];
            for (int i = 0; i < w.Inputs; i++)
            {
                z += normalized[i] * w.HiddenWeight[i * hidden + j];
            }
            h[j] = 0.5 * z * (1 + SpecialFunctions.Erf(z / Math.Sqrt(2)));
        }
        var mu = new double[w.Outputs];
        var logVar = new double[w.Outputs];
        for (int k = 0; k < w.Outputs; k++)
        {
            double m = w.MuBias[k] + (w.Residual ? x[k] : 0), v = w.LogVarBias[k];
            for (int j = 0; j < hidden; j++)
            {
                m += h[j] * w.MuWeight[j * w.Outputs + k];
                v += h[j] * w.LogVarWeight[j * w.Outputs + k];
            }
            mu[k] = m;
            logVar[k] = v;
        }
        return (mu, logVar);
    }
}
