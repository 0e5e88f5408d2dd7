namespace EditToAudio.Cuda.Pipeline;

/// <summary>Floating-point precision of the Gram matrices and their eigendecomposition.</summary>
public enum EigenPrecision
{
    /// <summary>float32 rows, Gram and syevj (fastest).</summary>
    SinglePrecision,

    /// <summary>float64 rows, Gram and syevj (for eigenvalue gaps that float32 cannot resolve).</summary>
    DoublePrecision,
}

/// <summary>Parameters of the batched edit; defaults are the research defaults.</summary>
public sealed record GpuEditSettings
{
    /// <summary>Number of top singular directions scaled (k).</summary>
    public int TopK { get; init; } = 10;

    /// <summary>Scale of the removed object's top directions (α).</summary>
    public double SuppressFactor { get; init; } = 0.1;

    /// <summary>Scale of the added object's top directions (β).</summary>
    public double BoostFactor { get; init; } = 2.0;

    /// <summary>Weight of the suppressed embedding (a).</summary>
    public double SuppressWeight { get; init; } = 0.2;

    /// <summary>Weight of the boosted embedding (b).</summary>
    public double BoostWeight { get; init; } = 0.5;

    /// <summary>Weight of the background embedding (g).</summary>
    public double BackgroundWeight { get; init; } = 0.3;

    /// <summary>Whether the token buffers still need the per-token L2 normalization (done in place).</summary>
    public bool NormalizeTokens { get; init; } = true;

    /// <summary>Precision of the eigen stage.</summary>
    public EigenPrecision Precision { get; init; } = EigenPrecision.SinglePrecision;

    /// <summary>syevj's convergence tolerance; 0 keeps cuSOLVER's default (machine precision).</summary>
    public double EigenTolerance { get; init; }

    /// <summary>syevj's sweep limit.</summary>
    public int EigenMaxSweeps { get; init; } = 100;

    /// <summary>Whether to time each stage with CUDA events (adds a synchronization per stage).</summary>
    public bool MeasureStages { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(TopK, 1, nameof(TopK));
        ArgumentOutOfRangeException.ThrowIfLessThan(EigenMaxSweeps, 1, nameof(EigenMaxSweeps));
        ArgumentOutOfRangeException.ThrowIfNegative(EigenTolerance, nameof(EigenTolerance));
        // NaN passes the sign test; it would reach cuSOLVER as a tolerance.
        if (!double.IsFinite(EigenTolerance))
            throw new ArgumentOutOfRangeException(nameof(EigenTolerance), EigenTolerance, "must be a finite number");
        foreach ((string name, double value) in new[] { (nameof(SuppressFactor), SuppressFactor), (nameof(BoostFactor), BoostFactor),
            (nameof(SuppressWeight), SuppressWeight), (nameof(BoostWeight), BoostWeight), (nameof(BackgroundWeight), BackgroundWeight) })
        {
            if (!double.IsFinite(value))
                throw new ArgumentOutOfRangeException(name, value, "must be a finite number");
        }
    }
}

/// <summary>The stages of the batched edit, reported through <see cref="IProgress{T}"/> as each is queued.</summary>
public enum GpuEditStage
{
    /// <summary>Per-token L2 normalization.</summary>
    Normalize,

    /// <summary>Counting the selected patches (the only host round trip: it sizes the Gram matrices).</summary>
    Count,

    /// <summary>Gathering CLS and selected rows.</summary>
    Gather,

    /// <summary>Gram matrices with cuBLAS.</summary>
    Gram,

    /// <summary>Eigendecompositions with cuSOLVER syevjBatched.</summary>
    Eigen,

    /// <summary>The row re-weighting.</summary>
    Reweight,

    /// <summary>Background mean.</summary>
    Background,

    /// <summary>Final combination.</summary>
    Combine,
}
