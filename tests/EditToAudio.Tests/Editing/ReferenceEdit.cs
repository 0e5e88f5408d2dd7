using MathNet.Numerics.LinearAlgebra;

namespace EditToAudio.Tests.Editing;

/// <summary>
/// The research method written literally in float64 (full SVD, reconstruction, weighted mean),
/// independent of the engine's Gram-matrix fast path. Tokens are raw [257, D] row-major.
/// </summary>
public static class ReferenceEdit
{
    public static double[][] NormalizedRows(float[] tokens, int dimension)
    {
        var rows = new double[tokens.Length / dimension][];
        for (int t = 0; t < rows.Length; t++)
        {
            var row = new double[dimension];
            double norm = 0;
            for (int j = 0; j < dimension; j++)
            {
                row[j] = tokens[t * dimension + j];
                norm += row[j] * row[j];
            }
            norm = Math.Sqrt(norm);
            for (int j = 0; j < dimension && norm > 0; j++)
            {
                row[j] /= norm;
            }
            rows[t] = row;
        }
        return rows;
    }

    /// <summary>svd_edit: rows [CLS; patches with m &gt; 0.5], full SVD, top min(k, n+1) singular values × factor, weighted mean, L2.</summary>
    public static double[] SvdEdit(float[] tokens, int dimension, float[] patchWeights, int k, double factor)
    {
        double[][] all = NormalizedRows(tokens, dimension);
        var selected = new List<double[]> { all[0] };
        var weights = new List<double> { 1.0 };
        for (int p = 0; p < patchWeights.Length; p++)
        {
            if (patchWeights[p] > 0.5)
            {
                selected.Add(all[1 + p]);
                weights.Add(patchWeights[p]);
            }
        }
        if (selected.Count == 1)
        {
            return new double[dimension];
        }

        Matrix<double> x = Matrix<double>.Build.DenseOfRowArrays(selected);
        var svd = x.Svd(computeVectors: true);
        int rank = Math.Min(x.RowCount, x.ColumnCount);
        int kk = Math.Min(k, x.RowCount);
        Vector<double> s = svd.S.Clone();
        for (int i = 0; i < kk && i < s.Count; i++)
        {
            s[i] *= factor;
        }
        Matrix<double> reconstructed = svd.U.SubMatrix(0, x.RowCount, 0, rank)
            * Matrix<double>.Build.DiagonalOfDiagonalVector(s.SubVector(0, rank))
            * svd.VT.SubMatrix(0, rank, 0, x.ColumnCount);

        double total = weights.Sum();
        Vector<double> w = Vector<double>.Build.DenseOfEnumerable(weights.Select(v => v / total));
        return Normalize((reconstructed.Transpose() * w).ToArray());
    }

    public static double[] Background(float[] editedTokens, int dimension, float[] removeWeights, float[] addWeights)
    {
        double[][] all = NormalizedRows(editedTokens, dimension);
        var sum = new double[dimension];
        for (int p = 0; p < removeWeights.Length; p++)
        {
            if ((1 - removeWeights[p]) * (1 - addWeights[p]) > 0.5)
            {
                for (int j = 0; j < dimension; j++)
                {
                    sum[j] += all[1 + p][j];
                }
            }
        }
        return Normalize(sum);
    }

    public static double[] Combine(double[] suppressed, double[] boosted, double[] background, double a, double b, double g) =>
        Normalize(suppressed.Select((v, i) => a * v + b * boosted[i] + g * background[i]).ToArray());

    public static double[] Normalize(double[] v)
    {
        double norm = Math.Sqrt(v.Sum(x => x * x));
        return norm > 0 ? v.Select(x => x / norm).ToArray() : v;
    }
}
