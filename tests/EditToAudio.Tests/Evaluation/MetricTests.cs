using EditToAudio.Evaluation;
using EditToAudio.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace EditToAudio.Tests.Evaluation;

public class MetricTests
{
    private static float[] Normal(int count, ulong stream, double scale = 1)
    {
        var values = new float[count];
        Philox4x32.FillNormal(99, stream, 0, values);
        return [.. values.Select(v => (float)(v * scale))];
    }

    [Theory]
    [InlineData(768, 1UL)]
    [InlineData(512, 2UL)]
    [InlineData(3, 3UL)]
    public void Embedding_comparisons_equal_a_float64_computation(int width, ulong stream)
    {
        float[] a = Normal(width, stream), b = Normal(width, stream + 100, 0.3);
        double dot = 0, aa = 0, bb = 0;
        var differences = new double[width];
        for (int i = 0; i < width; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
            differences[i] = Math.Abs((double)a[i] - b[i]);
        }

        VectorComparison c = VectorComparison.Of(a, b);

        Assert.Equal(dot / Math.Sqrt(aa * bb), c.Cosine, 12);
        Assert.Equal(Math.Sqrt(differences.Sum(d => d * d)), c.L2, 12);
        Assert.Equal(differences.Sum(), c.L1, 10);
        Assert.Equal(differences.Average(), c.MeanAbs, 12);
        Assert.Equal(differences.Max(), c.MaxAbs, 15);
        Assert.Equal(c.Cosine, VectorComparison.CosineOf(a, b), 15);
    }

    [Fact]
    public void Structured_vectors_give_the_exact_values_and_a_zero_vector_has_cosine_zero_as_in_pytorch()
    {
        float[] a = [1, 2, 2], opposite = [-2, -4, -4], zero = [0, 0, 0];
        VectorComparison same = VectorComparison.Of(a, a);
        Assert.Equal((1.0, 0.0, 0.0, 0.0, 0.0), (same.Cosine, same.L2, same.L1, same.MeanAbs, same.MaxAbs));
        VectorComparison flipped = VectorComparison.Of(a, opposite);
        Assert.Equal(-1.0, flipped.Cosine, 15);
        Assert.Equal(9.0, flipped.L2, 15);
        Assert.Equal(15.0, flipped.L1, 15);
        Assert.Equal(6.0, flipped.MaxAbs, 15);
        Assert.Equal(0.0, VectorComparison.Of(a, zero).Cosine);
        Assert.Throws<ArgumentException>(() => VectorComparison.Of(a, [1, 2]));
    }

    [Theory]
    [InlineData(24, 12)]  // full rank, eigenvalues over 1e-10 … 1
    [InlineData(9, 12)]   // rank 8 in 12 dimensions
    public void Frechet_distance_of_ill_conditioned_rotated_sets_equals_the_singular_value_reference(int count, int dimension)
    {
        // Rows scaled along a random orthonormal basis by 1 … 1e-5 (variances over ten decades).
        Matrix<double> q = Matrix<double>.Build.Dense(dimension, dimension, (i, j) => Normal(dimension * dimension, 7)[i * dimension + j]).QR().Q;
        float[] Set(ulong stream, double shift)
        {
            float[] z = Normal(count * dimension, stream);
            var rows = new float[count * dimension];
            for (int r = 0; r < count; r++)
            {
                for (int j = 0; j < dimension; j++)
                {
                    double sum = shift;
                    for (int k = 0; k < dimension; k++)
                    {
                        sum += q[j, k] * z[r * dimension + k] * Math.Pow(10, -5.0 * k / (dimension - 1));
                    }
                    rows[r * dimension + j] = (float)sum;
                }
            }
            return rows;
        }
        float[] a = Set(21, 0), b = Set(22, 0.01);

        FrechetResult actual = FrechetDistance.Compute(a, count, b, count, dimension);

        double expected = Float64Reference.FrechetDistance(a, count, b, count, dimension, "nuclear");
        Assert.True(Math.Abs(actual.Distance - expected) <= 1e-12 + 1e-10 * expected, $"FD {actual.Distance:G17}, reference {expected:G17}");
    }

    [Theory]
    [InlineData(40, 30, 8)]   // more embeddings than dimensions: reduced by QR
    [InlineData(6, 9, 16)]    // fewer: singular covariances
    [InlineData(17, 17, 16)]
    public void Frechet_distance_equals_float64_references_by_two_formulas(int countA, int countB, int dimension)
    {
        float[] a = Normal(countA * dimension, 11), b = Normal(countB * dimension, 12, 0.7);
        for (int i = 0; i < b.Length; i++)
        {
            b[i] += 0.25f * (i % dimension) / dimension;
        }

        FrechetResult actual = FrechetDistance.Compute(a, countA, b, countB, dimension);

        // Both reference formulas: the matrix square root (accurate while the covariances are full
        // rank) and the singular values of XaXbᵀ by one-sided Jacobi.
        double nuclear = Float64Reference.FrechetDistance(a, countA, b, countB, dimension, "nuclear");
        Assert.True(Math.Abs(actual.Distance - nuclear) <= 1e-10 * Math.Max(1, nuclear), $"FD {actual.Distance:G17}, reference (singular values) {nuclear:G17}");
        if (Math.Min(countA, countB) > dimension)
        {
            double sqrtm = Float64Reference.FrechetDistance(a, countA, b, countB, dimension, "sqrtm");
            Assert.True(Math.Abs(actual.Distance - sqrtm) <= 1e-10 * Math.Max(1, sqrtm), $"FD {actual.Distance:G17}, reference (matrix square root) {sqrtm:G17}");
        }
        Assert.Equal(actual.Distance, actual.MeanTerm + actual.TraceTerm, 12);
        Assert.Equal(Math.Min(countA, countB) <= dimension, actual.Unstable);
        FrechetResult swapped = FrechetDistance.Compute(b, countB, a, countA, dimension);
        Assert.Equal(actual.Distance, swapped.Distance, 9);
    }

    [Theory]
    [InlineData(8, 8)]   // 16 rows per set, 8 dimensions: full rank
    [InlineData(3, 8)]   // 6 rows per set in 8 dimensions: rank 3
    public void Frechet_distance_of_axis_aligned_ill_conditioned_sets_is_the_closed_form(int axes, int dimension)
    {
        // Each set is ±sᵢ·eᵢ pairs around a mean, with sᵢ powers of two (exact in float32): its
        // covariance is exactly diag(2sᵢ²/(n−1)), eigenvalues over a range of 2²⁸, singular when
        // there are fewer axes than dimensions.
        double[] scalesA = [.. Enumerable.Range(0, axes).Select(i => Math.Pow(2, -2 * i))];
        double[] scalesB = [.. Enumerable.Range(0, axes).Select(i => Math.Pow(2, -2 * (axes - 1 - i) - 1))];
        (float[] a, double[] varianceA) = AxisSet(scalesA, dimension, 0.5f);
        (float[] b, double[] varianceB) = AxisSet(scalesB, dimension, -0.25f);
        int count = 2 * axes;
        double meanTerm = dimension * 0.75 * 0.75;
        double expected = meanTerm + varianceA.Zip(varianceB, (x, y) => (Math.Sqrt(x) - Math.Sqrt(y)) * (Math.Sqrt(x) - Math.Sqrt(y))).Sum();

        FrechetResult actual = FrechetDistance.Compute(a, count, b, count, dimension);

        Assert.True(Math.Abs(actual.Distance - expected) < 1e-9, $"FD {actual.Distance:G17}, closed form {expected:G17}");
        Assert.Equal(0, FrechetDistance.Compute(a, count, a, count, dimension).Distance, 9);
    }

    [Fact]
    public void Frechet_distance_needs_two_embeddings_per_set()
    {
        float[] one = Normal(4, 1);
        var error = Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(one, 1, Normal(8, 2), 2, 4));
        Assert.Contains("at least 2", error.Message, StringComparison.Ordinal);
    }

    private static (float[] Rows, double[] Variances) AxisSet(double[] scales, int dimension, float mean)
    {
        int count = 2 * scales.Length;
        var rows = new float[count * dimension];
        var variances = new double[scales.Length];
        for (int i = 0; i < scales.Length; i++)
        {
            float s = (float)scales[i];
            for (int j = 0; j < dimension; j++)
            {
                rows[2 * i * dimension + j] = mean;
                rows[(2 * i + 1) * dimension + j] = mean;
            }
            rows[2 * i * dimension + i] = mean + s;
            rows[(2 * i + 1) * dimension + i] = mean - s;
            variances[i] = 2.0 * s * s / (count - 1);
        }
        return (rows, variances);
    }
}
