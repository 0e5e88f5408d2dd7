using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Prompts;
using EditToAudio.Reference;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Editing;

public class ObjectEditorTests
{
    private static readonly EditParameters Parameters = new();

    private static (ImageTokens Original, ImageTokens Edited, float[] RawOriginal, float[] RawEdited) Tokens(int seed)
    {
        float[] original = TokenFactory.Dominant(seed), edited = TokenFactory.Dominant(seed + 100);
        return (new ImageTokens(original, TokenFactory.Dimension), new ImageTokens(edited, TokenFactory.Dimension), original, edited);
    }

    /// <summary>Disjoint masks: one block of whole grid rows per height in <paramref name="rows"/>, from row <paramref name="first"/>, one empty row apart.</summary>
    private static float[][] Objects(int first, params int[] rows) =>
        [.. rows.Select((height, i) =>
        {
            var weights = new float[256];
            int top = first + rows.Take(i).Sum() + i;
            for (int p = top * 16; p < (top + height) * 16; p++)
            {
                weights[p] = 1f;
            }
            return weights;
        })];

    [Theory]
    [InlineData(ObjectCombination.Each)]
    [InlineData(ObjectCombination.Union)]
    public void One_object_per_side_is_exactly_the_single_object_edit(ObjectCombination combination)
    {
        var (original, edited, _, _) = Tokens(1);
        float[] remove = TokenFactory.PatchWeights(2, 40), add = TokenFactory.PatchWeights(3, 25);
        EditResult single = EmbeddingEditor.Edit(original, edited, remove, add, Parameters);
        EditResult objects = ObjectEditor.Edit(original, edited, [remove], [add], Parameters, combination);
        Assert.Equal(single.Embedding, objects.Embedding);
        Assert.Equal(single.Suppressed, objects.Suppressed);
        Assert.Equal(single.Boosted, objects.Boosted);
        Assert.Equal(single.Background, objects.Background);
        Assert.Equal(single.Warnings, objects.Warnings);
        Assert.Equal([single.Suppressed], objects.RemovedObjects);
        Assert.Equal([single.Boosted], objects.AddedObjects);
    }

    [Fact]
    public void Each_object_is_edited_on_its_own_and_the_side_is_their_normalized_mean()
    {
        var (original, edited, rawOriginal, rawEdited) = Tokens(4);
        float[][] removed = Objects(0, 3, 2), added = Objects(8, 4);
        EditResult result = ObjectEditor.Edit(original, edited, removed, added, Parameters);

        double[][] expectedRemoved = [.. removed.Select(w => Float64Reference.SvdEdit(rawOriginal, TokenFactory.Dimension, w, Parameters.K, Parameters.Alpha))];
        double[] expectedAdded = Float64Reference.SvdEdit(rawEdited, TokenFactory.Dimension, added[0], Parameters.K, Parameters.Beta);
        for (int i = 0; i < removed.Length; i++)
        {
            Tolerance.AssertCosine(expectedRemoved[i], result.RemovedObjects[i], 0.999999, $"removed object {i + 1}");
        }
        double[] suppressed = Float64Reference.Normalize([.. Enumerable.Range(0, TokenFactory.Dimension).Select(j => expectedRemoved.Average(e => e[j]))]);
        Tolerance.AssertCosine(suppressed, result.Suppressed, 0.999999, "E_sup");
        Tolerance.AssertCosine(expectedAdded, result.Boosted, 0.999999, "E_boost");

        float[] removeUnion = ObjectEditor.Union(removed);
        Assert.Equal(removed[0].Zip(removed[1], Math.Max), removeUnion);
        double[] background = Float64Reference.Background(rawEdited, TokenFactory.Dimension, removeUnion, added[0]);
        Tolerance.AssertCosine(background, result.Background, 0.999999, "E_bg outside every object");
        double[] embedding = Float64Reference.Combine(suppressed, expectedAdded, background, 0.2, 0.5, 0.3);
        Tolerance.AssertCosine(embedding, result.Embedding, 0.999999, "E");
        Assert.Equal(removeUnion, result.RemovePatchWeights);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void The_union_edits_each_sides_joined_masks_once()
    {
        var (original, edited, _, _) = Tokens(5);
        float[][] removed = Objects(0, 2, 3), added = Objects(9, 1, 2);
        EditResult union = ObjectEditor.Edit(original, edited, removed, added, Parameters, ObjectCombination.Union);
        EditResult joined = EmbeddingEditor.Edit(original, edited, ObjectEditor.Union(removed), ObjectEditor.Union(added), Parameters);
        Assert.Equal(joined.Embedding, union.Embedding);
        EditResult each = ObjectEditor.Edit(original, edited, removed, added, Parameters, ObjectCombination.Each);
        Assert.NotEqual(each.Embedding, union.Embedding);
        Assert.Equal(union.Background, each.Background);
    }

    [Fact]
    public void A_side_without_objects_is_zero_with_a_warning()
    {
        var (original, edited, _, _) = Tokens(6);
        EditResult result = ObjectEditor.Edit(original, edited, Objects(0, 3), [], Parameters);
        Assert.All(result.Boosted, v => Assert.Equal(0f, v));
        Assert.Empty(result.AddedObjects);
        Assert.Contains("No added object: its part of the edit is zero.", result.Warnings);
        Assert.DoesNotContain(result.Warnings, w => w.Contains("mask covers no patch", StringComparison.Ordinal));
    }

    [Fact]
    public void An_object_that_covers_no_patch_is_named_by_its_number()
    {
        var (original, edited, _, _) = Tokens(7);
        EditResult result = ObjectEditor.Edit(original, edited, [Objects(0, 2)[0], new float[256]], Objects(9, 2), Parameters);
        Assert.Contains("The removed object 2's mask covers no patch; its embedding is zero.", result.Warnings);
        // The empty object is still one of the objects the side's mean is taken over: its zero vector shortens the mean, which is then normalized.
        Tolerance.AssertCosine([.. result.RemovedObjects[0].Select(v => (double)v)], result.Suppressed, 0.999999, "E_sup of one non-empty object");
    }

    [Fact]
    public void A_sweep_of_several_objects_equals_each_setting_alone_and_the_edit_stage_takes_the_masks()
    {
        var (original, edited, _, _) = Tokens(8);
        float[][] removed = Objects(0, 3, 2), added = Objects(8, 4);
        EditParameters[] settings = [new EditParameters { K = 3 }, new EditParameters { K = 12, Alpha = 0.5, Beta = 4 }];

        EditResult[] sweep = ObjectEditor.Edit(original, edited, removed, added, settings);
        for (int s = 0; s < settings.Length; s++)
        {
            EditResult alone = ObjectEditor.Edit(original, edited, removed, added, settings[s]);
            Assert.Equal(alone.Embedding, sweep[s].Embedding);
            Assert.Equal(alone.Warnings, sweep[s].Warnings);
        }

        // Through the backend's edit stage, as patch-aligned masks of a 16×16-patch image.
        BinaryMask Mask(float[] weights) => new([.. Enumerable.Range(0, 224 * 224).Select(i => (byte)weights[(i / 224 / 14) * 16 + i % 224 / 14])], 224, 224);
        var pair = new EditPair(original, edited, [.. removed.Select(Mask)], [.. added.Select(Mask)]);
        EditResult[] staged = new Backends.CpuBackend().Edit([new EditJob(pair, settings)], TestContext.Current.CancellationToken)[0];
        Assert.Equal(sweep.Select(r => r.Embedding), staged.Select(r => r.Embedding));
        Assert.Equal(2, staged[0].RemovedObjects.Count);
    }
}
