using System.Globalization;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Tests.Models;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Networks;

public class SegmenterTests
{
    private const int Width = 320, Height = 240;
    private static readonly byte[] Background = [230, 228, 215];

    private sealed record Shape(string Name, byte[] Color, Func<double, double, bool> Contains, double CenterX, double CenterY);

    private static readonly Shape Rectangle = new("rectangle", [200, 30, 40], (x, y) => x >= 40 && x < 140 && y >= 50 && y < 150, 90, 100);
    private static readonly Shape Circle = new("circle", [30, 60, 210], (x, y) => (x - 230) * (x - 230) + (y - 120) * (y - 120) < 60 * 60, 230, 120);
    private static readonly Shape Triangle = new("triangle", [40, 170, 60], (x, y) => y >= 170 && y < 230 && Math.Abs(x - 90) < (y - 170) * 0.9, 90, 215);
    private static readonly Shape[] Scene = [Rectangle, Circle, Triangle];

    private static byte[] ColorAt(double x, double y) => Scene.FirstOrDefault(s => s.Contains(x, y))?.Color ?? Background;

    /// <summary>The SAM2 input built directly: the scene sampled at the centers of the 1024×1024 stretched grid, /255, ImageNet-normalized.</summary>
    private static float[] Sam2Input()
    {
        var norm = ImageNormalization.Sam2;
        var input = new float[3 * 1024 * 1024];
        for (int i = 0; i < 1024; i++)
        {
            for (int j = 0; j < 1024; j++)
            {
                byte[] color = ColorAt((j + 0.5) * Width / 1024.0, (i + 0.5) * Height / 1024.0);
                for (int c = 0; c < 3; c++)
                {
                    input[(c * 1024 + i) * 1024 + j] = (float)((color[c] / 255.0 - norm.Mean[c]) / norm.Std[c]);
                }
            }
        }
        return input;
    }

    private static readonly Lazy<float[]> Input = new(Sam2Input);

    private static byte[] TruthMask(params Shape[] shapes)
    {
        var mask = new byte[Width * Height];
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                mask[y * Width + x] = shapes.Any(s => s.Contains(x + 0.5, y + 0.5)) ? (byte)1 : (byte)0;
            }
        }
        return mask;
    }

    private static Segmenter NewSegmenter() => new(SyntheticSet.Networks);

    [Theory]
    [InlineData("rectangle", MaskSelection.SingleMask, 0)]
    [InlineData("circle", MaskSelection.SingleMask, 0)]
    [InlineData("triangle", MaskSelection.SingleMask, 0)]
    [InlineData("rectangle", MaskSelection.BestOfThree, 2)]
    [InlineData("circle", MaskSelection.BestOfThree, 2)]
    public void A_point_on_a_flat_shape_returns_the_shape(string name, MaskSelection selection, int expectedIndex)
    {
        var shape = Scene.Single(s => s.Name == name);
        var result = NewSegmenter().Segment(Input.Value, Width, Height, [new PromptPoint(shape.CenterX, shape.CenterY)], selection, TestContext.Current.CancellationToken);
        Assert.Equal((Width, Height, Width * Height), (result.Width, result.Height, result.Mask.Length));
        Assert.Equal(expectedIndex, result.MaskIndex);
        double iou = MaskMetrics.IoU(result.Mask, TruthMask(shape));
        Assert.True(iou >= 0.95, $"{name}: IoU {iou:F4} < 0.95 (mask area {result.Area}, truth area {TruthMask(shape).Count(v => v != 0)})");
        if (selection == MaskSelection.SingleMask)
        {
            Assert.True(result.StabilityScore >= Segmenter.StabilityThreshold, $"stability {result.StabilityScore}");
        }
    }

    [Fact]
    public void Two_positive_points_return_both_shapes_and_negatives_exclude_their_color()
    {
        var segmenter = NewSegmenter();
        var embedding = segmenter.Encode(Input.Value, Width, Height, TestContext.Current.CancellationToken);
        var both = segmenter.Segment(embedding, [new PromptPoint(Rectangle.CenterX, Rectangle.CenterY), new PromptPoint(Circle.CenterX, Circle.CenterY)], cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(MaskMetrics.IoU(both.Mask, TruthMask(Rectangle, Circle)) >= 0.95);

        var withNegative = segmenter.Segment(embedding, [new PromptPoint(Rectangle.CenterX, Rectangle.CenterY), new PromptPoint(Circle.CenterX, Circle.CenterY, PromptLabel.Negative)], cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(MaskMetrics.IoU(withNegative.Mask, TruthMask(Rectangle)) >= 0.95);

        // A negative point of the positive point's own color leaves a margin of zero everywhere: the closed form gives an empty mask.
        var cancelled = segmenter.Segment(embedding, [new PromptPoint(60, 60), new PromptPoint(120, 140, PromptLabel.Negative)], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, cancelled.Area);
    }

    [Fact]
    public void Encoding_once_and_segmenting_equals_the_one_call_form()
    {
        var segmenter = NewSegmenter();
        var embedding = segmenter.Encode(Input.Value, Width, Height, TestContext.Current.CancellationToken);
        PromptPoint[] points = [new(Triangle.CenterX, Triangle.CenterY)];
        var a = segmenter.Segment(embedding, points, cancellationToken: TestContext.Current.CancellationToken);
        var b = segmenter.Segment(Input.Value, Width, Height, points, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(a.Mask, b.Mask);
        Assert.Equal(a.LowResLogits, b.LowResLogits);
    }

    [Theory]
    [InlineData(320, 10)]
    [InlineData(-1, 10)]
    [InlineData(10, 240)]
    [InlineData(double.NaN, 0)]
    public void Points_outside_the_image_are_rejected_with_the_point_and_size(double x, double y)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            NewSegmenter().Segment(Input.Value, Width, Height, [new PromptPoint(x, y)], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains($"({x.ToString(System.Globalization.CultureInfo.InvariantCulture)}, {y.ToString(System.Globalization.CultureInfo.InvariantCulture)})", error.Message, StringComparison.Ordinal);
        Assert.Contains("320×240", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prompts_without_a_positive_point_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => NewSegmenter().Segment(Input.Value, Width, Height, [new PromptPoint(5, 5, PromptLabel.Negative)], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => NewSegmenter().Segment(Input.Value, Width, Height, [], cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_box_alone_returns_the_shape_it_is_centred_on()
    {
        var segmenter = NewSegmenter();
        var embedding = segmenter.Encode(Input.Value, Width, Height, TestContext.Current.CancellationToken);
        IReadOnlyList<PromptPoint> box = new EditToAudio.Prompts.PromptBox(40, 50, 140, 150).Corners;
        var result = segmenter.Segment(embedding, box, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(MaskMetrics.IoU(result.Mask, TruthMask(Rectangle)) >= 0.95, $"box prompt IoU {MaskMetrics.IoU(result.Mask, TruthMask(Rectangle)):F3}");
        // The box adds its centre as a positive point: with a point on another shape both are segmented.
        var withPoint = segmenter.Segment(embedding, [.. box, new PromptPoint(Circle.CenterX, Circle.CenterY)], cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(MaskMetrics.IoU(withPoint.Mask, TruthMask(Rectangle, Circle)) >= 0.95);
    }

    [Fact]
    public void A_box_goes_to_the_decoder_as_two_labelled_corners_ahead_of_the_points()
    {
        (float[] coords, float[] labels) = Segmenter.PromptInputs(
            [new PromptPoint(0, 0, PromptLabel.BoxTopLeft), new PromptPoint(320, 240, PromptLabel.BoxBottomRight), new PromptPoint(160, 120), new PromptPoint(10, 20, PromptLabel.Negative)], Width, Height);
        Assert.Equal([2f, 3f, 1f, 0f], labels);
        Assert.Equal([0f, 0f, 1024f, 1024f, 512f, 512f, 32f, 1024f * 20 / 240], coords);
    }

    [Theory]
    [InlineData(0, 0, 321, 100, "Box corner (321, 100) is outside the 320×240 image")]
    [InlineData(50, 50, 50, 60, "is empty")]
    public void Boxes_outside_the_image_or_empty_are_rejected(double x0, double y0, double x1, double y1, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => NewSegmenter().Segment(Input.Value, Width, Height,
            [new PromptPoint(x0, y0, PromptLabel.BoxTopLeft), new PromptPoint(x1, y1, PromptLabel.BoxBottomRight)], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_box_needs_both_corners_in_order_ahead_of_the_points()
    {
        PromptPoint topLeft = new(1, 1, PromptLabel.BoxTopLeft), bottomRight = new(9, 9, PromptLabel.BoxBottomRight), point = new(5, 5);
        foreach (PromptPoint[] prompt in new[] { new[] { topLeft, point }, [bottomRight, topLeft], [point, topLeft, bottomRight], [topLeft, bottomRight, topLeft, bottomRight] })
        {
            var error = Assert.Throws<ArgumentException>(() => Segmenter.PromptInputs(prompt, Width, Height));
            Assert.Contains("A box prompt is one top-left and one bottom-right corner", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(256, 256, 320, 240, 1, false)]
    [InlineData(256, 256, 1000, 37, 2, false)]
    [InlineData(16, 9, 7, 5, 3, false)]
    [InlineData(256, 256, 320, 240, 4, true)]
    [InlineData(256, 256, 37, 1000, 5, true)]
    public void Upsampling_matches_a_float64_bilinear_reference(int inWidth, int inHeight, int outWidth, int outHeight, int seed, bool structured)
    {
        var random = new Random(seed);
        var logits = new float[inWidth * inHeight];
        for (int i = 0; i < logits.Length; i++)
        {
            // Structured: a tilted plane whose zero line crosses the image, plus a little noise,
            // so the threshold runs along a long boundary instead of scattered sign changes.
            int x = i % inWidth, y = i / inWidth;
            logits[i] = structured
                ? (float)((x - 0.4 * inWidth) / inWidth + 0.3 * (y - 0.5 * inHeight) / inHeight + 0.01 * (random.NextDouble() - 0.5))
                : (float)(random.NextDouble() * 2 - 1);
        }
        byte[] actual = Segmenter.UpsampleAndThreshold(logits, inWidth, inHeight, outWidth, outHeight);
        int mismatches = 0, ambiguous = 0, inside = 0;
        (int X, int Y, double Value) worst = (-1, -1, 0);
        for (int y = 0; y < outHeight; y++)
        {
            for (int x = 0; x < outWidth; x++)
            {
                double value = ReferenceBilinear(logits, inWidth, inHeight, (x + 0.5) * inWidth / outWidth - 0.5, (y + 0.5) * inHeight / outHeight - 0.5);
                inside += value > 0 ? 1 : 0;
                if (Math.Abs(value) < 1e-5) { ambiguous++; continue; } // float32 rounding may land either side of 0
                if ((value > 0 ? 1 : 0) != actual[y * outWidth + x])
                {
                    mismatches++;
                    if (Math.Abs(value) > Math.Abs(worst.Value))
                    {
                        worst = (x, y, value);
                    }
                }
            }
        }
        Assert.True(mismatches == 0, string.Create(CultureInfo.InvariantCulture,
            $"{mismatches} of {outWidth * outHeight} pixels differ from the reference ({ambiguous} within 1e-5 of zero skipped); worst at (x={worst.X}, y={worst.Y}): reference logit {worst.Value:G9}, mask {actual[Math.Max(0, worst.Y * outWidth + worst.X)]}"));
        Assert.InRange(inside, 1, outWidth * outHeight - 1); // both sides of the threshold occur
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Segmenter.UpsampleAndThreshold(logits.AsSpan(1), inWidth, inHeight, outWidth, outHeight)).ParamName);
    }

    [Fact]
    public void Single_mask_falls_back_to_the_best_multimask_output_when_unstable()
    {
        const int plane = Segmenter.LowResSize * Segmenter.LowResSize;
        var logits = new float[4 * plane];
        for (int i = 0; i < plane; i++)
        {
            logits[i] = i % 2 == 0 ? 0.01f : 1f; // half the pixels sit between −δ and δ
        }
        float[] ious = [0.99f, 0.5f, 0.6f, 0.9f];
        var (index, stability) = Segmenter.Choose(logits, ious, 4, MaskSelection.SingleMask);
        Assert.Equal(0.5, stability, 12);
        Assert.Equal(3, index);
        Array.Fill(logits, 1f, 0, plane);
        Assert.Equal((0, 1.0), Segmenter.Choose(logits, ious, 4, MaskSelection.SingleMask));
        Assert.Equal(3, Segmenter.Choose(logits, ious, 4, MaskSelection.BestOfThree).Index);
        Assert.Throws<InvalidOperationException>(() => Segmenter.Choose(logits[..plane], [0.5f], 1, MaskSelection.BestOfThree));
    }

    private static double ReferenceBilinear(float[] data, int width, int height, double sx, double sy)
    {
        sx = Math.Max(sx, 0);
        sy = Math.Max(sy, 0);
        int x0 = Math.Min((int)Math.Floor(sx), width - 1), y0 = Math.Min((int)Math.Floor(sy), height - 1);
        int x1 = Math.Min(x0 + 1, width - 1), y1 = Math.Min(y0 + 1, height - 1);
        double fx = sx - x0, fy = sy - y0;
        double top = data[y0 * width + x0] * (1 - fx) + data[y0 * width + x1] * fx;
        double bottom = data[y1 * width + x0] * (1 - fx) + data[y1 * width + x1] * fx;
        return top * (1 - fy) + bottom * fy;
    }
}
