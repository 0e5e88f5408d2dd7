using EditToAudio.ChangeDetection;
using EditToAudio.Images;
using EditToAudio.Prompts;
using static EditToAudio.Tests.ChangeDetection.EditScenes;

namespace EditToAudio.Tests.ChangeDetection;

public class ChangeDetectorTests
{
    private static readonly Shape Kept = Shape.Rectangle("kept", Blue, 200, 40, 260, 100);
    private static readonly Shape Cat = Shape.Circle("cat", Orange, 90, 150, 38);

    [Fact]
    public void Identical_images_are_refused_as_identical()
    {
        RgbImage image = Draw("a.png", [Cat, Kept]);
        var error = Assert.Throws<ChangeDetectionException>(() => ChangeDetector.Detect(image, Draw("b.png", [Cat, Kept]), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(ChangeRefusal.Identical, error.Reason);
        Assert.Contains("identical", error.Message, StringComparison.Ordinal);
        Assert.Contains("a.png", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Images_that_differ_only_by_invisible_noise_are_refused_as_identical()
    {
        var error = Assert.Throws<ChangeDetectionException>(() =>
            ChangeDetector.Detect(Draw("a.png", [Cat, Kept], noise: 1, seed: 1), Draw("b.png", [Cat, Kept], noise: 1, seed: 2), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(ChangeRefusal.Identical, error.Reason);
        Assert.Contains("look identical", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_different_scene_is_refused_with_how_much_changed()
    {
        Shape wall = Shape.Rectangle("wall", Red, 0, 0, Width, Height * 0.7);
        var error = Assert.Throws<ChangeDetectionException>(() => ChangeDetector.Detect(Draw("a.png", [Cat, Kept]), Draw("b.png", [wall]), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(ChangeRefusal.DifferentScene, error.Reason);
        Assert.Contains("% of the frame changed", error.Message, StringComparison.Ordinal);
        Assert.Contains("different scene", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Images_of_other_aspect_ratios_are_refused_naming_both_sizes()
    {
        var error = Assert.Throws<ChangeDetectionException>(() =>
            ChangeDetector.Detect(Draw("a.png", [Cat]), Draw("b.png", [], width: Height, height: Width), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(ChangeRefusal.AspectMismatch, error.Reason);
        Assert.Contains("320×240", error.Message, StringComparison.Ordinal);
        Assert.Contains("240×320", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_removed_object_is_one_region_covering_it()
    {
        ChangeMap map = ChangeDetector.Detect(Draw("a.png", [Cat, Kept]), Draw("b.png", [Kept]), cancellationToken: TestContext.Current.CancellationToken);
        ChangedRegion region = Assert.Single(map.Regions);
        double iou = Support.MaskMetrics.IoU(region.Mask, Truth(Cat));
        Assert.True(iou >= 0.9, $"region IoU {iou:F3}");
        Assert.Equal((0, 0), map.Shift);
        Assert.InRange(map.Threshold, 8, 100);
        Assert.InRange(map.ChangedFraction, 0.05, 0.1);
        Assert.Equal((Width, Height), (map.WorkingWidth, map.WorkingHeight));
    }

    [Fact]
    public void Large_images_are_compared_in_the_working_frame_and_mapped_back()
    {
        Shape bigCat = Shape.Circle("cat", Orange, 360, 600, 152), bigKept = Shape.Rectangle("kept", Blue, 800, 160, 1040, 400);
        ChangeMap map = ChangeDetector.Detect(Draw("a.png", [bigCat, bigKept], 1280, 960), Draw("b.png", [bigKept], 1280, 960), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((512, 384), (map.WorkingWidth, map.WorkingHeight));
        ChangedRegion region = Assert.Single(map.Regions);
        var box = map.BoxIn(region, EditSide.Remove);
        Assert.InRange(box.X0, 200, 212);
        Assert.InRange(box.X1, 508, 520);
        double iou = Support.MaskMetrics.IoU(map.MaskIn(region.Mask, EditSide.Remove), Truth(bigCat, 1280, 960));
        Assert.True(iou >= 0.9, $"region IoU at full size {iou:F3}");
    }

    [Fact]
    public void A_given_threshold_is_used_and_recorded()
    {
        ChangeMap map = ChangeDetector.Detect(Draw("a.png", [Cat, Kept]), Draw("b.png", [Kept]), new ChangeDetectionOptions { Threshold = 20 }, TestContext.Current.CancellationToken);
        Assert.Equal((20.0, "given"), (map.Threshold, map.ThresholdRule));
    }

    [Fact]
    public void Specks_and_thin_lines_are_dropped()
    {
        Shape speck = Shape.Rectangle("speck", Red, 20, 20, 24, 24), line = Shape.Rectangle("line", Red, 30, 200, 300, 202);
        ChangeMap map = ChangeDetector.Detect(Draw("a.png", [Cat, Kept]), Draw("b.png", [Kept, speck, line]), cancellationToken: TestContext.Current.CancellationToken);
        ChangedRegion region = Assert.Single(map.Regions);
        Assert.True(Support.MaskMetrics.IoU(region.Mask, Truth(Cat)) >= 0.9);
    }

    [Fact]
    public void Otsu_splits_two_clusters_between_them()
    {
        var values = new float[1000];
        var use = new bool[1000];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = i < 800 ? 2 + i % 5 * 0.5f : 40 + i % 7;
            use[i] = true;
        }
        double threshold = ChangeDetector.Otsu(values, use, values.Max());
        Assert.InRange(threshold, 4.0, 40.0);
        // The exhaustive search over the same bins agrees.
        double best = double.NegativeInfinity, bestThreshold = 0;
        for (int b = 1; b < 256; b++)
        {
            double t = b * values.Max() / 256;
            float[] low = [.. values.Where(v => Math.Min((int)(v / values.Max() * 256), 255) < b)], high = [.. values.Where(v => Math.Min((int)(v / values.Max() * 256), 255) >= b)];
            if (low.Length == 0 || high.Length == 0)
            {
                continue;
            }
            double between = (double)low.Length * high.Length * Math.Pow(Bin(low) - Bin(high), 2);
            if (between > best)
            {
                (best, bestThreshold) = (between, t);
            }
        }
        Assert.Equal(bestThreshold, threshold, 1e-9);

        double Bin(float[] group) => group.Average(v => Math.Min((int)(v / values.Max() * 256), 255) + 0.5);
    }

    [Fact]
    public void The_blur_keeps_the_sum_and_a_constant()
    {
        var constant = Enumerable.Repeat(5f, 40 * 30).ToArray();
        Assert.All(ChangeDetector.GaussianBlur(constant, 40, 30, 2.0), v => Assert.Equal(5f, v, 1e-4f));
        var impulse = new float[40 * 30];
        impulse[15 * 40 + 20] = 1;
        float[] blurred = ChangeDetector.GaussianBlur(impulse, 40, 30, 2.0);
        Assert.Equal(1.0, blurred.Sum(), 1e-5);
        Assert.Equal(blurred[15 * 40 + 18], blurred[15 * 40 + 22], 1e-7f);
        Assert.Equal(blurred[13 * 40 + 20], blurred[15 * 40 + 18], 1e-7f);
    }
}
