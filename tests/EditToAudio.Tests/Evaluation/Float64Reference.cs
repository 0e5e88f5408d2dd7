namespace EditToAudio.Tests.Evaluation;

/// <summary>
/// Independent float64 references for the evaluation's statistics: cyclic Jacobi eigenvalues of a
/// symmetric matrix, and the Fréchet distance from them by the formula the engine does not use for
/// the same set sizes (so each of its two paths is checked against the other formula and another
/// eigensolver).
/// </summary>
internal static class Float64Reference
{
    /// <summary>Eigenvalues of symmetric <paramref name="a"/> (n×n) by cyclic Jacobi rotations.</summary>
    public static double[] SymmetricEigenvalues(double[,] a) => Jacobi(a).Values;

    /// <summary>Cosine of two vectors, summed in float64.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(aa * bb);
    }

    /// <summary>Mean and centred rows of a [count, dimension] set, in float64.</summary>
    public static (double[] Mean, double[,] Centred) Centre(float[] values, int count, int dimension)
    {
        var mean = new double[dimension];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < dimension; j++)
            {
                mean[j] += values[i * dimension + j] / (double)count;
            }
        }
        var centred = new double[count, dimension];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < dimension; j++)
            {
                centred[i, j] = values[i * dimension + j] - mean[j];
            }
        }
        return (mean, centred);
    }

    public static double[,] Multiply(double[,] a, double[,] b, bool transposeA = false, bool transposeB = false)
    {
        int rows = transposeA ? a.GetLength(1) : a.GetLength(0), inner = transposeA ? a.GetLength(0) : a.GetLength(1);
        int columns = transposeB ? b.GetLength(0) : b.GetLength(1);
        var c = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                double sum = 0;
                for (int k = 0; k < inner; k++)
                {
                    sum += (transposeA ? a[k, i] : a[i, k]) * (transposeB ? b[j, k] : b[k, j]);
                }
                c[i, j] = sum;
            }
        }
        return c;
    }

    /// <summary>
    /// The Fréchet distance by <paramref name="formula"/>: "nuclear" takes tr (ΣaΣb)^½ as the nuclear
    /// norm of XaXbᵀ over √((na−1)(nb−1)); "sqrtm" takes it from the eigenvalues of Σa^½ Σb Σa^½.
    /// </summary>
    public static double FrechetDistance(float[] a, int countA, float[] b, int countB, int dimension, string formula)
    {
        (double[] meanA, double[,] xa) = Centre(a, countA, dimension);
        (double[] meanB, double[,] xb) = Centre(b, countB, dimension);
        double meanTerm = meanA.Zip(meanB, (x, y) => (x - y) * (x - y)).Sum();
        double[,] covA = Scale(Multiply(xa, xa, transposeA: true), 1.0 / (countA - 1));
        double[,] covB = Scale(Multiply(xb, xb, transposeA: true), 1.0 / (countB - 1));
        double trace = Enumerable.Range(0, dimension).Sum(i => covA[i, i] + covB[i, i]);
        double cross;
        if (formula == "nuclear")
        {
            cross = SingularValues(Multiply(xa, xb, transposeB: true)).Sum() / Math.Sqrt((countA - 1.0) * (countB - 1.0));
        }
        else
        {
            double[,] root = SymmetricSqrt(covA);
            cross = SymmetricEigenvalues(Multiply(Multiply(root, covB), root)).Sum(v => Math.Sqrt(Math.Max(v, 0)));
        }
        return meanTerm + Math.Max(trace - 2 * cross, 0);
    }

    /// <summary>Singular values of <paramref name="a"/> by one-sided (Hestenes) Jacobi: rotate column pairs until orthogonal; the column norms remain.</summary>
    public static double[] SingularValues(double[,] a)
    {
        int rows = a.GetLength(0), columns = a.GetLength(1);
        var u = (double[,])a.Clone();
        for (int sweep = 0; sweep < 100; sweep++)
        {
            bool rotated = false;
            for (int p = 0; p < columns - 1; p++)
            {
                for (int q = p + 1; q < columns; q++)
                {
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < rows; i++)
                    {
                        alpha += u[i, p] * u[i, p];
                        beta += u[i, q] * u[i, q];
                        gamma += u[i, p] * u[i, q];
                    }
                    if (Math.Abs(gamma) <= 1e-17 * Math.Sqrt(alpha * beta) || gamma == 0)
                    {
                        continue;
                    }
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.Sign(zeta == 0 ? 1 : zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + zeta * zeta));
                    double c = 1 / Math.Sqrt(1 + t * t), s = c * t;
                    for (int i = 0; i < rows; i++)
                    {
                        double up = u[i, p], uq = u[i, q];
                        u[i, p] = c * up - s * uq;
                        u[i, q] = s * up + c * uq;
                    }
                }
            }
            if (!rotated)
            {
                break;
            }
        }
        return [.. Enumerable.Range(0, columns).Select(j => Math.Sqrt(Enumerable.Range(0, rows).Sum(i => u[i, j] * u[i, j])))];
    }

    /// <summary>The square root of a symmetric PSD matrix: V diag(√λ) Vᵀ from Jacobi's eigenpairs.</summary>
    public static double[,] SymmetricSqrt(double[,] a)
    {
        (double[] values, double[,] v) = Jacobi(a);
        int n = values.Length;
        var root = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++)
                {
                    sum += v[i, k] * Math.Sqrt(Math.Max(values[k], 0)) * v[j, k];
                }
                root[i, j] = sum;
            }
        }
        return root;
    }

    /// <summary>Cyclic Jacobi: rotate away the off-diagonal of symmetric <paramref name="a"/>; the diagonal and the accumulated rotations remain.</summary>
    private static (double[] Values, double[,] Vectors) Jacobi(double[,] a)
    {
        int n = a.GetLength(0);
        var m = (double[,])a.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            v[i, i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, scale = 0;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    if (i != j)
                    {
                        off += m[i, j] * m[i, j];
                    }
                    scale += m[i, j] * m[i, j];
                }
            }
            if (off <= 1e-30 * scale || off == 0)
            {
                break;
            }
            for (int p = 0; p < n - 1; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    if (m[p, q] == 0)
                    {
                        continue;
                    }
                    double theta = (m[q, q] - m[p, p]) / (2 * m[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double kp = m[k, p], kq = m[k, q];
                        m[k, p] = c * kp - s * kq;
                        m[k, q] = s * kp + c * kq;
                        double vp = v[k, p], vq = v[k, q];
                        v[k, p] = c * vp - s * vq;
                        v[k, q] = s * vp + c * vq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double pk = m[p, k], qk = m[q, k];
                        m[p, k] = c * pk - s * qk;
                        m[q, k] = s * pk + c * qk;
                    }
                }
            }
        }
        return ([.. Enumerable.Range(0, n).Select(i => m[i, i])], v);
    }

    private static double[,] Scale(double[,] a, double factor)
    {
        var c = (double[,])a.Clone();
        for (int i = 0; i < c.GetLength(0); i++)
        {
            for (int j = 0; j < c.GetLength(1); j++)
            {
                c[i, j] *= factor;
            }
        }
        return c;
    }
}
