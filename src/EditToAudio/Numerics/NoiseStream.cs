namespace EditToAudio.Numerics;

/// <summary>Which part of the pipeline draws the noise; the top byte of a Philox stream id.</summary>
public enum NoiseStage : byte
{
    /// <summary>Draws from the SSV2A manifold's (μ, log σ²).</summary>
    Ssv2aManifold = 1,

    /// <summary>Draws from the SSV2A generator's (μ, log σ²).</summary>
    Ssv2aGenerator = 2,

    /// <summary>The diffusion sampler's initial latent.</summary>
    DiffusionInitial = 3,

    /// <summary>The stochastic (eta &gt; 0) noise of a DDIM step.</summary>
    DiffusionStep = 4,

    /// <summary>The evaluation's bootstrap resamples (the step field numbers the resample).</summary>
    Bootstrap = 5,
}

/// <summary>
/// Composes the 64-bit Philox stream id from (stage, candidate, step) so that every consumer
/// draws from its own non-overlapping stream. Layout, most significant bit first:
/// stage (8 bits) | candidate (16 bits) | step (40 bits). Within a stream, the element index
/// addresses the numbers (so a batch item's draws are a contiguous index range).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "A stream of random numbers (Philox's term), not a System.IO.Stream.")]
public static class NoiseStream
{
    /// <summary>Largest candidate index that fits the layout.</summary>
    public const int MaxCandidate = 0xFFFF;

    /// <summary>Largest step index that fits the layout.</summary>
    public const long MaxStep = (1L << 40) - 1;

    /// <summary>The stream id for (stage, candidate, step).</summary>
    /// <exception cref="ArgumentOutOfRangeException">When candidate or step does not fit its field.</exception>
    public static ulong Id(NoiseStage stage, int candidate, long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(candidate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(candidate, MaxCandidate);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(step, MaxStep);
        return ((ulong)stage << 56) | ((ulong)candidate << 40) | (ulong)step;
    }

    /// <summary>Splits a stream id back into its fields.</summary>
    public static (NoiseStage Stage, int Candidate, long Step) Parse(ulong id) =>
        ((NoiseStage)(id >> 56), (int)((id >> 40) & MaxCandidate), (long)(id & (ulong)MaxStep));
}
