using EditToAudio.Images;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Images;

public class ClipPreprocessorTests
{
    private const int Size = ClipGeometry.InputSize;
    private static readonly double[] Mean = [0.48145466, 0.4578275, 0.40821073];
    private static readonly double[] Std = [0.26862954, 0.26130258, 0.27577711];

    public static TheoryData<string> GoldenCases =>
    [
        "scene", "portrait", "gif_first_frame", "jpeg_oriented",
        "formula_1037x761", "formula_640x2000", "formula_150x100", "formula_224x500",
    ];

    // The input of each golden case as the engine gets it. Lossless files go through the loader,
    // so decoding is checked too; the JPEG uses Pillow's own decode, since JPEG decoders differ.
    private static RgbImage Input(string name) => name switch
    {
        "scene" => ImageLoader.Load(TestImages.DataFile("scene_300x200.png")),
        "portrait" => ImageLoader.Load(TestImages.DataFile("portrait_rgba_180x260.png")),
        "gif_first_frame" => ImageLoader.Load(TestImages.DataFile("two_frames_64x48.gif")),
        "jpeg_oriented" => TestImages.FromArray(TestImages.ClipGoldens["decoded_jpeg_oriented"], name),
        _ when name.StartsWith("formula_", StringComparison.Ordinal) => FormulaFromName(name),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown golden case"),
    };

    private static RgbImage FormulaFromName(string name)
    {
        string[] size = name["formula_".Length..].Split('x');
        return TestImages.Formula(int.Parse(size[0]), int.Parse(size[1]));
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void Resize_and_crop_equals_pillow(string name)
    {
        byte[] expected = TestImages.ClipGoldens["clip_" + name].AsBytes();
        RgbImage actual = ClipPreprocessor.ResizeAndCrop(Input(name));
        Assert.Equal(Size, actual.Width);
        Assert.Equal(Size, actual.Height);
        // The requirement: within one 8-bit level of Pillow ...
        double[] pillow = TestImages.Widen(expected), ours = TestImages.Widen(actual.Pixels);
        Tolerance.AssertClose(pillow, ours, 1, 0, $"{name}: CLIP resize+crop vs Pillow (levels)", i => TestImages.DescribeRgb(i, Size));
        // ... and the implementation claims more: Pillow's fixed-point arithmetic, bit for bit.
        Tolerance.AssertClose(pillow, ours, 0, 0, $"{name}: CLIP resize+crop vs Pillow (exact)", i => TestImages.DescribeRgb(i, Size));
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void Pixel_values_are_the_normalized_pillow_bytes(string name)
    {
        byte[] golden = TestImages.ClipGoldens["clip_" + name].AsBytes();
        float[] actual = ClipPreprocessor.ToPixelValues(Input(name));
        Assert.Equal(3 * Size * Size, actual.Length);
        const int plane = Size * Size;
        double Expected(int i)
        {
            int channel = i / plane;
            int pixel = i % plane;
            return ((golden[(pixel * 3) + channel] / 255.0) - Mean[channel]) / Std[channel];
        }
        // float32 arithmetic on values of magnitude < 3: a few ulps.
        Tolerance.AssertClose([.. Enumerable.Range(0, actual.Length).Select(Expected)], actual, 2e-6, 0, $"{name}: CLIP pixel values",
            i => TestImages.DescribePlanar(i, Size, Size));
    }

    [Fact]
    public void Matches_a_float64_reference_on_seeded_random_images()
    {
        var random = new Random(1234);
        var sizes = new List<(int W, int H)> { (1, 1), (1, 300), (300, 1), (224, 224), (225, 224), (223, 600), (57, 913), (2, 3) };
        for (int i = 0; i < 10; i++)
        {
            sizes.Add((random.Next(1, 700), random.Next(1, 700)));
        }
        foreach ((int w, int h) in sizes)
        {
            RgbImage image = TestImages.Random(random, w, h, $"random_{w}x{h}");
            byte[] expected = ReferenceResizeCrop(image);
            byte[] actual = ClipPreprocessor.ResizeAndCrop(image).Pixels;
            Tolerance.AssertClose(expected.Length, i => expected[i], i => actual[i], 1.0, 0, $"random {w}x{h}: CLIP resize+crop vs float64 reference",
                i => TestImages.DescribeRgb(i, Size));
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(37, 500)]
    [InlineData(900, 300)]
    [InlineData(224, 224)]
    public void Constant_images_stay_constant(int width, int height)
    {
        RgbImage image = TestImages.Constant(width, height, 7, 128, 250);
        byte[] actual = ClipPreprocessor.ResizeAndCrop(image).Pixels;
        byte[] color = [7, 128, 250];
        Tolerance.AssertClose(actual.Length, i => color[i % 3], i => actual[i], 0.0, 0, $"constant {width}x{height}",
            i => TestImages.DescribeRgb(i, Size));
    }

    [Fact]
    public void A_224_square_passes_through_unchanged()
    {
        RgbImage image = TestImages.Random(new Random(5), Size, Size, "square");
        Assert.Equal(image.Pixels, ClipPreprocessor.ResizeAndCrop(image).Pixels);
    }

    [Fact]
    public void Extremely_elongated_images_are_resized_only_inside_the_crop()
    {
        // 2 x 5,000,000: the resized side is 560 million rows, of which the crop keeps 224; weights
        // for all of them would take gigabytes. Each column is constant, so the vertical resize
        // is the identity on it and the window equals that of a 2x2 image with the same columns.
        const int width = 2, height = 5_000_000;
        byte[] left = [10, 200, 30], right = [250, 5, 90];
        var pixels = new byte[3 * width * height];
        for (int i = 0; i < pixels.Length; i += 6)
        {
            left.CopyTo(pixels, i);
            right.CopyTo(pixels, i + 3);
        }
        long allocatedBefore = GC.GetTotalAllocatedBytes();
        RgbImage window = ClipPreprocessor.ResizeAndCrop(new RgbImage(width, height, pixels, "needle"));
        long allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        Assert.True(allocated < 64L * 1024 * 1024, $"{allocated} bytes allocated");
        byte[] expected = ReferenceResizeCrop(new RgbImage(2, 2, [.. left, .. right, .. left, .. right], "2x2"));
        Tolerance.AssertClose(expected.Length, i => expected[i], i => window.Pixels[i], 1.0, 0, "elongated window",
            i => TestImages.DescribeRgb(i, Size));

        var tooLong = new RgbImage(1, 40_000_000, new byte[120_000_000], "thread");
        var error = Assert.Throws<ArgumentException>(() => ClipPreprocessor.ResizeAndCrop(tooLong));
        Assert.Contains("'thread' (1x40000000) is too elongated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Destination_of_the_wrong_length_is_refused()
    {
        RgbImage image = TestImages.Constant(10, 10, 1, 2, 3);
        var error = Assert.Throws<ArgumentException>(() => ClipPreprocessor.ToPixelValues(image, new float[100]));
        Assert.Contains("150528", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Pillow's BICUBIC resize written from its definition in float64: every source sample whose
    /// distance to the output center (in source pixels, divided by max(scale, 1)) is below 2 gets
    /// the Keys cubic weight (a = −0.5); weights are renormalized over the samples inside the
    /// image; each pass rounds half up and clamps to 8 bits, as Pillow's 8-bit intermediate does.
    /// Then torchvision's size rule and center crop.
    /// </summary>
    private static byte[] ReferenceResizeCrop(RgbImage image)
    {
        int w = image.Width, h = image.Height;
        int outW, outH;
        if (w <= h)
        {
            outW = Size;
            outH = (int)Math.Floor(Size * (double)h / w);
        }
        else
        {
            outH = Size;
            outW = (int)Math.Floor(Size * (double)w / h);
        }
        int left = (int)Math.Round((outW - Size) / 2.0, MidpointRounding.ToEven);
        int top = (int)Math.Round((outH - Size) / 2.0, MidpointRounding.ToEven);

        (int Index, double Weight)[][] wx = Weights(w, outW);
        (int Index, double Weight)[][] wy = Weights(h, outH);
        bool horizontal = outW != w, vertical = outH != h;

        // Horizontal pass over all rows (clarity over speed), window columns only.
        var middle = new byte[h, Size, 3];
        for (int y = 0; y < h; y++)
        {
            for (int cx = 0; cx < Size; cx++)
            {
                for (int c = 0; c < 3; c++)
                {
                    if (!horizontal)
                    {
                        middle[y, cx, c] = image.Pixels[(((y * w) + left + cx) * 3) + c];
                        continue;
                    }
                    double sum = 0;
                    foreach ((int x, double weight) in wx[left + cx])
                    {
                        sum += weight * image.Pixels[(((y * w) + x) * 3) + c];
                    }
                    middle[y, cx, c] = RoundClamp(sum);
                }
            }
        }
        var result = new byte[Size * Size * 3];
        for (int cy = 0; cy < Size; cy++)
        {
            for (int cx = 0; cx < Size; cx++)
            {
                for (int c = 0; c < 3; c++)
                {
                    if (!vertical)
                    {
                        result[(((cy * Size) + cx) * 3) + c] = middle[top + cy, cx, c];
                        continue;
                    }
                    double sum = 0;
                    foreach ((int y, double weight) in wy[top + cy])
                    {
                        sum += weight * middle[y, cx, c];
                    }
                    result[(((cy * Size) + cx) * 3) + c] = RoundClamp(sum);
                }
            }
        }
        return result;
    }

    private static byte RoundClamp(double value) => (byte)Math.Clamp(Math.Floor(value + 0.5), 0, 255);

    /// <summary>Pillow's bicubic (Keys, a = −0.5, support 2) weights from the definition.</summary>
    private static (int Index, double Weight)[][] Weights(int inSize, int outSize) =>
        TestImages.ResampleWeights(inSize, outSize, 2, distance =>
            distance < 1 ? (1.5 * distance * distance * distance) - (2.5 * distance * distance) + 1
            : distance < 2 ? (-0.5 * distance * distance * distance) + (2.5 * distance * distance) - (4 * distance) + 2
            : 0);
}
