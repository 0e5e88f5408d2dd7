using EditToAudio.Numerics;

namespace EditToAudio.Audio;

/// <summary>Sampler settings, with the research code's defaults.</summary>
public sealed record SamplerOptions
{
    /// <summary>Requested DDIM steps (200).</summary>
    public int Steps { get; init; } = 200;

    /// <summary>Classifier-free guidance scale (2.5); 1 disables the unconditional pass.</summary>
    public double Guidance { get; init; } = 2.5;

    /// <summary>DDIM η (1.0, stochastic, as the research code; 0 is deterministic).</summary>
    public double Eta { get; init; } = 1.0;

    /// <summary>Seed of every draw (42).</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Steps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "steps must be at least 1.");
        }
        if (!double.IsFinite(Guidance) || Guidance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Guidance), Guidance, "guidance must be a finite number ≥ 0.");
        }
        if (!double.IsFinite(Eta) || Eta < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Eta), Eta, "eta must be a finite number ≥ 0.");
        }
    }
}

/// <summary>
/// DDIM with classifier-free guidance, step for step as AudioLDM v1 samples: for each timestep
/// from the noisiest, ε = ε_u + s·(ε_c − ε_u) (conditional and unconditional in one batch),
/// x̂₀ = (x − √(1−ᾱ)·ε)/√ᾱ, x ← √ᾱ_prev·x̂₀ + √(1−ᾱ_prev−σ²)·ε + σ·z. After the last step, if
/// any |x| &gt; 100 the whole candidate batch is clipped to [−10, 10]. Every draw comes from
/// Philox keyed by (seed, candidate, step), so results do not depend on batching or threads.
/// </summary>
public static class DdimSampler
{
    /// <summary>Latents above this magnitude trigger the clip.</summary>
    public const float ClipTrigger = 100f;

    /// <summary>The range latents are clipped to.</summary>
    public const float ClipRange = 10f;

    /// <summary>
    /// One latent's update in place; its own method so the JIT optimizes it fully after a few calls
    /// instead of running it inside the long sampling method's first-tier code.
    /// </summary>
    private static void Step(Span<float> latent, ReadOnlySpan<float> conditional, ReadOnlySpan<float> unconditional, double? guidance,
        DdimStepCoefficients c, ReadOnlySpan<float> noise)
    {
        double scale = guidance.GetValueOrDefault();
        bool guided = guidance.HasValue, noisy = c.Sigma > 0;
        for (int j = 0; j < latent.Length; j++)
        {
            double e = guided ? unconditional[j] + scale * (conditional[j] - unconditional[j]) : conditional[j];
            double predictedX0 = (latent[j] - c.SqrtOneMinusAlpha * e) / c.SqrtAlpha;
            double next = c.SqrtAlphaPrevious * predictedX0 + c.Direction * e;
            if (noisy)
            {
                next += c.Sigma * noise[j];
            }
            latent[j] = (float)next;
        }
    }

    /// <summary>Samples <paramref name="candidates"/> latents for one conditioning embedding.</summary>
    /// <param name="model">The ε-predictor.</param>
    /// <param name="schedule">Timesteps and coefficients.</param>
    /// <param name="shape">Latent shape.</param>
    /// <param name="conditioning">The conditioning embedding (512).</param>
    /// <param name="unconditional">The model set's unconditional embedding (512).</param>
    /// <param name="candidates">Latents to draw, in one batch.</param>
    /// <param name="options">Guidance and seed (steps and η are the schedule's).</param>
    /// <param name="progress">Receives the number of finished steps.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    /// <returns>[candidates, channels, frames, bins] latents, and whether the clip fired.</returns>
    public static (float[] Latents, bool Clipped) Sample(
        IEpsilonPredictor model,
        DdimSchedule schedule,
        LatentShape shape,
        ReadOnlySpan<float> conditioning,
        ReadOnlySpan<float> unconditional,
        int candidates,
        SamplerOptions options,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        (float[] latents, bool[] clipped) = SampleMany(model, schedule, shape, conditioning, [options.Seed], unconditional, candidates, options.Guidance, progress, cancellationToken);
        return (latents, clipped[0]);
    }

    /// <summary>
    /// Samples <paramref name="candidates"/> latents for each of several conditioning embeddings in
    /// one ε-predictor batch per step. Job j draws its noise from (<paramref name="seeds"/>[j],
    /// candidate, step) and its latents are clipped on their own, so each job's result is the one
    /// <see cref="Sample"/> gives for it alone (up to the predictor's own batch-size rounding).
    /// </summary>
    /// <param name="model">The ε-predictor.</param>
    /// <param name="schedule">Timesteps and coefficients.</param>
    /// <param name="shape">Latent shape.</param>
    /// <param name="conditionings">The jobs' conditioning embeddings, [jobs, width] row-major.</param>
    /// <param name="seeds">The seed of each job.</param>
    /// <param name="unconditional">The model set's unconditional embedding (width).</param>
    /// <param name="candidates">Latents per job.</param>
    /// <param name="guidance">Classifier-free guidance scale; 1 runs only the conditional pass.</param>
    /// <param name="progress">Receives the number of finished steps.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    /// <returns>[jobs·candidates, channels, frames, bins] latents (job-major), and per job whether its clip fired.</returns>
    public static (float[] Latents, bool[] Clipped) SampleMany(
        IEpsilonPredictor model,
        DdimSchedule schedule,
        LatentShape shape,
        ReadOnlySpan<float> conditionings,
        IReadOnlyList<ulong> seeds,
        ReadOnlySpan<float> unconditional,
        int candidates,
        double guidance,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layout = new SamplerLayout(schedule, conditionings, seeds, unconditional, candidates, guidance);
        int jobs = layout.Jobs, rows = layout.Rows, batch = layout.Batch, size = shape.Size;
        bool guided = layout.Halves == 2;
        var x = new float[rows * size];
        for (int r = 0; r < rows; r++)
        {
            Philox4x32.FillNormal(layout.Seeds[r], layout.InitialStreams[r], 0, x.AsSpan(r * size, size));
        }
        var input = new float[batch * size];
        var epsilon = new float[batch * size];
        var noise = new float[size];

        for (int i = 0; i < schedule.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int index = schedule.Count - 1 - i;
            x.CopyTo(input, 0);
            if (guided)
            {
                x.CopyTo(input, rows * size);
            }
            model.Predict(batch, shape, input, layout.TimestepsOf(i), layout.Conditioning, epsilon);

            DdimStepCoefficients coefficients = schedule.Coefficients(index);
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> conditional = epsilon.AsSpan((guided ? rows + r : r) * size, size);
                ReadOnlySpan<float> unconditionalEps = guided ? epsilon.AsSpan(r * size, size) : conditional;
                if (coefficients.Sigma > 0)
                {
                    Philox4x32.FillNormal(layout.Seeds[r], layout.StepStreams[r] | (uint)i, 0, noise);
                }
                Step(x.AsSpan(r * size, size), conditional, unconditionalEps, guided ? guidance : null, coefficients, noise);
            }
            progress?.Report(i + 1);
        }

        // The clip is decided per job, over that job's candidate batch, as a job of its own would.
        var clipped = new bool[jobs];
        int jobSize = candidates * size;
        for (int job = 0; job < jobs; job++)
        {
            Span<float> latents = x.AsSpan(job * jobSize, jobSize);
            foreach (float v in latents)
            {
                if (Math.Abs(v) > ClipTrigger)
                {
                    clipped[job] = true;
                    break;
                }
            }
            if (clipped[job])
            {
                for (int j = 0; j < latents.Length; j++)
                {
                    latents[j] = Math.Clamp(latents[j], -ClipRange, ClipRange);
                }
            }
        }
        return (x, clipped);
    }
}
