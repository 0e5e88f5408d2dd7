using EditToAudio.ChangeDetection;

namespace EditToAudio.Tests.ChangeDetection;

public class ColorDifferenceTests
{
    /// <summary>Pairs from Sharma, Wu and Dalal's CIEDE2000 test data (2005), with their published ΔE00.</summary>
    public static TheoryData<double, double, double, double, double, double, double> SharmaPairs() => new()
    {
        { 50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425 },
        { 50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615 },
        { 50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000 },
        { 50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669 },
        { 50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195 },
        { 50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065 },
        { 50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492 },
        { 60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644 },
        { 22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373 },
        { 90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441 },
        { 2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082 },
    };

    [Theory]
    [MemberData(nameof(SharmaPairs))]
    public void Ciede2000_matches_the_published_test_data(double l1, double a1, double b1, double l2, double a2, double b2, double expected)
    {
        Assert.Equal(expected, ColorDifference.Ciede2000(l1, a1, b1, l2, a2, b2), 4);
        Assert.Equal(expected, ColorDifference.Ciede2000(l2, a2, b2, l1, a1, b1), 4);
    }

    [Fact]
    public void Lab_of_srgb_matches_the_float64_formula()
    {
        byte[] rgb = [255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 228, 232, 222, 240, 140, 30, 12, 200, 90];
        float[] lab = ColorDifference.ToLab(rgb);
        for (int i = 0; i < rgb.Length / 3; i++)
        {
            (double l, double a, double b) = Reference(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
            Assert.True(Math.Abs(l - lab[3 * i]) < 0.05 && Math.Abs(a - lab[3 * i + 1]) < 0.05 && Math.Abs(b - lab[3 * i + 2]) < 0.05,
                $"pixel {i} ({rgb[3 * i]}, {rgb[3 * i + 1]}, {rgb[3 * i + 2]}): expected ({l:F3}, {a:F3}, {b:F3}), got ({lab[3 * i]:F3}, {lab[3 * i + 1]:F3}, {lab[3 * i + 2]:F3})");
        }
    }

    /// <summary>sRGB (IEC 61966-2-1) to CIELAB with the D65 white, in float64.</summary>
    private static (double L, double A, double B) Reference(byte r, byte g, byte b)
    {
        static double Linear(byte v)
        {
            double c = v / 255.0;
            return c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }
        double lr = Linear(r), lg = Linear(g), lb = Linear(b);
        double x = 0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb;
        double y = 0.2126729 * lr + 0.7151522 * lg + 0.0721750 * lb;
        double z = 0.0193339 * lr + 0.1191920 * lg + 0.9503041 * lb;
        static double F(double t) => t > 216.0 / 24389 ? Math.Cbrt(t) : (24389.0 / 27 * t + 16) / 116;
        double fx = F(x / 0.95047), fy = F(y / 1.0), fz = F(z / 1.08883);
        return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz));
    }
}
