using EditToAudio.Audio;
using EditToAudio.Models;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Audio;

public class DdimSamplerTests
{
    private static readonly LatentShape Shape = new(8, 16, 16);

    /// <summary>ᾱ from the formulas, written independently: β = linspace(√0.0015, √0.0195, 1000)², ᾱ = cumprod(1 − β).</summary>
    private static double[] ReferenceAlphaBar()
    {
        var alphaBar = new double[1000];
        double product = 1;
        for (int t = 0; t < 1000; t++)
        {
            double root = Math.Sqrt(0.0015) + t * (Math.Sqrt(0.0195) - Math.Sqrt(0.0015)) / 999.0;
            product *= 1 - root * root;
            alphaBar[t] = product;
        }
        return alphaBar;
    }

    [Theory]
    [InlineData(200, 1.0, 200, 5)]
    [InlineData(50, 0.0, 50, 20)]
    [InlineData(300, 0.5, 333, 3)]
    [InlineData(1000, 1.0, 999, 1)]
    [InlineData(7, 1.0, 8, 142)]
    public void The_schedule_matches_an_independent_float64_computation(int steps, double eta, int expectedCount, int stride)
    {
        DdimSchedule schedule = DdimSchedule.Create(BetaSchedule.AudioLdm, steps, eta);
        double[] alphaBar = ReferenceAlphaBar();

        Assert.Equal(expectedCount, schedule.Count);
        Assert.Equal(Enumerable.Range(0, expectedCount).Select(i => i * stride + 1), schedule.Timesteps);
        double[] alphas = schedule.Timesteps.Select(t => alphaBar[t]).ToArray();
        double[] previous = [alphaBar[0], .. schedule.Timesteps.SkipLast(1).Select(t => alphaBar[t])];
        double[] sigmas = alphas.Select((a, i) => eta * Math.Sqrt((1 - previous[i]) / (1 - a) * (1 - a / previous[i]))).ToArray();
        Tolerance.AssertClose(alphas, schedule.Alphas.ToArray(), 1e-15, 1e-12, "ᾱ");
        Tolerance.AssertClose(previous, schedule.AlphasPrevious.ToArray(), 1e-15, 1e-12, "ᾱ_prev");
        Tolerance.AssertClose(sigmas, schedule.Sigmas.ToArray(), 1e-15, 1e-12, "σ");
    }

    [Fact]
    public void The_200_step_schedule_has_the_published_endpoints()
    {
        DdimSchedule schedule = DdimSchedule.Create(BetaSchedule.AudioLdm, 200, 1.0);
        Assert.Equal(1, schedule.Timesteps[0]);
        Assert.Equal(996, schedule.Timesteps[^1]);
        Assert.Equal(1 - 0.0015, schedule.AlphasPrevious[0], 15);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.5)]
    [InlineData(0.0)]
    public void With_eta_zero_an_exact_model_lands_on_the_closed_form(double guidance)
    {
        var model = new AnalyticModel();
        const int candidates = 3;
        DdimSchedule schedule = DdimSchedule.Create(BetaSchedule.AudioLdm, 200, eta: 0);
        var options = new SamplerOptions { Eta = 0, Guidance = guidance, Seed = 7 };

        (float[] latents, bool clipped) = DdimSampler.Sample(model, schedule, Shape, AnalyticModel.Conditional, AnalyticModel.Unconditional, candidates, options,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(clipped);
        // ε stays constant along the trajectory, so x_final = √ᾱ₀·x₀ + √(1−ᾱ₀)·(z − √ᾱ_T·x₀)/√(1−ᾱ_T),
        // with x₀ = x₀ᵤ + s(x₀꜀ − x₀ᵤ) under guidance s, z the initial noise and ᾱ_T that of the first (noisiest) step.
        double first = schedule.AlphasPrevious[0], last = schedule.Alphas[^1];
        double[] x0 = AnalyticModel.GuidedTarget(Shape.Size, guidance);
        for (int c = 0; c < candidates; c++)
        {
            float[] z = new float[Shape.Size];
            EditToAudio.Numerics.Philox4x32.FillNormal(7, EditToAudio.Numerics.NoiseStream.Id(EditToAudio.Numerics.NoiseStage.DiffusionInitial, c, 0), 0, z);
            double[] expected = x0.Select((v, j) => Math.Sqrt(first) * v + Math.Sqrt(1 - first) * (z[j] - Math.Sqrt(last) * v) / Math.Sqrt(1 - last)).ToArray();
            Tolerance.AssertClose(expected, latents.AsSpan(c * Shape.Size, Shape.Size), 2e-5, 1e-5, $"candidate {c}, guidance {guidance}");
        }
        Assert.Equal(guidance == 1.0 ? candidates : 2 * candidates, model.LastBatch);
    }

    [Fact]
    public void With_eta_one_the_result_stays_within_the_schedules_noise_level()
    {
        DdimSchedule schedule = DdimSchedule.Create(BetaSchedule.AudioLdm, 200, eta: 1);
        var shape = new LatentShape(8, 64, 16);
        (float[] latents, _) = DdimSampler.Sample(new AnalyticModel(), schedule, shape, AnalyticModel.Conditional, AnalyticModel.Unconditional, 2,
            new SamplerOptions { Eta = 1, Guidance = 2.5 }, cancellationToken: TestContext.Current.CancellationToken);

        // An exact model keeps x = √ᾱ·x₀ + √(1−ᾱ)·n with n standard normal at every step, down to ᾱ₀.
        double first = schedule.AlphasPrevious[0];
        double[] x0 = AnalyticModel.GuidedTarget(shape.Size, 2.5);
        double[] residual = latents.Select((v, j) => (v - Math.Sqrt(first) * x0[j % shape.Size]) / Math.Sqrt(1 - first)).ToArray();
        double mean = residual.Average();
        double std = Math.Sqrt(residual.Select(r => (r - mean) * (r - mean)).Average());
        double standardError = 1 / Math.Sqrt(residual.Length);
        Assert.True(Math.Abs(mean) < 5 * standardError, $"residual mean {mean:G4} (standard error {standardError:G3})");
        Assert.True(Math.Abs(std - 1) < 5 * standardError * Math.Sqrt(2), $"residual std {std:G6}, expected 1");
    }

    [Fact]
    public void Guidance_batches_unconditional_rows_first_then_conditional()
    {
        var model = new AnalyticModel();
        DdimSampler.Sample(model, DdimSchedule.Create(BetaSchedule.AudioLdm, 10, 1), Shape, AnalyticModel.Conditional, AnalyticModel.Unconditional, 2,
            new SamplerOptions { Steps = 10 }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal([false, false, true, true], model.LastRowsConditional);
        Assert.Equal(Enumerable.Repeat(1L, 4), model.LastTimesteps);
    }

    [Fact]
    public void A_candidate_does_not_depend_on_how_many_are_drawn_with_it()
    {
        DdimSchedule schedule = DdimSchedule.Create(BetaSchedule.AudioLdm, 20, 1);
        var options = new SamplerOptions { Steps = 20, Seed = 123 };
        (float[] one, _) = DdimSampler.Sample(new AnalyticModel(), schedule, Shape, AnalyticModel.Conditional, AnalyticModel.Unconditional, 1, options, cancellationToken: TestContext.Current.CancellationToken);
        (float[] three, _) = DdimSampler.Sample(new AnalyticModel(), schedule, Shape, AnalyticModel.Conditional, AnalyticModel.Unconditional, 3, options, cancellationToken: TestContext.Current.CancellationToken);
        (float[] again, _) = DdimSampler.Sample(new AnalyticModel(), schedule, Shape, AnalyticModel.Conditional, AnalyticModel.Unconditional, 3, options, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(one, three.AsSpan(0, Shape.Size).ToArray());
        Assert.Equal(three, again);
        Assert.NotEqual(three.AsSpan(0, Shape.Size).ToArray(), three.AsSpan(Shape.Size, Shape.Size).ToArray());
    }

    [Fact]
    public void Latents_beyond_100_clip_the_whole_batch_to_ten()
    {
        DdimSchedule schedule = DdimSchedule.Create(BetaSchedule.AudioLdm, 5, 0);
        (float[] latents, bool clipped) = DdimSampler.Sample(new AnalyticModel(scale: 1000), schedule, Shape, AnalyticModel.Conditional, AnalyticModel.Unconditional, 2,
            new SamplerOptions { Steps = 5, Eta = 0 }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(clipped);
        Assert.All(latents, v => Assert.InRange(v, -10f, 10f));
        Assert.Contains(latents, v => Math.Abs(v) == 10f);
    }

    [Fact]
    public void Progress_counts_steps_and_cancellation_stops_between_steps()
    {
        DdimSchedule schedule = DdimSchedule.Create(BetaSchedule.AudioLdm, 20, 1);
        using var cancellation = new CancellationTokenSource();
        var seen = new List<int>();
        var progress = new Inline(step =>
        {
            seen.Add(step);
            if (step == 3)
            {
                cancellation.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() => DdimSampler.Sample(new AnalyticModel(), schedule, Shape, AnalyticModel.Conditional, AnalyticModel.Unconditional, 1,
            new SamplerOptions(), progress, cancellation.Token));
        Assert.Equal([1, 2, 3], seen);
    }

    [Theory]
    [InlineData(0, 2.5, 1.0, "Steps")]
    [InlineData(10, -1, 1.0, "Guidance")]
    [InlineData(10, 2.5, double.NaN, "Eta")]
    public void Invalid_settings_are_refused_by_name(int steps, double guidance, double eta, string name)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new SamplerOptions { Steps = steps, Guidance = guidance, Eta = eta }.Validate());
        Assert.Equal(name, error.ParamName);
    }

    private sealed class Inline(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    /// <summary>
    /// The exact ε-predictor for a known clean latent: ε = (x − √ᾱ_t·x₀(y)) / √(1−ᾱ_t), where x₀ depends
    /// on which embedding the row carries (conditional or unconditional).
    /// </summary>
    private sealed class AnalyticModel(double scale = 1) : IEpsilonPredictor
    {
        private static readonly double[] AlphaBar = BetaSchedule.AudioLdm.AlphasCumulative();

        public static float[] Conditional { get; } = Enumerable.Range(0, 512).Select(i => i == 0 ? 1f : 0f).ToArray();
        public static float[] Unconditional { get; } = Enumerable.Range(0, 512).Select(i => i == 1 ? 1f : 0f).ToArray();

        public int LastBatch { get; private set; }
        public bool[] LastRowsConditional { get; private set; } = [];
        public long[] LastTimesteps { get; private set; } = [];

        public static double Target(int j, bool conditional) => conditional ? Math.Sin(0.37 * j) : 0.5 * Math.Cos(0.11 * j);

        public static double[] GuidedTarget(int size, double guidance) =>
            Enumerable.Range(0, size).Select(j => Target(j, false) + guidance * (Target(j, true) - Target(j, false))).ToArray();

        public void Predict(int batch, LatentShape shape, ReadOnlySpan<float> latents, ReadOnlySpan<long> timesteps, ReadOnlySpan<float> conditioning, Span<float> epsilon)
        {
            LastBatch = batch;
            LastRowsConditional = new bool[batch];
            LastTimesteps = timesteps.ToArray();
            for (int b = 0; b < batch; b++)
            {
                bool conditional = conditioning[b * 512] == 1f;
                LastRowsConditional[b] = conditional;
                double alphaBar = AlphaBar[timesteps[b]];
                for (int j = 0; j < shape.Size; j++)
                {
                    double x0 = scale * Target(j, conditional);
                    epsilon[b * shape.Size + j] = (float)((latents[b * shape.Size + j] - Math.Sqrt(alphaBar) * x0) / Math.Sqrt(1 - alphaBar));
                }
            }
        }
    }
}
