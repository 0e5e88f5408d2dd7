using System.Globalization;
using EditToAudio.ChangeDetection;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Prompts;
using EditToAudio.Samples;
using EditToAudio.Tests.Support;
using static EditToAudio.Tests.ChangeDetection.EditScenes;

namespace EditToAudio.Tests.ChangeDetection;

/// <summary>
/// The change detector and the region decisions on drawn edits, with the synthetic SAM2: every
/// object is found with a mask of IoU ≥ 0.9 against the drawn shape, on the right side, and nothing else is.
/// </summary>
public class EditSceneTests
{
    private static readonly Shape Kept = Shape.Rectangle("kept square", Blue, 200, 40, 260, 100);

    [Fact]
    public void An_object_replaced_in_place_is_one_replaced_region()
    {
        Shape cat = Shape.Circle("cat", Orange, 90, 140, 40), duck = Shape.Triangle("duck", Green, 90, 140, 46);
        FoundObjects found = Find(Draw("original", [cat, Kept]), Draw("edited", [duck, Kept]));

        Assert.Equal([RegionRole.Replaced], found.Regions.Select(r => r.Role));
        AssertFound(found, removed: [cat], added: [duck]);
    }

    [Fact]
    public void One_object_removed_and_another_added_elsewhere_are_two_regions()
    {
        Shape cat = Shape.Circle("cat", Orange, 70, 160, 35), duck = Shape.Triangle("duck", Green, 250, 180, 38);
        FoundObjects found = Find(Draw("original", [cat, Kept]), Draw("edited", [Kept, duck]));

        Assert.Equal([RegionRole.Removed, RegionRole.Added], found.Regions.Select(r => r.Role));
        AssertFound(found, removed: [cat], added: [duck]);
    }

    [Fact]
    public void An_object_only_removed_is_removed_and_nothing_is_added()
    {
        Shape cat = Shape.Circle("cat", Orange, 90, 150, 38);
        FoundObjects found = Find(Draw("original", [cat, Kept]), Draw("edited", [Kept]));

        Assert.Equal([RegionRole.Removed], found.Regions.Select(r => r.Role));
        AssertFound(found, removed: [cat], added: []);
        // The edited side looked like its surroundings: SAM2 was not even asked there.
        Assert.Null(found.Regions[0].Edited.Prompt);
    }

    [Fact]
    public void An_object_only_added_is_added_and_nothing_is_removed()
    {
        Shape duck = Shape.Triangle("duck", Green, 110, 160, 45);
        FoundObjects found = Find(Draw("original", [Kept]), Draw("edited", [Kept, duck]));

        Assert.Equal([RegionRole.Added], found.Regions.Select(r => r.Role));
        AssertFound(found, removed: [], added: [duck]);
    }

    [Fact]
    public void Two_objects_removed_and_one_added_are_three_regions()
    {
        Shape cat = Shape.Circle("cat", Orange, 50, 60, 30), bird = Shape.Rectangle("bird", Purple, 40, 160, 110, 215);
        Shape duck = Shape.Triangle("duck", Green, 255, 185, 36);
        FoundObjects found = Find(Draw("original", [cat, bird, Kept]), Draw("edited", [Kept, duck]));

        Assert.Equal(2, found.Regions.Count(r => r.Role == RegionRole.Removed));
        Assert.Equal(1, found.Regions.Count(r => r.Role == RegionRole.Added));
        Assert.Equal(3, found.Regions.Count);
        AssertFound(found, removed: [cat, bird], added: [duck]);
    }

    [Fact]
    public void A_shifted_camera_with_a_small_global_change_invents_no_object()
    {
        Shape cat = Shape.Circle("cat", Orange, 90, 140, 40), bird = Shape.Rectangle("bird", Purple, 130, 170, 190, 220);
        RgbImage original = Draw("original", [cat, bird, Kept], noise: 2, seed: 1);
        RgbImage edited = Draw("edited", [cat.Moved(4, 3), bird.Moved(4, 3), Kept.Moved(4, 3)], brightness: 6, noise: 2, seed: 2);

        ChangeMap map = ChangeDetector.Detect(original, edited, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((4, 3), map.Shift);
        // Visible, but below the floor that keeps lighting changes out: no region.
        Assert.InRange(map.MaxDifference, 2.5, 8);
        Assert.Empty(map.Regions);
        FoundObjects found = ObjectFinder.Find(map, Sam2(original, edited), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Empty(found.Removed);
        Assert.Empty(found.Added);
    }

    [Fact]
    public void A_shifted_camera_does_not_hide_an_object_added_in_the_same_edit()
    {
        Shape cat = Shape.Circle("cat", Orange, 90, 140, 40), duck = Shape.Triangle("duck", Green, 250, 180, 36);
        RgbImage original = Draw("original", [cat, Kept], noise: 2, seed: 3);
        RgbImage edited = Draw("edited", [cat.Moved(-3, 2), Kept.Moved(-3, 2), duck], brightness: -2, noise: 2, seed: 4);

        FoundObjects found = Find(original, edited);

        Assert.Equal([RegionRole.Added], found.Regions.Select(r => r.Role));
        AssertFound(found, removed: [], added: [duck]);
    }

    [Fact]
    public void A_lighting_change_on_part_of_the_background_is_no_object()
    {
        // A patch of the background turns a little yellower: well above the floor, but no object is there on either side.
        Shape cat = Shape.Circle("cat", Orange, 70, 160, 35), patch = Shape.Rectangle("light", (250, 235, 170), 150, 120, 230, 200);
        FoundObjects found = Find(Draw("original", [cat, Kept]), Draw("edited", [patch, Kept]));

        Assert.Equal([RegionRole.Removed, RegionRole.Unclear], found.Regions.Select(r => r.Role));
        AssertFound(found, removed: [cat], added: []);
        RegionFinding light = found.Regions[1];
        Assert.Null(light.Original.Prompt);
        Assert.Contains("spills out of the region", light.Edited.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Images_of_different_sizes_are_compared_in_one_frame()
    {
        // The edit was saved at twice the size: masks and prompts are in each image's own pixels.
        Shape cat = Shape.Circle("cat", Orange, 70, 160, 35);
        Shape bigKept = Shape.Rectangle("kept", Blue, 400, 80, 520, 200), bigDuck = Shape.Triangle("duck", Green, 500, 360, 76);
        RgbImage original = Draw("original", [cat, Kept]);
        RgbImage edited = Draw("edited", [bigKept, bigDuck], width: 2 * Width, height: 2 * Height);

        FoundObjects found = Find(original, edited);

        Assert.Equal([RegionRole.Removed, RegionRole.Added], found.Regions.Select(r => r.Role));
        Assert.True(MaskMetrics.IoU(found.Removed[0].Segmentation.Mask, Truth(cat)) >= 0.9);
        Assert.Equal((2 * Width, 2 * Height), (found.Added[0].Segmentation.Width, found.Added[0].Segmentation.Height));
        double iou = MaskMetrics.IoU(found.Added[0].Segmentation.Mask, Truth(bigDuck, 2 * Width, 2 * Height));
        Assert.True(iou >= 0.9, $"added IoU {iou:F3}");
        PromptBox box = found.Added[0].Prompt.Box!.Value;
        Assert.True(box.X0 >= 400 && box.X1 <= 2 * Width && box.Y0 >= 250, $"the added object's box {box} is in the edited image's pixels");
    }

    [Fact]
    public void Found_prompts_are_the_region_box_and_a_point_inside_the_object()
    {
        Shape cat = Shape.Circle("cat", Orange, 90, 140, 40), duck = Shape.Triangle("duck", Green, 90, 140, 46);
        FoundObjects found = Find(Draw("original", [cat, Kept]), Draw("edited", [duck, Kept]));

        foreach ((FoundObject item, Shape shape) in new[] { (found.Removed[0], cat), (found.Added[0], duck) })
        {
            Assert.NotNull(item.Prompt.Box);
            var point = Assert.Single(item.Prompt.Points);
            Assert.True(shape.Contains(point.X + 0.5, point.Y + 0.5), $"{shape.Name}: the point {point} is not on the object");
            PromptBox box = item.Prompt.Box!.Value;
            // The region is the union of both shapes: its box holds each of them.
            Assert.True(box.X0 <= 50 && box.X1 >= 130 && box.Y0 <= 100 && box.Y1 >= 170, $"{shape.Name}: box {box}");
            Assert.Equal(item.Prompt.Sam2Points.Take(2), box.Corners);
        }
    }

    [Fact]
    public void The_demo_scene_is_found_with_exactly_the_masks_of_its_point_prompts()
    {
        DemoImages demo = DemoScene.Create();
        RgbImage original = new(demo.Width, demo.Height, demo.OriginalRgb, "original"), edited = new(demo.Width, demo.Height, demo.EditedRgb, "edited");
        FoundObjects found = Find(original, edited);

        Assert.Equal([RegionRole.Replaced], found.Regions.Select(r => r.Role));
        SegmentSide sam2 = Sam2(original, edited);
        SegmentationResult removeByPoint = sam2(EditSide.Remove, [[new PromptPoint(demo.RemovePoint.X, demo.RemovePoint.Y)]], TestContext.Current.CancellationToken)[0];
        SegmentationResult addByPoint = sam2(EditSide.Add, [[new PromptPoint(demo.AddPoint.X, demo.AddPoint.Y)]], TestContext.Current.CancellationToken)[0];
        Assert.Equal(removeByPoint.Mask, found.Removed[0].Segmentation.Mask);
        Assert.Equal(addByPoint.Mask, found.Added[0].Segmentation.Mask);
        Assert.True(MaskMetrics.IoU(found.Removed[0].Segmentation.Mask, demo.RemoveMask) >= 0.9);
        Assert.True(MaskMetrics.IoU(found.Added[0].Segmentation.Mask, demo.AddMask) >= 0.9);
    }

    /// <summary>Each expected shape matches one found object of its side with IoU ≥ 0.9, and no other object was found.</summary>
    private static void AssertFound(FoundObjects found, Shape[] removed, Shape[] added)
    {
        foreach ((EditSide side, Shape[] shapes) in new[] { (EditSide.Remove, removed), (EditSide.Add, added) })
        {
            IReadOnlyList<FoundObject> objects = found[side];
            Assert.True(objects.Count == shapes.Length,
                $"{side}: expected {shapes.Length} objects ({string.Join(", ", shapes.Select(s => s.Name))}), found {objects.Count}; regions: {Describe(found)}");
            foreach (Shape shape in shapes)
            {
                byte[] truth = Truth(shape);
                double best = objects.Max(o => MaskMetrics.IoU(o.Segmentation.Mask, truth));
                Assert.True(best >= 0.9, string.Create(CultureInfo.InvariantCulture, $"{side} {shape.Name}: best IoU {best:F3} < 0.9; regions: {Describe(found)}"));
            }
        }
    }

    private static string Describe(FoundObjects found) => string.Join("; ", found.Regions.Select(r =>
        $"region {r.Region.Index} [{r.Region.Left},{r.Region.Top},{r.Region.Right},{r.Region.Bottom}] {r.Role}: original {r.Original.Reason}, edited {r.Edited.Reason}"));
}
