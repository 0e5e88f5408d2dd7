using EditToAudio.Images;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Images;

public class Sam2PreprocessorTests
{
    private const int Size = Sam2Preprocessor.InputSize;
    private const int Plane = Size * Size;
    private static readonly double[] Mean = [0.485, 0.456, 0.406];
    private static readonly double[] Std = [0.229, 0.224, 0.225];

    public static TheoryData<string> GoldenCases => ["scene", "formula_1500x1300", "formula_1024x700", "formula_2000x613"];

    private static RgbImage Input(string name)
    {
        if (name == "scene")
        {
            return ImageLoader.Load(TestImages.DataFile("scene_300x200.png"));
        }
        string[] size = name["formula_".Length..].Split('x');
        return TestImages.Formula(int.Parse(size[0]), int.Parse(size[1]));
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void Resize_matches_the_torch_emulation(string name)
    {
        int[] index = TestImages.Sam2Goldens[$"sam2_{name}_index"].AsInts();
        float[] expected = TestImages.Sam2Goldens[$"sam2_{name}_values"].AsFloats(); // [N, 3]
        float[] actual = Sam2Preprocessor.ResizeUnit(Input(name));
        Assert.Equal(3 * Plane, actual.Length);
        // float32 sums of at most a few dozen terms in [0, 1]; 1/255 would be the requirement.
        Tolerance.AssertClose(expected.Length, i => expected[i], i => actual[((i % 3) * Plane) + index[i / 3]], 2e-6, 0, $"{name}: SAM2 resize vs torch emulation",
            i => $"(channel {"RGB"[i % 3]}, y={index[i / 3] / Size}, x={index[i / 3] % Size})");
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void Input_is_the_resized_image_normalized_with_imagenet_statistics(string name)
    {
        int[] index = TestImages.Sam2Goldens[$"sam2_{name}_index"].AsInts();
        float[] golden = TestImages.Sam2Goldens[$"sam2_{name}_values"].AsFloats();
        float[] actual = Sam2Preprocessor.ToInput(Input(name));
        Tolerance.AssertClose(golden.Length, i => (golden[i] - Mean[i % 3]) / Std[i % 3], i => actual[((i % 3) * Plane) + index[i / 3]], 1e-5, 0, $"{name}: SAM2 input",
            i => $"(channel {"RGB"[i % 3]}, y={index[i / 3] / Size}, x={index[i / 3] % Size})");
    }

    [Fact]
    public void Matches_a_float64_reference_on_seeded_random_images()
    {
        var random = new Random(99);
        var sizes = new List<(int W, int H)> { (1, 1), (1, 2000), (1024, 1024), (1025, 1023), (3000, 40), (7, 5) };
        for (int i = 0; i < 6; i++)
        {
            sizes.Add((random.Next(1, 2500), random.Next(1, 2500)));
        }
        foreach ((int w, int h) in sizes)
        {
            RgbImage image = TestImages.Random(random, w, h, $"random_{w}x{h}");
            float[] actual = Sam2Preprocessor.ResizeUnit(image);
            (int Index, double Weight)[][] wx = Weights(w, Size);
            (int Index, double Weight)[][] wy = Weights(h, Size);
            // Every border sample plus seeded random ones: the full 2-D sum is costly at 1024².
            var samples = new List<int>();
            for (int k = 0; k < Size; k++)
            {
                samples.AddRange([k, ((Size - 1) * Size) + k, k * Size, (k * Size) + Size - 1]);
            }
            for (int k = 0; k < 3000; k++)
            {
                samples.Add(random.Next(Plane));
            }
            double Expected(int i)
            {
                int channel = i % 3;
                int pixel = samples[i / 3];
                double sum = 0;
                foreach ((int y, double wyv) in wy[pixel / Size])
                {
                    foreach ((int x, double wxv) in wx[pixel % Size])
                    {
                        sum += wyv * wxv * image.Pixels[(((y * w) + x) * 3) + channel] / 255.0;
                    }
                }
                return sum;
            }
            Tolerance.AssertClose(samples.Count * 3, Expected, i => actual[((i % 3) * Plane) + samples[i / 3]], 2e-6, 0, $"random {w}x{h}: SAM2 resize vs float64 reference",
                i => TestImages.DescribePlanar(((i % 3) * Plane) + samples[i / 3], Size, Size));
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(333, 2047)]
    [InlineData(1024, 1024)]
    public void Constant_images_stay_constant(int width, int height)
    {
        float[] actual = Sam2Preprocessor.ResizeUnit(TestImages.Constant(width, height, 0, 51, 255));
        double[] color = [0, 0.2, 1.0];
        Tolerance.AssertClose(actual.Length, i => color[i / Plane], i => actual[i], 1e-6, 0, $"constant {width}x{height}",
            i => TestImages.DescribePlanar(i, Size, Size));
    }

    [Fact]
    public void Span_overload_equals_the_array_overload()
    {
        RgbImage image = TestImages.Formula(300, 77);
        var destination = new float[Sam2Preprocessor.ValueCount];
        Sam2Preprocessor.ToInput(image, destination);
        Assert.Equal(Sam2Preprocessor.ToInput(image), destination);
        Assert.Throws<ArgumentException>(() => Sam2Preprocessor.ToInput(image, new float[10]));
    }

    [Fact]
    public void An_image_too_tall_for_the_intermediate_is_refused_by_name()
    {
        // 1×700000: the horizontal pass would need 3·700000·1024 > Array.MaxLength floats.
        var tall = new RgbImage(1, 700_000, new byte[3 * 700_000], "tall.png");
        var error = Assert.Throws<ArgumentException>(() => Sam2Preprocessor.ToInput(tall));
        Assert.Contains("'tall.png' (1x700000) is too tall", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(640, 480, 0f, 0f, 0f, 0f)]
    [InlineData(640, 480, 320f, 240f, 512f, 512f)]
    [InlineData(640, 480, 640f, 480f, 1024f, 1024f)]
    [InlineData(300, 200, 75f, 150f, 256f, 768f)]
    public void Points_scale_by_1024_over_the_image_size(int width, int height, float x, float y, float expectedX, float expectedY)
    {
        (float sx, float sy) = Sam2Preprocessor.ScalePoint(TestImages.Constant(width, height, 0, 0, 0), x, y);
        Assert.Equal(expectedX, sx, 1e-4f);
        Assert.Equal(expectedY, sy, 1e-4f);
    }

    /// <summary>Antialiased bilinear (align_corners=False): the triangle 1 − |d| of support 1, from the definition.</summary>
    private static (int Index, double Weight)[][] Weights(int inSize, int outSize) =>
        TestImages.ResampleWeights(inSize, outSize, 1, distance => Math.Max(0, 1 - distance));
}
