using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Editing;

public class PatchWeightsTests
{
    /// <summary>
    /// Literal reference: materialize the whole resized mask (PyTorch bilinear, align_corners=False,
    /// float64 coordinates), take the 224×224 window, average 14×14 blocks.
    /// </summary>
    private static double[] ReferenceMeans(byte[] mask, int height, int width, int resizedHeight, int resizedWidth, int top, int left)
    {
        var resized = new double[resizedHeight, resizedWidth];
        for (int y = 0; y < resizedHeight; y++)
        {
            double sy = Math.Max((y + 0.5) * height / resizedHeight - 0.5, 0);
            int y0 = Math.Min((int)Math.Floor(sy), height - 1), y1 = Math.Min(y0 + 1, height - 1);
            double ly = sy - y0;
            for (int x = 0; x < resizedWidth; x++)
            {
                double sx = Math.Max((x + 0.5) * width / resizedWidth - 0.5, 0);
                int x0 = Math.Min((int)Math.Floor(sx), width - 1), x1 = Math.Min(x0 + 1, width - 1);
                double lx = sx - x0;
                resized[y, x] = (1 - ly) * ((1 - lx) * mask[y0 * width + x0] + lx * mask[y0 * width + x1])
                              + ly * ((1 - lx) * mask[y1 * width + x0] + lx * mask[y1 * width + x1]);
            }
        }
        var means = new double[256];
        for (int py = 0; py < 16; py++)
        {
            for (int px = 0; px < 16; px++)
            {
                double sum = 0;
                for (int y = 0; y < 14; y++)
                {
                    for (int x = 0; x < 14; x++)
                    {
                        sum += resized[top + py * 14 + y, left + px * 14 + x];
                    }
                }
                means[py * 16 + px] = sum / 196;
            }
        }
        return means;
    }

    public static TheoryData<int, int, int> Sizes() => new()
    {
        { 224, 224, 1 }, { 480, 640, 2 }, { 640, 480, 3 }, { 97, 131, 4 }, { 1024, 1024, 5 }, { 17, 300, 6 }, { 225, 227, 7 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Stretch_means_match_the_literal_resize_and_pool(int height, int width, int seed)
    {
        BinaryMask mask = Blobs(height, width, seed);
        var actual = new double[256];
        PatchWeights.PooledMeans(mask, MaskAlignment.Stretch, actual);
        double[] expected = ReferenceMeans(mask.Values.ToArray(), height, width, 224, 224, 0, 0);
        Tolerance.AssertClose(expected, actual, CoordinateTolerance(height, width), 0, $"stretch {height}×{width}");
        AssertThresholdAgrees(expected, PatchWeights.FromMask(mask, MaskAlignment.Stretch), CoordinateTolerance(height, width));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Crop_means_match_the_literal_resize_crop_and_pool(int height, int width, int seed)
    {
        BinaryMask mask = Blobs(height, width, seed);
        var actual = new double[256];
        PatchWeights.PooledMeans(mask, MaskAlignment.Crop, actual);
        ClipGeometry g = ClipGeometry.For(width, height);
        double[] expected = ReferenceMeans(mask.Values.ToArray(), height, width, g.ResizedHeight, g.ResizedWidth, g.CropTop, g.CropLeft);
        Tolerance.AssertClose(expected, actual, CoordinateTolerance(height, width), 0, $"crop {height}×{width}");
        AssertThresholdAgrees(expected, PatchWeights.FromMask(mask, MaskAlignment.Crop), CoordinateTolerance(height, width));
    }

    [Fact]
    public void A_224_mask_pools_exact_block_fractions()
    {
        var values = new byte[224 * 224];
        for (int y = 0; y < 224; y++)
        {
            for (int x = 0; x < 119; x++) // columns 0–7 full, column 8 covers 7 of 14 pixels: exactly 0.5
            {
                values[y * 224 + x] = 1;
            }
        }
        float[] weights = PatchWeights.FromMask(new BinaryMask(values, 224, 224), MaskAlignment.Stretch);
        for (int p = 0; p < 256; p++)
        {
            Assert.True(weights[p] == (p % 16 <= 8 ? 1f : 0f), $"patch {p} (row {p / 16}, column {p % 16}) has weight {weights[p]}");
        }
    }

    [Fact]
    public void On_a_square_image_both_alignments_agree()
    {
        BinaryMask mask = Blobs(500, 500, 11);
        Assert.Equal(PatchWeights.FromMask(mask, MaskAlignment.Stretch), PatchWeights.FromMask(mask, MaskAlignment.Crop));
    }

    [Fact]
    public void Crop_ignores_what_clip_crops_away_and_stretch_does_not()
    {
        // A 448×224 (W×H) image: CLIP keeps columns 112…335. An object in the left quarter is cropped away.
        const int height = 224, width = 448;
        var values = new byte[height * width];
        for (int y = 50; y < 150; y++)
        {
            for (int x = 0; x < 100; x++)
            {
                values[y * width + x] = 1;
            }
        }
        var mask = new BinaryMask(values, height, width);
        Assert.Equal(0, PatchWeights.FromMask(mask, MaskAlignment.Crop).Count(w => w > 0));
        Assert.Contains(PatchWeights.FromMask(mask, MaskAlignment.Stretch), w => w > 0);
    }

    [Theory]
    [InlineData(640, 480, 298, 224, 37, 0)]    // torchvision: int(224·640/480) = 298, crop offset round(37.0) = 37
    [InlineData(480, 641, 224, 299, 0, 38)]    // int(299.13) = 299, round(37.5) = 38 (half to even)
    [InlineData(300, 226, 297, 224, 36, 0)]    // int(297.34) = 297, round(36.5) = 36 (half to even)
    [InlineData(224, 224, 224, 224, 0, 0)]
    public void Clip_geometry_follows_torchvision(int width, int height, int resizedWidth, int resizedHeight, int left, int top) =>
        Assert.Equal(new ClipGeometry(resizedWidth, resizedHeight, left, top), ClipGeometry.For(width, height));

    [Fact]
    public void A_mask_too_elongated_for_the_crop_geometry_is_refused()
    {
        // 224·20 000 000 does not fit an int: the resized height used to wrap to a negative size.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ClipGeometry.For(1, 20_000_000));
        Assert.Equal("height", error.ParamName);
        Assert.Contains("1x20000000 image is too elongated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_binary_masks_are_refused_with_the_position()
    {
        var values = new byte[6];
        values[4] = 255;
        var error = Assert.Throws<ArgumentException>(() => new BinaryMask(values, 2, 3));
        Assert.Contains("value 255 at row 1, column 1", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The engine computes sampling coordinates in float32, as PyTorch does; a coordinate near the
    /// input size is off by up to one float32 ulp there, which bounds the error of an interpolation weight.
    /// </summary>
    private static double CoordinateTolerance(int height, int width) => Math.Max(height, width) * Math.Pow(2, -23);

    /// <summary>Where the reference mean is not within rounding of 0.5, the threshold must agree with it.</summary>
    private static void AssertThresholdAgrees(double[] expectedMeans, float[] weights, double tolerance)
    {
        for (int p = 0; p < 256; p++)
        {
            if (Math.Abs(expectedMeans[p] - 0.5) > tolerance)
            {
                Assert.True(weights[p] == (expectedMeans[p] >= 0.5 ? 1f : 0f), $"patch {p}: mean {expectedMeans[p]:G9}, weight {weights[p]}");
            }
        }
    }

    /// <summary>A few seeded ellipses and rectangles.</summary>
    internal static BinaryMask Blobs(int height, int width, int seed)
    {
        var random = new Random(seed);
        var values = new byte[height * width];
        for (int shape = 0; shape < 3; shape++)
        {
            double cy = random.NextDouble() * height, cx = random.NextDouble() * width;
            double ry = (0.1 + 0.3 * random.NextDouble()) * height, rx = (0.1 + 0.3 * random.NextDouble()) * width;
            bool ellipse = shape % 2 == 0;
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    double dy = (y - cy) / ry, dx = (x - cx) / rx;
                    if (ellipse ? dx * dx + dy * dy <= 1 : Math.Abs(dx) <= 1 && Math.Abs(dy) <= 1)
                    {
                        values[y * width + x] = 1;
                    }
                }
            }
        }
        return new BinaryMask(values, height, width);
    }
}
