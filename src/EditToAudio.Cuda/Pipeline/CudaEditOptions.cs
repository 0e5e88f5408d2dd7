namespace EditToAudio.Cuda.Pipeline;

/// <summary>Floating-point precision of the Gram matrices and their eigendecomposition.</summary>
public enum EigenPrecision
{
    /// <summary>float32 rows, Gram and syevj (fastest).</summary>
    SinglePrecision,

    /// <summary>float64 rows, Gram and syevj (for eigenvalue gaps that float32 cannot resolve).</summary>
    DoublePrecision,
}

/// <summary>
/// How the GPU runs the edit, beside the edit's own <see cref="Editing.EditParameters"/>: the eigen
/// stage's precision and convergence, and what the pipeline measures. The defaults are the backend's.
/// </summary>
public sealed record CudaEditOptions
{
    /// <summary>Whether the token buffers still need the per-token L2 normalization (done in place).</summary>
    public bool NormalizeTokens { get; init; } = true;

    /// <summary>Precision of the eigen stage: float64 by default, as the CPU computes its eigenvectors.</summary>
    public EigenPrecision Precision { get; init; } = EigenPrecision.DoublePrecision;

    /// <summary>syevj's convergence tolerance; 0 keeps cuSOLVER's default (machine precision).</summary>
    public double EigenTolerance { get; init; }

    /// <summary>syevj's sweep limit.</summary>
    public int EigenMaxSweeps { get; init; } = 100;

    /// <summary>Whether to time each stage with CUDA events (adds a synchronization per stage).</summary>
    public bool MeasureStages { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(EigenMaxSweeps, 1, nameof(EigenMaxSweeps));
        ArgumentOutOfRangeException.ThrowIfNegative(EigenTolerance, nameof(EigenTolerance));
        // NaN passes the sign test; it would reach cuSOLVER as a tolerance.
        if (!double.IsFinite(EigenTolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(EigenTolerance), EigenTolerance, "must be a finite number");
        }
        if (!Enum.IsDefined(Precision))
        {
            throw new ArgumentOutOfRangeException(nameof(Precision), Precision, "unknown precision");
        }
    }
}

/// <summary>The stages of the batched edit, reported through <see cref="IProgress{T}"/> as each is queued.</summary>
public enum CudaEditStage
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

    /// <summary>The row re-weighting (once per setting).</summary>
    Reweight,

    /// <summary>Background mean.</summary>
    Background,

    /// <summary>Final combination (once per setting).</summary>
    Combine,
}
