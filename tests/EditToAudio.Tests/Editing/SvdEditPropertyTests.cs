using CsCheck;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Reference;
using EditToAudio.Tests.Support;
using MathNet.Numerics.LinearAlgebra;

namespace EditToAudio.Tests.Editing;

/// <summary>Invariants of the edit, checked on generated tokens and masks (small D keeps them fast).</summary>
public class SvdEditPropertyTests
{
    private static readonly Gen<(int Seed, int Dimension, int Patches, int K)> Cases =
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[4, 48], Gen.Int[1, 256], Gen.Int[1, 20]);

    [Fact]
    public void Factor_one_is_the_identity_mean()
    {
        Cases.Sample(c =>
        {
            (float[] tokens, float[] weights) = Input(c.Seed, c.Dimension, c.Patches);
            float[] edited = RegionDecomposition.Create(new ImageTokens(tokens, c.Dimension), weights, c.K).Edit(c.K, 1.0);
            Tolerance.AssertClose(NormalizedMean(tokens, c.Dimension, weights), edited, 1e-6, 0, $"factor 1, {c}");
        }, iter: 60);
    }

    [Fact]
    public void Result_does_not_depend_on_the_order_of_the_selected_rows()
    {
        Cases.Sample(c =>
        {
            (float[] tokens, float[] weights) = Input(c.Seed, c.Dimension, c.Patches);
            float[] permuted = PermuteSelectedPatches(tokens, c.Dimension, weights, new Random(c.Seed));
            var a = RegionDecomposition.Create(new ImageTokens(tokens, c.Dimension), weights, c.K).Edit(c.K, 0.3);
            var b = RegionDecomposition.Create(new ImageTokens(permuted, c.Dimension), weights, c.K).Edit(c.K, 0.3);
            Tolerance.AssertClose(Array.ConvertAll(a, v => (double)v), b, 1e-5, 0, $"permuted rows, {c}");
        }, iter: 60);
    }

    [Fact]
    public void When_rows_do_not_exceed_k_the_result_is_the_normalized_mean()
    {
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[4, 48], Gen.Int[1, 19], Gen.Double[0.01, 5]).Sample((seed, dimension, patches, factor) =>
        {
            int k = patches + 1 + seed % 3; // n+1 ≤ k
            (float[] tokens, float[] weights) = Input(seed, dimension, patches);
            float[] edited = RegionDecomposition.Create(new ImageTokens(tokens, dimension), weights, k).Edit(k, factor);
            Tolerance.AssertClose(NormalizedMean(tokens, dimension, weights), edited, 1e-6, 0, $"rows {patches + 1} ≤ k {k}, factor {factor}");
        }, iter: 60);
    }

    [Fact]
    public void Boost_moves_toward_and_suppress_away_from_the_top_singular_subspace()
    {
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[24, 48], Gen.Int[12, 256], Gen.Int[1, 10]).Sample((seed, dimension, patches, k) =>
        {
            (float[] tokens, float[] weights) = Input(seed, dimension, patches);
            var region = RegionDecomposition.Create(new ImageTokens(tokens, dimension), weights, k);
            Matrix<double> topRight = TopRightSingularVectors(tokens, dimension, weights, k);
            double plain = ShareInSubspace(region.Edit(k, 1.0), topRight);
            double boosted = ShareInSubspace(region.Edit(k, 2.0), topRight);
            double suppressed = ShareInSubspace(region.Edit(k, 0.1), topRight);
            Assert.True(boosted > plain && plain > suppressed,
                $"share of the top-{k} subspace: suppressed {suppressed:G6}, plain {plain:G6}, boosted {boosted:G6} (seed {seed}, D {dimension}, {patches} patches)");
        }, iter: 40);
    }

    private static (float[] Tokens, float[] Weights) Input(int seed, int dimension, int patches) =>
        (TokenFactory.Random(seed, dimension), TokenFactory.PatchWeights(seed, patches));

    private static double[] NormalizedMean(float[] tokens, int dimension, float[] weights)
    {
        double[][] rows = Float64Reference.NormalizedRows(tokens, dimension);
        var sum = (double[])rows[0].Clone();
        for (int p = 0; p < 256; p++)
        {
            if (weights[p] > 0.5)
            {
                for (int j = 0; j < dimension; j++)
                {
                    sum[j] += rows[1 + p][j];
                }
            }
        }
        return Float64Reference.Normalize(sum);
    }

    private static float[] PermuteSelectedPatches(float[] tokens, int dimension, float[] weights, Random random)
    {
        int[] selected = Enumerable.Range(0, 256).Where(p => weights[p] > 0.5).ToArray();
        int[] shuffled = (int[])selected.Clone();
        random.Shuffle(shuffled);
        var permuted = (float[])tokens.Clone();
        for (int i = 0; i < selected.Length; i++)
        {
            Array.Copy(tokens, (1 + shuffled[i]) * dimension, permuted, (1 + selected[i]) * dimension, dimension);
        }
        return permuted;
    }

    private static Matrix<double> TopRightSingularVectors(float[] tokens, int dimension, float[] weights, int k)
    {
        double[][] rows = Float64Reference.NormalizedRows(tokens, dimension);
        var selected = new List<double[]> { rows[0] };
        selected.AddRange(Enumerable.Range(0, 256).Where(p => weights[p] > 0.5).Select(p => rows[1 + p]));
        var svd = Matrix<double>.Build.DenseOfRowArrays(selected).Svd(computeVectors: true);
        return svd.VT.SubMatrix(0, Math.Min(k, selected.Count), 0, dimension);
    }

    private static double ShareInSubspace(float[] embedding, Matrix<double> topRight)
    {
        var e = Vector<double>.Build.DenseOfEnumerable(embedding.Select(v => (double)v));
        return (topRight * e).L2Norm() / e.L2Norm();
    }
}
