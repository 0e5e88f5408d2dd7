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
    private readonly double[][] _topVectors;    // top eigenvectors of XXᵀ, largest eigenvalue first
    private readonly double[] _topEigenvalues;

    private RegionDecomposition(ImageTokens tokens, int[] rows, double[][] topVectors, double[] topEigenvalues, int maxK)
    {
        _tokens = tokens;
        RowCount = rows.Length;
        Dimension = tokens.Dimension;
        _rows = rows;
        _topVectors = topVectors;
        _topEigenvalues = topEigenvalues;
        MaxK = maxK;
    }

    /// <summary>Rows of X: CLS plus the selected patches, or 0 when no patch is selected.</summary>
    public int RowCount { get; }

    /// <summary>Token length.</summary>
    public int Dimension { get; }

    /// <summary>True when the mask selects no patch: every edit is then the zero vector.</summary>
    public bool IsEmpty => RowCount == 0;

    /// <summary>The largest k that <see cref="Edit"/> accepts.</summary>
    public int MaxK { get; }

    /// <summary>Squared singular values σ₁² ≥ σ₂² ≥ … of X that the edit can touch (at most <see cref="MaxK"/>).</summary>
    public IReadOnlyList<double> TopSquaredSingularValues => _topEigenvalues;

    /// <summary>Selects the rows of <paramref name="tokens"/> where the binary <paramref name="patchWeights"/> are 1 and decomposes them for k ≤ <paramref name="maxK"/>.</summary>
    /// <exception cref="ArgumentException">The weights are not 256 values of 0 or 1.</exception>
    public static RegionDecomposition Create(ImageTokens tokens, ReadOnlySpan<float> patchWeights, int maxK)
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
            return new RegionDecomposition(tokens, [], [], [], maxK);
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
        if (kept == 0)
        {
            return new RegionDecomposition(tokens, rows, [], [], maxK);
        }

        var gram = new double[rowCount * rowCount];
        for (int i = 0; i < rowCount; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double dot = tokens.NormalizedDot(rows[i], rows[j]);
                gram[i * rowCount + j] = dot;
                gram[j * rowCount + i] = dot;
            }
        }

        (double[] eigenvalues, double[][] vectors) = SymmetricEigen.Top(gram, rowCount, kept);
        return new RegionDecomposition(tokens, rows, vectors, eigenvalues, maxK);
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

        // r = w + (s−1)·UₖUₖᵀw with w the uniform weights of the rows (the mask is binary).
        // With k ≥ n+1, UₖUₖᵀ = I and r = s·w.
        var weights = new double[RowCount];
        double uniform = 1.0 / RowCount;
        Array.Fill(weights, k >= RowCount ? factor * uniform : uniform);
        for (int j = 0; j < k && k < RowCount; j++)
        {
            double[] u = _topVectors[j];
            double projection = 0;
            foreach (double component in u)
            {
                projection += component * uniform;
            }
            VectorMath.AddScaled(weights, u, (factor - 1.0) * projection);
        }

        var embedding = new double[Dimension];
        for (int i = 0; i < RowCount; i++)
        {
            _tokens.AddNormalized(_rows[i], embedding, weights[i]);
        }
        return VectorMath.NormalizedToSingle(embedding);
    }
}
