using EditToAudio.ChangeDetection;
using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Networks;
using EditToAudio.Pipeline;
using EditToAudio.Prompts;
using EditToAudio.Tests.ChangeDetection;
using EditToAudio.Tests.Models;
using EditToAudio.Tests.Support;
using static EditToAudio.Tests.ChangeDetection.EditScenes;

namespace EditToAudio.Tests.Pipeline;

public sealed class EditObjectsTests : IDisposable
{
    private static readonly Shape Kept = Shape.Rectangle("kept", Blue, 200, 40, 260, 100);
    private static readonly Shape Cat = Shape.Circle("cat", Orange, 70, 160, 35);
    private static readonly Shape Bird = Shape.Rectangle("bird", Purple, 120, 170, 170, 215);
    private static readonly Shape Duck = Shape.Triangle("duck", Green, 250, 180, 38);

    private readonly TemporaryFolder _folder = new();
    private readonly RgbImage _original = Draw("original.png", [Cat, Bird, Kept]);
    private readonly RgbImage _edited = Draw("edited.png", [Kept, Duck]);
    private readonly List<(string Image, int Prompts)> _calls = [];

    public void Dispose() => _folder.Dispose();

    /// <summary>The synthetic SAM2, counting its calls per image.</summary>
    private SegmentImage Segment()
    {
        var segmenter = new Segmenter(SyntheticSet.Networks);
        return (image, prompts, cancellationToken) =>
        {
            _calls.Add((image.Source, prompts.Count));
            Sam2ImageEmbedding embedding = segmenter.Encode(Sam2Preprocessor.ToInput(image), image.Width, image.Height, cancellationToken);
            return [.. prompts.Select(p => segmenter.Segment(embedding, p, MaskSelection.SingleMask, cancellationToken))];
        };
    }

    private EditObjects Resolve(EditPrompts prompts) =>
        EditObjects.Resolve(_original, _edited, EditObjects.Prepare(prompts, _original, _edited), Segment(), cancellationToken: TestContext.Current.CancellationToken);

    [Fact]
    public void Given_prompts_are_segmented_once_per_image()
    {
        var prompts = new EditPrompts(
            SidePrompts.Of(ObjectPrompt.FromPoint(new PromptPoint(70, 160)), new ObjectPrompt { Box = new PromptBox(115, 165, 175, 220), Name = "bird" }),
            SidePrompts.Of(ObjectPrompt.FromPoint(new PromptPoint(250, 185))));
        EditObjects objects = Resolve(prompts);

        Assert.Equal([("original.png", 2), ("edited.png", 1)], _calls);
        Assert.Null(objects.Detection);
        Assert.Equal(["removed", "removed"], objects.Removed.Select(o => o.Role));
        Assert.True(MaskMetrics.IoU(objects.Removed[0].Mask.Mask, Truth(Cat)) >= 0.9);
        Assert.True(MaskMetrics.IoU(objects.Removed[1].Mask.Mask, Truth(Bird)) >= 0.9);
        Assert.True(MaskMetrics.IoU(objects.Added[0].Mask.Mask, Truth(Duck)) >= 0.9);
        Assert.Equal("removed 2: bird", objects.Removed[1].Label);
        Assert.Empty(objects.Warnings);
    }

    [Fact]
    public void Sides_left_to_the_engine_are_found_and_a_given_side_goes_in_the_same_sam2_call()
    {
        EditObjects objects = Resolve(new EditPrompts(SidePrompts.Of(ObjectPrompt.FromPoint(new PromptPoint(70, 160))), SidePrompts.Auto));

        Assert.NotNull(objects.Detection);
        // One call per image: the given remove prompt rides with the finder's region prompts on the original.
        Assert.Equal(1, _calls.Count(c => c.Image == "original.png"));
        Assert.Equal(1, _calls.Count(c => c.Image == "edited.png"));
        EditObject cat = Assert.Single(objects.Removed);
        Assert.False(cat.Found);
        EditObject duck = Assert.Single(objects.Added);
        Assert.True(duck.Found);
        Assert.Equal("added", duck.Role);
        Assert.Equal("added 1 (found)", duck.Label);
        Assert.True(MaskMetrics.IoU(duck.Mask.Mask, Truth(Duck)) >= 0.9);
    }

    [Fact]
    public void Both_sides_found_give_every_object_with_its_region_and_role()
    {
        EditObjects objects = Resolve(EditPrompts.Auto);
        Assert.Equal(2, objects.Removed.Count);
        Assert.Single(objects.Added);
        Assert.All(objects.Removed.Concat(objects.Added), o => Assert.NotNull(o.Region));
        Assert.Equal([1, 2], objects.Removed.Select(o => o.Index));
    }

    [Fact]
    public void A_ready_mask_skips_sam2_for_its_object()
    {
        string path = _folder.File("duck.npy");
        Npy.Write(path, NpyArray.FromBytes(Truth(Duck), NpyDType.UInt8, Height, Width));
        EditObjects objects = Resolve(new EditPrompts(SidePrompts.Of(ObjectPrompt.FromPoint(new PromptPoint(70, 160))), SidePrompts.Of(new ObjectPrompt { MaskPath = path })));

        Assert.Equal([("original.png", 1)], _calls);
        EditObject duck = Assert.Single(objects.Added);
        Assert.Equal(Truth(Duck), duck.Mask.Mask);
        Assert.Null(duck.PredictedIou);
    }

    [Fact]
    public void Problems_are_listed_before_any_network_runs_naming_the_image_and_sizes()
    {
        string small = _folder.File("small.npy");
        Npy.Write(small, NpyArray.FromBytes(Truth(Duck, 32, 24), NpyDType.UInt8, 24, 32));
        var prompts = new EditPrompts(
            SidePrompts.Of(ObjectPrompt.FromPoint(new PromptPoint(400, 10)), new ObjectPrompt { Box = new PromptBox(0, 0, 330, 10) }),
            SidePrompts.Of(new ObjectPrompt { MaskPath = small }, new ObjectPrompt { MaskPath = _folder.File("none.png") }));
        var error = Assert.Throws<ArgumentException>(() => EditObjects.Prepare(prompts, _original, _edited));
        Assert.Contains("remove object 1: the point (400, 10) lies outside original.png, which is 320×240 pixels.", error.Message, StringComparison.Ordinal);
        Assert.Contains("remove object 2: the box [0, 0, 330, 10] reaches outside original.png, which is 320×240 pixels.", error.Message, StringComparison.Ordinal);
        Assert.Contains($"add object 1: the mask {small} is 32×24 pixels, but edited.png is 320×240", error.Message, StringComparison.Ordinal);
        Assert.Contains("none.png", error.Message, StringComparison.Ordinal);
        Assert.Empty(_calls);
    }

    [Fact]
    public void Nothing_found_on_either_side_is_refused_with_the_reason()
    {
        RgbImage original = Draw("a.png", [Cat, Kept], noise: 2, seed: 1), edited = Draw("b.png", [Cat.Moved(3, 2), Kept.Moved(3, 2)], brightness: 6, noise: 2, seed: 2);
        var error = Assert.Throws<ChangeDetectionException>(() =>
            EditObjects.Resolve(original, edited, EditPrompts.Auto, Segment(), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(ChangeRefusal.NothingFound, error.Reason);
        Assert.Contains("no changed region is larger than the minimum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unclear_region_and_an_empty_side_are_warned_about()
    {
        Shape patch = Shape.Rectangle("light", (250, 235, 170), 150, 120, 230, 200);
        RgbImage original = Draw("a.png", [Cat, Kept]), edited = Draw("b.png", [patch, Kept]);
        EditObjects objects = EditObjects.Resolve(original, edited, EditPrompts.Auto, Segment(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Single(objects.Removed);
        Assert.Empty(objects.Added);
        Assert.Contains(objects.Warnings, w => w.StartsWith("Changed region 2", StringComparison.Ordinal) && w.Contains("was ignored", StringComparison.Ordinal));
        Assert.Contains("No added object was found: the edit adds nothing.", objects.Warnings);
    }
}
