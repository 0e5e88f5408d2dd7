using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Reference;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Editing;

public class EmbeddingEditorTests
{
    private const int D = TokenFactory.Dimension;

    public static TheoryData<MaskAlignment, int> Alignments() => new()
    {
        { MaskAlignment.Stretch, 1 }, { MaskAlignment.Crop, 2 }, { MaskAlignment.Stretch, 3 }, { MaskAlignment.Crop, 4 },
    };

    [Theory]
    [MemberData(nameof(Alignments))]
    public void Every_part_matches_the_literal_reference(MaskAlignment alignment, int seed)
    {
        float[] original = TokenFactory.Dominant(seed), edited = TokenFactory.Random(seed + 100);
        BinaryMask remove = PatchWeightsTests.Blobs(480, 640, seed), add = PatchWeightsTests.Blobs(300, 200, seed + 1);
        var parameters = new EditParameters { MaskAlignment = alignment };

        EditResult result = EmbeddingEditor.Edit(new ImageTokens(original, D), new ImageTokens(edited, D), remove, add, parameters);

        float[] m0 = PatchWeights.FromMask(remove, alignment), m1 = PatchWeights.FromMask(add, alignment);
        double[] sup = Float64Reference.SvdEdit(original, D, m0, 10, 0.1);
        double[] boost = Float64Reference.SvdEdit(edited, D, m1, 10, 2.0);
        double[] bg = Float64Reference.Background(edited, D, m0, m1);
        double[] combined = Float64Reference.Combine(sup, boost, bg, 0.2, 0.5, 0.3);
        Tolerance.AssertCosine(sup, result.Suppressed, 0.999999, "E_sup");
        Tolerance.AssertCosine(boost, result.Boosted, 0.999999, "E_boost");
        Tolerance.AssertClose(bg, result.Background, Tolerance.Float32Absolute, 0, "E_bg");
        Tolerance.AssertCosine(combined, result.Embedding, 0.999999, "E");
        Assert.Equal(m0, result.RemovePatchWeights);
        Assert.Equal(m1, result.AddPatchWeights);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void An_empty_mask_gives_a_zero_part_and_a_warning_not_an_error()
    {
        float[] tokens = TokenFactory.Random(5);
        var empty = new BinaryMask(new byte[64 * 64], 64, 64);
        BinaryMask add = PatchWeightsTests.Blobs(64, 64, 5);

        EditResult result = EmbeddingEditor.Edit(new ImageTokens(tokens, D), new ImageTokens(tokens, D), empty, add, new EditParameters());

        Assert.All(result.Suppressed, v => Assert.Equal(0f, v));
        Assert.Contains(result.Warnings, w => w.Contains("removed object's mask covers no patch", StringComparison.Ordinal));
        double[] expected = Float64Reference.Combine(new double[D], Float64Reference.SvdEdit(tokens, D, result.AddPatchWeights, 10, 2.0),
            Float64Reference.Background(tokens, D, result.RemovePatchWeights, result.AddPatchWeights), 0.2, 0.5, 0.3);
        Tolerance.AssertCosine(expected, result.Embedding, 0.999999, "E with an empty removed region");
    }

    [Fact]
    public void Masks_covering_everything_leave_no_background_and_warn()
    {
        float[] tokens = TokenFactory.Random(6);
        var full = new BinaryMask(Enumerable.Repeat((byte)1, 32 * 32).ToArray(), 32, 32);
        EditResult result = EmbeddingEditor.Edit(new ImageTokens(tokens, D), new ImageTokens(tokens, D), full, full, new EditParameters());
        Assert.All(result.Background, v => Assert.Equal(0f, v));
        Assert.Contains(result.Warnings, w => w.Contains("No background patch", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0.2, 0.5, 0.3, false)]
    [InlineData(0.2, 0.5, 0.305, false)]
    [InlineData(0.2, 0.5, 0.32, true)]
    [InlineData(1, 1, 1, true)]
    public void The_combination_warns_when_weights_do_not_sum_to_one(double a, double b, double g, bool warns)
    {
        var warnings = new List<string>();
        float[] e = EmbeddingEditor.Combine([1, 0], [0, 1], [1, 1], new MixWeights(a, b, g), warnings);
        Assert.Equal(warns, warnings.Count > 0);
        Tolerance.AssertClose(Float64Reference.Combine([1, 0], [0, 1], [1, 1], a, b, g), e, Tolerance.Float32Absolute, 0, "combination");
    }

    [Fact]
    public void A_batch_equals_the_pairs_edited_one_by_one()
    {
        var pairs = Enumerable.Range(0, 6).Select(i => new EditPair(
            new ImageTokens(TokenFactory.Random(i), D), new ImageTokens(TokenFactory.Dominant(i), D),
            PatchWeightsTests.Blobs(100 + i, 120, i), PatchWeightsTests.Blobs(90, 80 + i, i + 50))).ToArray();
        var parameters = new EditParameters { K = 5, Alpha = 0.05, Beta = 3 };
        var progress = new List<int>();

        EditResult[] batch = EmbeddingEditor.EditBatch(pairs, parameters, maxDegreeOfParallelism: 2, new SynchronousProgress(progress), TestContext.Current.CancellationToken);

        for (int i = 0; i < pairs.Length; i++)
        {
            EditResult single = EmbeddingEditor.Edit(pairs[i].Original, pairs[i].Edited, pairs[i].RemoveMasks[0], pairs[i].AddMasks[0], parameters);
            Assert.Equal(single.Embedding, batch[i].Embedding);
        }
        Assert.Equal(pairs.Length, progress.Max());
        Assert.Equal("maxDegreeOfParallelism", Assert.Throws<ArgumentOutOfRangeException>(() =>
            EmbeddingEditor.EditBatch(pairs, parameters, maxDegreeOfParallelism: 0, cancellationToken: TestContext.Current.CancellationToken)).ParamName);
    }

    [Theory]
    [InlineData(0, 0.1, 2.0, "K")]
    [InlineData(10, double.NaN, 2.0, "Alpha")]
    [InlineData(10, 0.1, -1.0, "Beta")]
    public void Invalid_parameters_are_refused_by_name(int k, double alpha, double beta, string name)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new EditParameters { K = k, Alpha = alpha, Beta = beta }.Validate());
        Assert.Equal(name, error.ParamName);
    }

    [Fact]
    public void Non_finite_tokens_are_refused_with_their_position()
    {
        float[] tokens = TokenFactory.Random(1);
        tokens[5 * D + 17] = float.NaN;
        var error = Assert.Throws<ArgumentException>(() => new ImageTokens(tokens, D));
        Assert.Contains("Token 5, component 17", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5f, 37, "is 0.5")]
    [InlineData(float.NaN, 255, "is NaN")]
    public void Patch_weights_that_are_not_binary_are_refused_by_name(float value, int index, string expected)
    {
        float[] tokens = TokenFactory.Random(2);
        float[] good = TokenFactory.PatchWeights(2, 40);
        float[] bad = (float[])good.Clone();
        bad[index] = value;
        var error = Assert.Throws<ArgumentException>(() =>
            EmbeddingEditor.Edit(new ImageTokens(tokens, D), new ImageTokens(tokens, D), good, bad, new EditParameters()));
        Assert.Equal("addWeights", error.ParamName);
        Assert.Contains($"Patch weight {index} (row {index / 16}, column {index % 16}) {expected}", error.Message, StringComparison.Ordinal);
        Assert.Equal("removeWeights", Assert.Throws<ArgumentException>(() =>
            EmbeddingEditor.Background(new ImageTokens(tokens, D), good.AsSpan(0, 200), good)).ParamName);
    }

    [Fact]
    public void Tokens_are_normalized_by_the_engine()
    {
        float[] unit = TokenFactory.Random(3);
        float[] scaled = unit.Select((v, i) => v * (1 + i / D)).ToArray(); // every token scaled differently
        var weights = TokenFactory.PatchWeights(3, 40);
        float[] a = RegionDecomposition.Create(new ImageTokens(unit, D), weights, 10).Edit(10, 0.1);
        float[] b = RegionDecomposition.Create(new ImageTokens(scaled, D), weights, 10).Edit(10, 0.1);
        Tolerance.AssertClose(Array.ConvertAll(a, v => (double)v), b, 1e-6, 0, "scaled tokens");
    }

    [Fact]
    public void One_decomposition_serves_every_k_up_to_its_maximum()
    {
        float[] tokens = TokenFactory.Dominant(9);
        float[] weights = TokenFactory.PatchWeights(9, 60);
        var region = RegionDecomposition.Create(new ImageTokens(tokens, D), weights, maxK: 15);
        foreach (int k in new[] { 1, 5, 10, 15 })
        {
            Tolerance.AssertCosine(Float64Reference.SvdEdit(tokens, D, weights, k, 0.3), region.Edit(k, 0.3), 0.999999, $"k = {k} from a k_max = 15 decomposition");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => region.Edit(16, 0.3));
    }

    private sealed class SynchronousProgress(List<int> values) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (values)
            {
                values.Add(value);
            }
        }
    }
}
