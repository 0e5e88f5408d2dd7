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
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, 1);
        if (conditioning.Length != unconditional.Length || conditioning.IsEmpty)
        {
            throw new ArgumentException($"The conditioning ({conditioning.Length}) and unconditional ({unconditional.Length}) embeddings must have the same, non-zero length.", nameof(conditioning));
        }

        int size = shape.Size;
        var x = new float[candidates * size];
        for (int c = 0; c < candidates; c++)
        {
            Philox4x32.FillNormal(options.Seed, NoiseStream.Id(NoiseStage.DiffusionInitial, c, 0), 0, x.AsSpan(c * size, size));
        }

        // Guidance 1 needs only the conditional pass, as in the reference.
        bool guided = options.Guidance != 1.0;
        int batch = guided ? 2 * candidates : candidates;
        var input = new float[batch * size];
        var epsilon = new float[batch * size];
        var timesteps = new long[batch];
        int width = conditioning.Length;
        var embeddings = new float[batch * width];
        for (int b = 0; b < batch; b++)
        {
            // Unconditional rows first, then conditional, as the reference concatenates them.
            (guided && b < candidates ? unconditional : conditioning).CopyTo(embeddings.AsSpan(b * width, width));
        }
        var noise = new float[size];

        for (int i = 0; i < schedule.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int index = schedule.Count - 1 - i;
            x.CopyTo(input, 0);
            if (guided)
            {
                x.CopyTo(input, candidates * size);
            }
            Array.Fill(timesteps, schedule.Timesteps[index]);
            model.Predict(batch, shape, input, timesteps, embeddings, epsilon);

            double alpha = schedule.Alphas[index], previous = schedule.AlphasPrevious[index], sigma = schedule.Sigmas[index];
            double sqrtAlpha = Math.Sqrt(alpha), sqrtOneMinusAlpha = Math.Sqrt(1 - alpha), sqrtPrevious = Math.Sqrt(previous);
            double direction = Math.Sqrt(Math.Max(1 - previous - sigma * sigma, 0));
            for (int c = 0; c < candidates; c++)
            {
                Span<float> latent = x.AsSpan(c * size, size);
                ReadOnlySpan<float> conditional = epsilon.AsSpan((guided ? candidates + c : c) * size, size);
                ReadOnlySpan<float> unconditionalEps = guided ? epsilon.AsSpan(c * size, size) : conditional;
                if (sigma > 0)
                {
                    Philox4x32.FillNormal(options.Seed, NoiseStream.Id(NoiseStage.DiffusionStep, c, i), 0, noise);
                }
                for (int j = 0; j < size; j++)
                {
                    double e = guided ? unconditionalEps[j] + options.Guidance * (conditional[j] - unconditionalEps[j]) : conditional[j];
                    double predictedX0 = (latent[j] - sqrtOneMinusAlpha * e) / sqrtAlpha;
                    double next = sqrtPrevious * predictedX0 + direction * e;
                    if (sigma > 0)
                    {
                        next += sigma * noise[j];
                    }
                    latent[j] = (float)next;
                }
            }
            progress?.Report(i + 1);
        }

        bool clipped = false;
        foreach (float v in x)
        {
            if (Math.Abs(v) > ClipTrigger)
            {
                clipped = true;
                break;
            }
        }
        if (clipped)
        {
            for (int j = 0; j < x.Length; j++)
            {
                x[j] = Math.Clamp(x[j], -ClipRange, ClipRange);
            }
        }
        return (x, clipped);
    }
}
