using EditToAudio.Batch;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Reference;
using EditToAudio.Tests.Editing;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Batch;

public class SweepTests
{
    [Fact]
    public void The_grid_expands_in_a_fixed_order_with_readable_names_and_keeps_unswept_values()
    {
        SweepGrid grid = SweepGrid.Parse(["k=5,10", "mix=0.2/0.5/0.3,0.1/0.6/0.3 alpha=0.05"]);
        var item = new EditParameters { Beta = 3, MaskAlignment = MaskAlignment.Crop };
        IReadOnlyList<SweepSetting> settings = grid.Expand(item);

        Assert.Equal(
            ["k5_a0.05_b3_m0.2-0.5-0.3", "k5_a0.05_b3_m0.1-0.6-0.3", "k10_a0.05_b3_m0.2-0.5-0.3", "k10_a0.05_b3_m0.1-0.6-0.3"],
            settings.Select(s => s.Name));
        Assert.All(settings, s => Assert.Equal((3.0, MaskAlignment.Crop), (s.Edit.Beta, s.Edit.MaskAlignment)));
        Assert.Equal(new MixWeights(0.1, 0.6, 0.3), settings[3].Edit.Mix);
    }

    [Theory]
    [InlineData("k=5 k=10", "lists the axis 'k' twice")]
    [InlineData("k=5,5", "repeats a value")]
    [InlineData("k=", "is not axis=value")]
    [InlineData("k=1.5", "k=1.5 is not an integer ≥ 1")]
    [InlineData("beta=NaN", "beta=NaN is not a finite number ≥ 0")]
    [InlineData("mix=0.2/0.5", "expected three weights")]
    [InlineData("", "lists no axis")]
    public void Bad_sweeps_name_the_problem(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => SweepGrid.Parse([text]));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, int> Regions() => new()
    {
        // 7 patches: n+1 = 8 rows lies between the smallest and largest k, so one decomposition for k=12 must serve k=3 and k=5 as well.
        { "dominant", 7 },
        { "random", 40 },
        { "rank-deficient", 256 },
        { "duplicated", 1 },
    };

    [Theory]
    [MemberData(nameof(Regions))]
    public void One_decomposition_serves_every_setting_and_matches_the_single_edit_and_the_float64_svd(string kind, int patches)
    {
        float[] original = kind switch
        {
            "dominant" => TokenFactory.Dominant(11),
            "random" => TokenFactory.Random(12),
            "rank-deficient" => TokenFactory.RankDeficient(13),
            _ => TokenFactory.Duplicated(14),
        };
        float[] edited = TokenFactory.Dominant(15);
        float[] remove = TokenFactory.PatchWeights(21, patches), add = TokenFactory.PatchWeights(22, Math.Min(256, patches + 5));
        var tokens0 = new ImageTokens(original, TokenFactory.Dimension);
        var tokens1 = new ImageTokens(edited, TokenFactory.Dimension);
        IReadOnlyList<SweepSetting> settings = SweepGrid.Parse(["k=3,5,12 alpha=0.05,0.1 beta=2 mix=0.2/0.5/0.3,0.5/0.5/0.5"]).Expand(new EditParameters());

        EditResult[] swept = EmbeddingEditor.Edit(tokens0, tokens1, remove, add, [.. settings.Select(s => s.Edit)]);

        Assert.Equal(settings.Count, swept.Length);
        for (int i = 0; i < settings.Count; i++)
        {
            EditParameters p = settings[i].Edit;
            EditResult single = EmbeddingEditor.Edit(tokens0, tokens1, remove, add, p);
            Assert.Equal(single.Embedding, swept[i].Embedding);
            Assert.Equal(single.Warnings, swept[i].Warnings);
            if (i != 0 && i != settings.Count - 1)
            {
                continue; // the float64 SVD is slow; the smallest and largest k of the grid check it
            }

            double[] suppressed = Float64Reference.SvdEdit(original, TokenFactory.Dimension, remove, p.K, p.Alpha);
            double[] boosted = Float64Reference.SvdEdit(edited, TokenFactory.Dimension, add, p.K, p.Beta);
            double[] background = Float64Reference.Background(edited, TokenFactory.Dimension, remove, add);
            double[] expected = Float64Reference.Combine(suppressed, boosted, background, p.Mix.Suppressed, p.Mix.Boosted, p.Mix.Background);
            Tolerance.AssertClose(suppressed, swept[i].Suppressed, 1e-5, 0, $"{kind}, {settings[i].Name}: E_sup");
            Tolerance.AssertClose(expected, swept[i].Embedding, 1e-5, 0, $"{kind}, {settings[i].Name}: E");
        }
    }
}
