using EditToAudio.Images;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Images;

/// <summary>Test inputs shared by the image tests, and names for their elements in failure messages.</summary>
internal static class TestImages
{
    public static string DataDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "Data", "images");

    public static string DataFile(string name) => Path.Combine(DataDirectory, name);

    private static readonly Lazy<TestNpz> ClipGoldensLazy = new(() => TestNpz.Open(DataFile("clip_goldens.npz")));
    private static readonly Lazy<TestNpz> Sam2GoldensLazy = new(() => TestNpz.Open(DataFile("sam2_goldens.npz")));

    public static TestNpz ClipGoldens => ClipGoldensLazy.Value;

    public static TestNpz Sam2Goldens => Sam2GoldensLazy.Value;

    /// <summary>The integer pattern of scripts/make_image_goldens.py (formula_image); keep both in step.</summary>
    public static RgbImage Formula(int width, int height)
    {
        var pixels = new byte[3 * width * height];
        for (long y = 0; y < height; y++)
        {
            for (long x = 0; x < width; x++)
            {
                long i = 3 * ((y * width) + x);
                long dx = x - (width / 2);
                long dy = y - (height / 2);
                pixels[i] = (byte)(((x * 3) + (y * 5) + ((x * y) >> 6)) & 255);
                pixels[i + 1] = (byte)(((x ^ y) * 7) & 255);
                pixels[i + 2] = (byte)((((dx * dx) + (dy * dy)) >> 7) & 255);
            }
        }
        return new RgbImage(width, height, pixels, $"formula_{width}x{height}");
    }

    public static RgbImage FromArray(TestNpyArray array, string name)
    {
        Assert.Equal(3, array.Shape.Length);
        Assert.Equal(3, array.Shape[2]);
        return new RgbImage(array.Shape[1], array.Shape[0], array.AsBytes(), name);
    }

    public static RgbImage Random(Random random, int width, int height, string name)
    {
        var pixels = new byte[3 * width * height];
        random.NextBytes(pixels);
        return new RgbImage(width, height, pixels, name);
    }

    public static RgbImage Constant(int width, int height, byte r, byte g, byte b)
    {
        var pixels = new byte[3 * width * height];
        for (int i = 0; i < pixels.Length; i += 3)
        {
            pixels[i] = r;
            pixels[i + 1] = g;
            pixels[i + 2] = b;
        }
        return new RgbImage(width, height, pixels, $"constant_{width}x{height}");
    }

    /// <summary>Widens bytes for <see cref="Tolerance.AssertClose(ReadOnlySpan{double}, ReadOnlySpan{double}, double, double, string, Func{int, string}?)"/>.</summary>
    public static double[] Widen(ReadOnlySpan<byte> bytes)
    {
        var values = new double[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            values[i] = bytes[i];
        }
        return values;
    }

    /// <summary>
    /// Separable resampling weights from their definition, in float64: for each output sample i,
    /// kernel(d / s) for every source sample within reach, where d is the distance from the source
    /// sample's center to the output center (i + ½)·in/out in source pixels and s = max(in/out, 1)
    /// widens the kernel when downscaling (antialiasing); renormalized over the samples inside the
    /// image. Only non-zero weights are kept.
    /// </summary>
    public static (int Index, double Weight)[][] ResampleWeights(int inSize, int outSize, double support, Func<double, double> kernel)
    {
        double scale = (double)inSize / outSize;
        double stretch = Math.Max(scale, 1.0);
        var all = new (int, double)[outSize][];
        for (int i = 0; i < outSize; i++)
        {
            double center = (i + 0.5) * scale;
            int lo = Math.Max(0, (int)Math.Floor(center - (support * stretch) - 1));
            int hi = Math.Min(inSize - 1, (int)Math.Ceiling(center + (support * stretch) + 1));
            var taps = new List<(int Index, double Weight)>();
            for (int j = lo; j <= hi; j++)
            {
                double weight = kernel(Math.Abs(j + 0.5 - center) / stretch);
                if (weight != 0)
                {
                    taps.Add((j, weight));
                }
            }
            double total = taps.Sum(t => t.Weight);
            all[i] = [.. taps.Select(t => (t.Index, t.Weight / total))];
        }
        return all;
    }

    /// <summary>Names element i of an interleaved RGB image of the given width.</summary>
    public static string DescribeRgb(int i, int width) =>
        $"(x={i / 3 % width}, y={i / 3 / width}, channel {"RGB"[i % 3]})";

    /// <summary>Names element i of a planar [3, H, W] array.</summary>
    public static string DescribePlanar(int i, int width, int height) =>
        $"(channel {"RGB"[i / (width * height)]}, y={i % (width * height) / width}, x={i % width})";
}
