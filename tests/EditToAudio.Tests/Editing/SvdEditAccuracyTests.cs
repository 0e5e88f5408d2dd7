using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Reference;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Editing;

public class SvdEditAccuracyTests
{
    private const double MinimumCosine = 0.999999;

    public static TheoryData<string, int, double> Cases()
    {
        var data = new TheoryData<string, int, double>();
        foreach (string kind in new[] { "random", "dominant", "duplicated", "rank-deficient" })
        {
            foreach (int patches in new[] { 1, 9, 10, 11, 40, 256 })
            {
                data.Add(kind, patches, 0.1);
                data.Add(kind, patches, 2.0);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fast_path_matches_the_literal_full_svd(string kind, int patches, double factor)
    {
        float[] tokens = Tokens(kind, seed: 1000 + patches);
        float[] weights = TokenFactory.PatchWeights(seed: patches, patches);

        double[] expected = Float64Reference.SvdEdit(tokens, TokenFactory.Dimension, weights, k: 10, factor);
        float[] actual = RegionDecomposition.Create(new ImageTokens(tokens, TokenFactory.Dimension), weights, maxK: 10).Edit(10, factor);

        Tolerance.AssertCosine(expected, actual, MinimumCosine, $"{kind} tokens, {patches} patches, factor {factor}");
        Tolerance.AssertClose(expected, actual, 1e-5, 0, $"{kind} tokens, {patches} patches, factor {factor}");
    }

    private static float[] Tokens(string kind, int seed) => kind switch
    {
        "random" => TokenFactory.Random(seed),
        "dominant" => TokenFactory.Dominant(seed),
        "duplicated" => TokenFactory.Duplicated(seed),
        "rank-deficient" => TokenFactory.RankDeficient(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
