using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace EditToAudio.Evaluation;

/// <summary>The Fréchet distance between two sets of embeddings and what it is made of.</summary>
/// <param name="Distance">‖μa − μb‖² + tr Σa + tr Σb − 2·tr (Σa^½ Σb Σa^½)^½.</param>
/// <param name="MeanTerm">‖μa − μb‖².</param>
/// <param name="TraceTerm">tr Σa + tr Σb − 2·tr (Σa^½ Σb Σa^½)^½ (never negative in exact arithmetic; rounding is clamped).</param>
/// <param name="CountA">Embeddings in the first set.</param>
/// <param name="CountB">Embeddings in the second set.</param>
/// <param name="Dimension">Width of the embeddings.</param>
public sealed record FrechetResult(double Distance, double MeanTerm, double TraceTerm, int CountA, int CountB, int Dimension)
{
    /// <summary>
    /// True when a set has no more embeddings than dimensions: its covariance is singular (rank at
    /// most count − 1), so the distance depends strongly on which embeddings were drawn.
    /// </summary>
    public bool Unstable => Math.Min(CountA, CountB) <= Dimension;
}

/// <summary>
/// The Fréchet distance between Gaussians fitted to two sets of embeddings (as FID and FAD compute
/// it: sample means, unbiased covariances), in float64, without forming a matrix square root. With
/// Xa, Xb the centred sets, Σa = XaᵀXa/(na−1) and the eigenvalues of Σa^½ Σb Σa^½ are the squared
/// singular values of XaXbᵀ over (na−1)(nb−1), so tr (Σa^½ Σb Σa^½)^½ = ‖XaXbᵀ‖_* / √((na−1)(nb−1)).
/// A set with more rows than dimensions is first reduced to the R of its thin QR (RᵀR = XᵀX, same
/// singular values in the product), so the SVD is at most d×d. Singular values carry rounding of
/// the order of ε‖·‖, where square roots of eigenvalues would turn the rounding of zero eigenvalues
/// of singular or ill-conditioned covariances into errors of order √ε.
/// </summary>
public static class FrechetDistance
{
    /// <summary>Smallest set a covariance can be estimated from.</summary>
    public const int MinimumCount = 2;

    /// <summary>The distance between <paramref name="a"/> ([countA, dimension], row-major) and <paramref name="b"/> ([countB, dimension]).</summary>
    /// <exception cref="ArgumentException">When a set has fewer than <see cref="MinimumCount"/> rows or the shapes disagree.</exception>
    public static FrechetResult Compute(ReadOnlySpan<float> a, int countA, ReadOnlySpan<float> b, int countB, int dimension) =>
        Compute(Fit(a, countA, dimension), Fit(b, countB, dimension));

    /// <summary>The distance between two fitted sets (fit each set once when it is compared with several).</summary>
    /// <exception cref="ArgumentException">When the sets' dimensions differ.</exception>
    public static FrechetResult Compute(GaussianFit a, GaussianFit b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Dimension != b.Dimension)
        {
            throw new ArgumentException($"Sets of {a.Dimension}- and {b.Dimension}-dimensional embeddings cannot be compared.", nameof(b));
        }
        double meanTerm = 0;
        for (int j = 0; j < a.Dimension; j++)
        {
            double d = a.Mean[j] - b.Mean[j];
            meanTerm += d * d;
        }
        double cross = a.Factor.TransposeAndMultiply(b.Factor).Svd(computeVectors: false).S.Sum() / Math.Sqrt((a.Count - 1.0) * (b.Count - 1.0));
        double traceTerm = Math.Max(a.Trace + b.Trace - 2 * cross, 0);
        return new FrechetResult(meanTerm + traceTerm, meanTerm, traceTerm, a.Count, b.Count, a.Dimension);
    }

    /// <summary>Fits a set ([count, dimension], row-major): its mean, covariance trace and covariance factor.</summary>
    /// <exception cref="ArgumentException">When the set has fewer than <see cref="MinimumCount"/> rows or the wrong length.</exception>
    public static GaussianFit Fit(ReadOnlySpan<float> values, int count, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (count < MinimumCount)
        {
            throw new ArgumentException($"A Fréchet distance needs at least {MinimumCount} embeddings in each set (got {count}).", nameof(count));
        }
        if (values.Length != count * dimension)
        {
            throw new ArgumentException($"The set holds {values.Length} values, not {count}×{dimension}.", nameof(values));
        }
        (double[] mean, Matrix<double> centred) = Centre(values, count, dimension);
        // F with FᵀF = XᵀX and at most min(count, dimension) rows: X itself, or the R of its thin QR.
        Matrix<double> factor = count <= dimension ? centred : centred.QR(QRMethod.Thin).R;
        return new GaussianFit(count, dimension, mean, SumOfSquares(centred) / (count - 1), factor);
    }

    private static (double[] Mean, Matrix<double> Centred) Centre(ReadOnlySpan<float> values, int count, int dimension)
    {
        var mean = new double[dimension];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < dimension; j++)
            {
                mean[j] += values[i * dimension + j];
            }
        }
        for (int j = 0; j < dimension; j++)
        {
            mean[j] /= count;
        }
        var centred = Matrix<double>.Build.Dense(count, dimension);
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < dimension; j++)
            {
                centred[i, j] = values[i * dimension + j] - mean[j];
            }
        }
        return (mean, centred);
    }

    private static double SumOfSquares(Matrix<double> m)
    {
        double sum = 0;
        foreach (double v in m.Enumerate())
        {
            sum += v * v;
        }
        return sum;
    }
}

/// <summary>A set of embeddings reduced to what its Fréchet distances need.</summary>
/// <param name="Count">Embeddings in the set.</param>
/// <param name="Dimension">Their width.</param>
/// <param name="Mean">The sample mean.</param>
/// <param name="Trace">tr Σ of the unbiased covariance.</param>
/// <param name="Factor">F with FᵀF = XᵀX for the centred set X (X itself, or the R of its thin QR).</param>
public sealed record GaussianFit(int Count, int Dimension, double[] Mean, double Trace, Matrix<double> Factor);
