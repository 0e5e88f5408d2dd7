using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Editing;

/// <summary>
/// The float32 Gram matrix against the float64 one, and the region's choice between them: float32
/// where its rounding cannot show, float64 where a kept eigenvalue sits at that rounding.
/// </summary>
public class GramMatrixTests
{
    [Theory]
    [InlineData(1, 768)]
    [InlineData(7, 768)]     // rows not a multiple of the 4×4 block
    [InlineData(52, 768)]
    [InlineData(13, 37)]     // a width that is not a multiple of the vector
    [InlineData(257, 768)]
    public void The_float32_matrix_is_within_its_rounding_of_the_float64_one(int rowCount, int dimension)
    {
        var random = new Random(rowCount * 1000 + dimension);
        var values = new float[ImageTokens.TokenCount * dimension];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() - 0.3);
        }
        var tokens = new ImageTokens(values, dimension);
        int[] rows = [.. Enumerable.Range(0, ImageTokens.TokenCount).OrderBy(_ => random.Next()).Take(rowCount)];
        var single = new double[rowCount * rowCount];
        var exact = new double[rowCount * rowCount];
        GramMatrix.Compute(tokens, rows, single, exact: false);
        GramMatrix.Compute(tokens, rows, exact, exact: true);

        // Unit rows: every element is a cosine, rounded in float32 over `dimension` products.
        double tolerance = 4 * Math.Sqrt(dimension) * Math.ScaleB(1.0, -24);
        for (int i = 0; i < rowCount; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double error = Math.Abs(single[i * rowCount + j] - exact[i * rowCount + j]);
                Assert.True(error <= tolerance, $"G[{i}, {j}] = {single[i * rowCount + j]:G17}, float64 {exact[i * rowCount + j]:G17}: off by {error:E2} > {tolerance:E2}");
            }
        }
    }

    [Theory]
    [InlineData("random", 40, false)]
    [InlineData("dominant", 80, false)]
    [InlineData("rank-deficient", 40, true)]  // rank 4 < k = 10: kept eigenvalues at the rounding level
    [InlineData("duplicated", 60, true)]
    public void Regions_use_the_float64_matrix_exactly_where_float32_would_show(string kind, int patches, bool exactExpected)
    {
        float[] values = kind switch
        {
            "random" => TokenFactory.Random(5),
            "dominant" => TokenFactory.Dominant(6, directions: 5, noise: 0.3),
            "rank-deficient" => TokenFactory.RankDeficient(7),
            _ => TokenFactory.Duplicated(8),
        };
        var tokens = new ImageTokens(values, TokenFactory.Dimension);
        float[] weights = TokenFactory.PatchWeights(patches, patches);

        var region = RegionDecomposition.Create(tokens, weights, maxK: 10);
        var reference = RegionDecomposition.Create(tokens, weights, maxK: 10, forceExactGram: true);

        Assert.Equal(exactExpected, region.UsedExactGram);
        foreach (double factor in new[] { 0.1, 2.0 })
        {
            float[] expected = reference.Edit(10, factor);
            Tolerance.AssertCosine([.. expected.Select(v => (double)v)], region.Edit(10, factor), 1 - 1e-10, $"{kind}, factor {factor}");
        }
    }

    [Theory]
    [InlineData(20)]
    [InlineData(120)]
    [InlineData(256)]
    public void A_region_of_identical_tokens_is_the_mean_of_its_rows(int patches)
    {
        // Rank 1: one eigenvalue n+1, the rest zero up to rounding; every factor leaves the one direction.
        var random = new Random(patches);
        float[] token = [.. Enumerable.Range(0, TokenFactory.Dimension).Select(_ => (float)(random.NextDouble() - 0.5))];
        var values = new float[ImageTokens.TokenCount * TokenFactory.Dimension];
        for (int t = 0; t < ImageTokens.TokenCount; t++)
        {
            token.CopyTo(values, t * TokenFactory.Dimension);
        }
        var tokens = new ImageTokens(values, TokenFactory.Dimension);
        float[] weights = TokenFactory.PatchWeights(patches, patches);

        var region = RegionDecomposition.Create(tokens, weights, maxK: 10);
        double norm = Math.Sqrt(token.Sum(v => (double)v * v));
        double[] unit = [.. token.Select(v => v / norm)];
        Assert.True(region.UsedExactGram);
        foreach (double factor in new[] { 0.1, 2.0 })
        {
            Tolerance.AssertCosine(unit, region.Edit(10, factor), 1 - 1e-12, $"{patches} identical patches, factor {factor}");
        }
    }
}
