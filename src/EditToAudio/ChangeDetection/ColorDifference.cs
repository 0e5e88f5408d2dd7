using SixLabors.ImageSharp.ColorSpaces;
using SixLabors.ImageSharp.ColorSpaces.Conversion;

namespace EditToAudio.ChangeDetection;

/// <summary>
/// Perceptual colour differences: sRGB to CIELAB (D65 white, so sRGB's white needs no chromatic
/// adaptation) through ImageSharp's colour-space converter, and the CIEDE2000 difference ΔE00
/// (Sharma, Wu and Dalal, "The CIEDE2000 color-difference formula: implementation notes,
/// supplementary test data, and mathematical observations", 2005), with kL = kC = kH = 1.
/// A ΔE00 of about 1 is a just-noticeable difference; flat, distinct object colours differ by 20 or more.
/// </summary>
public static class ColorDifference
{
    private static readonly ColorSpaceConverter Converter = new(new ColorSpaceConverterOptions { TargetLabWhitePoint = Illuminants.D65 });

    /// <summary>CIELAB of interleaved 8-bit sRGB pixels: L*, a*, b* interleaved, three floats a pixel.</summary>
    public static float[] ToLab(ReadOnlySpan<byte> rgb)
    {
        if (rgb.Length % 3 != 0)
        {
            throw new ArgumentException($"Interleaved RGB needs a multiple of 3 bytes, got {rgb.Length}.", nameof(rgb));
        }
        int pixels = rgb.Length / 3;
        var input = new Rgb[pixels];
        for (int i = 0; i < pixels; i++)
        {
            input[i] = new Rgb(rgb[3 * i] / 255f, rgb[3 * i + 1] / 255f, rgb[3 * i + 2] / 255f);
        }
        var lab = new CieLab[pixels];
        Converter.Convert(input, lab);
        var result = new float[pixels * 3];
        for (int i = 0; i < pixels; i++)
        {
            result[3 * i] = lab[i].L;
            result[3 * i + 1] = lab[i].A;
            result[3 * i + 2] = lab[i].B;
        }
        return result;
    }

    /// <summary>CIEDE2000 between two CIELAB colours.</summary>
    public static double Ciede2000(double l1, double a1, double b1, double l2, double a2, double b2)
    {
        const double Pow25To7 = 6103515625.0; // 25^7
        double c1 = Math.Sqrt(a1 * a1 + b1 * b1), c2 = Math.Sqrt(a2 * a2 + b2 * b2);
        double meanC = (c1 + c2) / 2;
        double meanC7 = Math.Pow(meanC, 7);
        double g = 0.5 * (1 - Math.Sqrt(meanC7 / (meanC7 + Pow25To7)));
        double a1p = (1 + g) * a1, a2p = (1 + g) * a2;
        double c1p = Math.Sqrt(a1p * a1p + b1 * b1), c2p = Math.Sqrt(a2p * a2p + b2 * b2);
        double h1p = Hue(b1, a1p), h2p = Hue(b2, a2p);

        double deltaL = l2 - l1;
        double deltaC = c2p - c1p;
        double deltaHue = 0;
        if (c1p * c2p != 0)
        {
            deltaHue = h2p - h1p;
            if (deltaHue > 180)
            {
                deltaHue -= 360;
            }
            else if (deltaHue < -180)
            {
                deltaHue += 360;
            }
        }
        double deltaH = 2 * Math.Sqrt(c1p * c2p) * Math.Sin(Radians(deltaHue / 2));

        double meanL = (l1 + l2) / 2;
        double meanCp = (c1p + c2p) / 2;
        double meanH = h1p + h2p;
        if (c1p * c2p != 0)
        {
            meanH = Math.Abs(h1p - h2p) <= 180 ? meanH / 2 : meanH < 360 ? (meanH + 360) / 2 : (meanH - 360) / 2;
        }
        double t = 1 - 0.17 * Math.Cos(Radians(meanH - 30)) + 0.24 * Math.Cos(Radians(2 * meanH))
            + 0.32 * Math.Cos(Radians(3 * meanH + 6)) - 0.20 * Math.Cos(Radians(4 * meanH - 63));
        double deltaTheta = 30 * Math.Exp(-Math.Pow((meanH - 275) / 25, 2));
        double meanCp7 = Math.Pow(meanCp, 7);
        double rc = 2 * Math.Sqrt(meanCp7 / (meanCp7 + Pow25To7));
        double lOffset = (meanL - 50) * (meanL - 50);
        double sl = 1 + 0.015 * lOffset / Math.Sqrt(20 + lOffset);
        double sc = 1 + 0.045 * meanCp;
        double sh = 1 + 0.015 * meanCp * t;
        double rt = -Math.Sin(Radians(2 * deltaTheta)) * rc;

        double l = deltaL / sl, c = deltaC / sc, h = deltaH / sh;
        return Math.Sqrt(l * l + c * c + h * h + rt * c * h);
    }

    /// <summary>ΔE00 between pixel <paramref name="i"/> of <paramref name="labA"/> and pixel <paramref name="j"/> of <paramref name="labB"/> (interleaved L*, a*, b*).</summary>
    public static double Ciede2000(ReadOnlySpan<float> labA, int i, ReadOnlySpan<float> labB, int j) =>
        Ciede2000(labA[3 * i], labA[3 * i + 1], labA[3 * i + 2], labB[3 * j], labB[3 * j + 1], labB[3 * j + 2]);

    private static double Hue(double b, double a)
    {
        if (a == 0 && b == 0)
        {
            return 0;
        }
        double degrees = Math.Atan2(b, a) * 180 / Math.PI;
        return degrees < 0 ? degrees + 360 : degrees;
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180;
}
