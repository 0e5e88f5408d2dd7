using System.Buffers;
using EditToAudio.Images;
using EditToAudio.Numerics;

namespace EditToAudio.Editing;

/// <summary>
/// The SVD edit of one masked region, prepared once and applied for any k ≤ <see cref="MaxK"/>
/// and any factor.
/// </summary>
/// <remarks>
/// The reference method stacks X = [CLS; selected patches], takes X = UΣVᵀ, scales the top k
/// singular values by s and returns the normalized mean row of the reconstruction. Because
/// ΣₖVₖᵀ = UₖᵀX, that mean is (w + (s−1)·UₖUₖᵀw)ᵀX: a re-weighting of the selected rows, where
/// Uₖ are the top-k eigenvectors of the small Gram matrix XXᵀ ((n+1)×(n+1), n+1 ≤ 257). So no
/// 768-wide SVD or reconstruction is needed, and one eigendecomposition serves a whole sweep.
/// </remarks>
public sealed class RegionDecomposition
{
    private readonly ImageTokens _tokens;
    private readonly int[] _rows;               // token indices of X's rows: CLS (0), then the selected patches
    private readonly Eigenpairs _fast;          // top eigenpairs of XXᵀ from the float32 Gram matrix (float64 when forced)
    private readonly Eigenpairs? _exact;        // from the float64 one, where some kept eigenvalue needs it
    private readonly int _firstExactK;          // the smallest k served by _exact

    private RegionDecomposition(ImageTokens tokens, int[] rows, Eigenpairs fast, Eigenpairs? exact, int firstExactK, int maxK)
    {
        _tokens = tokens;
        RowCount = rows.Length;
        Dimension = tokens.Dimension;
        _rows = rows;
        _fast = fast;
        _exact = exact;
        _firstExactK = firstExactK;
        MaxK = maxK;
    }

    /// <summary>Top eigenvectors (largest eigenvalue first), their eigenvalues, and the row sums computed from them.</summary>
    private sealed class Eigenpairs(double[] values, double[][] vectors)
    {
        public double[] Values { get; } = values;

        public double[][] Vectors { get; } = vectors;

        /// <summary>[0] = Xᵀw, [k] = XᵀUₖUₖᵀw, filled on first use.</summary>
        public double[]?[] WeightedSums { get; } = new double[]?[vectors.Length + 1];

        public static Eigenpairs None { get; } = new([], []);
    }

    /// <summary>Rows of X: CLS plus the selected patches, or 0 when no patch is selected.</summary>
    public int RowCount { get; }

    /// <summary>Token length.</summary>
    public int Dimension { get; }

    /// <summary>True when the mask selects no patch: every edit is then the zero vector.</summary>
    public bool IsEmpty => RowCount == 0;

    /// <summary>Whether the float64 Gram matrix was decomposed (a kept eigenvalue was near the float32 one's rounding, or it was asked for).</summary>
    internal bool UsedExactGram => _exact is not null;

    /// <summary>The largest k that <see cref="Edit"/> accepts.</summary>
    public int MaxK { get; }

    /// <summary>Squared singular values σ₁² ≥ σ₂² ≥ … of X that the edit can touch (at most <see cref="MaxK"/>).</summary>
    public IReadOnlyList<double> TopSquaredSingularValues => (_exact ?? _fast).Values;

    /// <summary>Selects the rows of <paramref name="tokens"/> where the binary <paramref name="patchWeights"/> are 1 and decomposes them for k ≤ <paramref name="maxK"/>.</summary>
    /// <exception cref="ArgumentException">The weights are not 256 values of 0 or 1.</exception>
    public static RegionDecomposition Create(ImageTokens tokens, ReadOnlySpan<float> patchWeights, int maxK) =>
        Create(tokens, patchWeights, maxK, forceExactGram: false);

    /// <summary><see cref="Create(ImageTokens, ReadOnlySpan{float}, int)"/>, with the float64 Gram matrix from the start when <paramref name="forceExactGram"/> (for comparisons).</summary>
    internal static RegionDecomposition Create(ImageTokens tokens, ReadOnlySpan<float> patchWeights, int maxK, bool forceExactGram)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxK, 1);
        PatchWeights.CheckBinary(patchWeights, nameof(patchWeights));

        int selected = 0;
        foreach (float w in patchWeights)
        {
            if (w > 0.5f)
            {
                selected++;
            }
        }
        if (selected == 0)
        {
            return new RegionDecomposition(tokens, [], Eigenpairs.None, null, int.MaxValue, maxK);
        }

        int rowCount = selected + 1;
        var rows = new int[rowCount];
        for (int p = 0, row = 1; p < patchWeights.Length; p++)
        {
            if (patchWeights[p] > 0.5f)
            {
                rows[row++] = 1 + p;
            }
        }

        // An edit with k ≥ n+1 scales every singular value (UₖUₖᵀ = I, the plain mean) and needs no
        // vectors; one with k < n+1 needs the top k. Keeping min(maxK, n) vectors serves every k ≤ maxK.
        int kept = Math.Min(maxK, rowCount - 1);
        if (forceExactGram)
        {
            Eigenpairs exact = Decompose(tokens, rows, kept, exact: true);
            return new RegionDecomposition(tokens, rows, exact, exact, 1, maxK);
        }

        // The float32 Gram matrix is exact enough for every k whose eigenvalue λₖ lies well above its
        // rounding; the k from the first one that does not (a rank-deficient region) use the float64
        // one. The choice for a k does not depend on maxK, so an edit gives the same bits alone or in a sweep.
        Eigenpairs fast = Decompose(tokens, rows, kept, exact: false);
        int firstExactK = 1;
        while (firstExactK <= kept && AboveSingleRounding(fast.Values[firstExactK - 1], tokens.Dimension, rowCount))
        {
            firstExactK++;
        }
        Eigenpairs? exactPairs = firstExactK <= kept ? Decompose(tokens, rows, kept, exact: true) : null;
        return new RegionDecomposition(tokens, rows, fast, exactPairs, firstExactK, maxK);
    }

    /// <summary>How far above the float32 Gram matrix's rounding the smallest kept eigenvalue must be.</summary>
    internal const double SingleGramMargin = 10;

    /// <summary>
    /// Whether <paramref name="smallestKept"/> lies well above the rounding of the float32 Gram matrix
    /// (about √D·2⁻²⁴ per element of unit rows, times the rows for the whole matrix). Eigenvectors of
    /// well-represented eigenvalues then move by rounding over gap, which is invisible in the result;
    /// an eigenvalue at the rounding level picks an arbitrary direction whose rows sum to about the
    /// square root of that rounding, which is not.
    /// </summary>
    private static bool AboveSingleRounding(double smallestKept, int dimension, int rowCount) =>
        smallestKept >= SingleGramMargin * rowCount * Math.Sqrt(dimension) * Math.ScaleB(1.0, -24);

    /// <summary>The top eigenpairs of the rows' Gram matrix.</summary>
    private static Eigenpairs Decompose(ImageTokens tokens, int[] rows, int kept, bool exact)
    {
        int n = rows.Length;
        double[] gram = ArrayPool<double>.Shared.Rent(n * n);
        try
        {
            GramMatrix.Compute(tokens, rows, gram, exact);
            (double[] values, double[][] vectors) = SymmetricEigen.Top(gram.AsSpan(0, n * n), n, kept);
            return new Eigenpairs(values, vectors);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(gram);
        }
    }

    /// <summary>
    /// Scales the top min(k, n+1) singular values by <paramref name="factor"/> and returns the
    /// L2-normalized mean of the edited rows (float32), or the zero vector for an empty region.
    /// </summary>
    public float[] Edit(int k, double factor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, MaxK);
        if (!double.IsFinite(factor))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The singular-value factor must be finite.");
        }
        if (IsEmpty)
        {
            return new float[Dimension];
        }

        // With r = w + (s−1)·UₖUₖᵀw and w the uniform weights (the mask is binary), e = Xᵀw + (s−1)·XᵀUₖUₖᵀw:
        // both sums are kept, so every further factor for the same k costs one vector operation.
        // With k ≥ n+1, UₖUₖᵀ = I and e = s·Xᵀw.
        Span<double> embedding = Dimension <= VectorMath.StackDoubles ? stackalloc double[Dimension] : new double[Dimension];
        if (k >= RowCount)
        {
            VectorMath.AddScaled(embedding, WeightedRowSums(_fast, 0).Mean, factor);
        }
        else
        {
            (double[] mean, double[] projected) = WeightedRowSums(k >= _firstExactK ? _exact! : _fast, k);
            mean.CopyTo(embedding);
            VectorMath.AddScaled(embedding, projected, factor - 1.0);
        }
        return VectorMath.NormalizedToSingle(embedding);
    }

    /// <summary>
    /// Xᵀw (from the float32 Gram matrix's pairs, like the plain mean) and, for k ≥ 1, XᵀUₖUₖᵀw from
    /// <paramref name="pairs"/>: each computed once, then shared (thread-safe); the missing ones are summed
    /// in one pass over the rows.
    /// </summary>
    private (double[] Mean, double[] Projected) WeightedRowSums(Eigenpairs pairs, int k)
    {
        double[]? mean = Volatile.Read(ref _fast.WeightedSums[0]);
        double[]? projected = k == 0 ? mean : Volatile.Read(ref pairs.WeightedSums[k]);
        if (mean is not null && projected is not null)
        {
            return (mean, projected);
        }

        double uniform = 1.0 / RowCount;
        var uniformWeights = new double[RowCount];
        Array.Fill(uniformWeights, uniform);
        double[]? projectedSum = null;
        var projectedWeights = new double[RowCount];
        if (k > 0 && projected is null)
        {
            projectedSum = new double[Dimension];
            for (int j = 0; j < k; j++)
            {
                double[] u = pairs.Vectors[j];
                double projection = 0;
                foreach (double component in u)
                {
                    projection += component * uniform;
                }
                VectorMath.AddScaled(projectedWeights, u, projection);
            }
        }

        // Two threads may both compute a sum: either result is the same.
        if (mean is null)
        {
            var meanSum = new double[Dimension];
            _tokens.AddNormalized(_rows, uniformWeights, meanSum, projectedWeights, projectedSum ?? []);
            mean = Interlocked.CompareExchange(ref _fast.WeightedSums[0], meanSum, null) ?? meanSum;
        }
        else
        {
            // The mean is known, so k ≥ 1 and XᵀUₖUₖᵀw is the missing sum.
            _tokens.AddNormalized(_rows, projectedWeights, projectedSum!);
        }
        projected = projectedSum is null
            ? projected ?? mean  // k = 0: the mean itself
            : Interlocked.CompareExchange(ref pairs.WeightedSums[k], projectedSum, null) ?? projectedSum;
        return (mean, projected);
    }
}
