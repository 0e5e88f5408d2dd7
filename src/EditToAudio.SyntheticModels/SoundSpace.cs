namespace EditToAudio.SyntheticModels;

/// <summary>
/// The float64 construction behind the synthetic audio networks' known property: a clip generated
/// from an embedding y carries y's coordinates in a 64-column orthonormal basis (one per mel bin),
/// and the CLAP audio encoder maps them back through the same basis, so a clip's audio embedding
/// points along y's part in that space. The basis is orthogonal to the unconditional embedding, so
/// classifier-free guidance only scales the code. Everything here is plain float64 arithmetic in a
/// fixed order, so the set stays reproducible byte for byte.
/// </summary>
internal static class SoundSpace
{
    private const int Width = 512;

    /// <summary>
    /// <paramref name="columns"/> unit columns (each [512]) orthogonal to <paramref name="excluded"/>
    /// and to each other: Gram–Schmidt with re-orthogonalization on the drawn columns of
    /// <paramref name="draws"/> (row-major [512, columns]).
    /// </summary>
    public static double[][] OrthonormalBasis(float[] excluded, float[] draws, int columns)
    {
        var accepted = new List<double[]> { Normalized([.. excluded.Select(v => (double)v)]) };
        for (int k = 0; k < columns; k++)
        {
            var v = new double[Width];
            for (int i = 0; i < Width; i++)
            {
                v[i] = draws[i * columns + k];
            }
            // Twice is enough: the second pass removes what rounding left of the first.
            for (int pass = 0; pass < 2; pass++)
            {
                foreach (double[] q in accepted)
                {
                    double dot = Dot(q, v);
                    for (int i = 0; i < Width; i++)
                    {
                        v[i] -= dot * q[i];
                    }
                }
            }
            accepted.Add(Normalized(v));
        }
        return [.. accepted.Skip(1)];
    }

    /// <summary>The basis as float32, row-major [512, columns].</summary>
    public static float[] ToRowMajor(double[][] basis)
    {
        var values = new float[Width * basis.Length];
        for (int i = 0; i < Width; i++)
        {
            for (int b = 0; b < basis.Length; b++)
            {
                values[i * basis.Length + b] = (float)basis[b][i];
            }
        }
        return values;
    }

    /// <summary>The basis transposed, row-major [columns, 512].</summary>
    public static float[] Transposed(double[][] basis) => [.. basis.SelectMany(column => column.Select(v => (float)v))];

    /// <summary>
    /// The UNet projection U [512, 8·16] for which the VAE's channel mix V [4, 8] gives
    /// Σ_c V[j,c]·U[:, 16c+f] = gain·basis[4f+j]: U[:, 16c+f] = gain·Σ_j W[c,j]·basis[4f+j] with
    /// W = Vᵀ(VVᵀ)⁻¹, a right inverse of V.
    /// </summary>
    public static float[] UNetProjection(double[][] basis, float[] vaeWeights, double gain)
    {
        const int channels = 8, frequencies = 16, subBins = SyntheticWeights.SubBins;
        double[,] w = RightInverse(vaeWeights, subBins, channels);
        var values = new float[Width * channels * frequencies];
        for (int i = 0; i < Width; i++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int f = 0; f < frequencies; f++)
                {
                    double sum = 0;
                    for (int j = 0; j < subBins; j++)
                    {
                        sum += w[c, j] * basis[f * subBins + j][i];
                    }
                    values[i * channels * frequencies + c * frequencies + f] = (float)(gain * sum);
                }
            }
        }
        return values;
    }

    /// <summary>
    /// Unit embeddings in the sound space whose coordinates have zero mean (so the CLAP encoder's
    /// centring keeps all of them): row r = L2(basis · (d_r − mean d_r)), d_r = draws[r·columns …].
    /// </summary>
    public static float[] Embeddings(double[][] basis, float[] draws)
    {
        int columns = basis.Length, rows = draws.Length / columns;
        var values = new float[rows * Width];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0;
            for (int b = 0; b < columns; b++)
            {
                mean += draws[r * columns + b];
            }
            mean /= columns;
            var y = new double[Width];
            for (int b = 0; b < columns; b++)
            {
                double coordinate = draws[r * columns + b] - mean;
                for (int i = 0; i < Width; i++)
                {
                    y[i] += coordinate * basis[b][i];
                }
            }
            double[] unit = Normalized(y);
            for (int i = 0; i < Width; i++)
            {
                values[r * Width + i] = (float)unit[i];
            }
        }
        return values;
    }

    /// <summary>Vᵀ(VVᵀ)⁻¹ for V [rows, columns] (rows ≤ columns, full row rank), as [columns, rows].</summary>
    private static double[,] RightInverse(float[] v, int rows, int columns)
    {
        // Gauss–Jordan on [VVᵀ | I] with partial pivoting gives (VVᵀ)⁻¹.
        var augmented = new double[rows, 2 * rows];
        for (int a = 0; a < rows; a++)
        {
            for (int b = 0; b < rows; b++)
            {
                double sum = 0;
                for (int c = 0; c < columns; c++)
                {
                    sum += (double)v[a * columns + c] * v[b * columns + c];
                }
                augmented[a, b] = sum;
            }
            augmented[a, rows + a] = 1;
        }
        for (int pivot = 0; pivot < rows; pivot++)
        {
            int best = pivot;
            for (int r = pivot + 1; r < rows; r++)
            {
                if (Math.Abs(augmented[r, pivot]) > Math.Abs(augmented[best, pivot]))
                {
                    best = r;
                }
            }
            if (Math.Abs(augmented[best, pivot]) < 1e-12)
            {
                throw new InvalidOperationException("The VAE channel weights are rank-deficient; draw them with another seed.");
            }

            for (int col = 0; col < 2 * rows; col++)
            {
                (augmented[pivot, col], augmented[best, col]) = (augmented[best, col], augmented[pivot, col]);
            }
            double scale = augmented[pivot, pivot];
            for (int col = 0; col < 2 * rows; col++)
            {
                augmented[pivot, col] /= scale;
            }
            for (int r = 0; r < rows; r++)
            {
                if (r == pivot)
                {
                    continue;
                }
                double factor = augmented[r, pivot];
                for (int col = 0; col < 2 * rows; col++)
                {
                    augmented[r, col] -= factor * augmented[pivot, col];
                }
            }
        }
        var result = new double[columns, rows];
        for (int c = 0; c < columns; c++)
        {
            for (int j = 0; j < rows; j++)
            {
                double sum = 0;
                for (int a = 0; a < rows; a++)
                {
                    sum += v[a * columns + c] * augmented[a, rows + j];
                }
                result[c, j] = sum;
            }
        }
        return result;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double[] Normalized(double[] v)
    {
        double norm = Math.Sqrt(Dot(v, v));
        return [.. v.Select(x => x / norm)];
    }
}
