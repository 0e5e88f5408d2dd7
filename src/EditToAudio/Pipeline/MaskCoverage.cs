using System.Globalization;
using EditToAudio.Networks;

namespace EditToAudio.Pipeline;

/// <summary>
/// Warns about masks that are unlikely to be the object the user meant: one covering most of its
/// image (a click on the background) or almost none of it (a click on an edge or a speck).
/// </summary>
public static class MaskCoverage
{
    /// <summary>A mask covering more than this share of its image is probably the background.</summary>
    public const double MostOfTheImage = 0.6;

    /// <summary>A mask covering less than this share of its image is probably not the object.</summary>
    public const double AlmostNone = 0.001;

    /// <summary>The warnings for the remove and add masks, in that order; none for plausible masks.</summary>
    public static IReadOnlyList<string> Warnings(SegmentationResult remove, SegmentationResult add)
    {
        ArgumentNullException.ThrowIfNull(remove);
        ArgumentNullException.ThrowIfNull(add);
        var warnings = new List<string>();
        Check(remove, "remove", "original", warnings);
        Check(add, "add", "edited", warnings);
        return warnings;
    }

    /// <summary>The share of its image's pixels a mask covers.</summary>
    public static double Fraction(SegmentationResult mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return (double)mask.Area / ((long)mask.Width * mask.Height);
    }

    private static void Check(SegmentationResult mask, string prompt, string image, List<string> warnings)
    {
        double fraction = Fraction(mask);
        if (fraction > MostOfTheImage)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"The {prompt} mask covers {fraction * 100:F0}% of the {image} image: the {prompt} point probably lies on the background, not on an object."));
        }
        else if (fraction < AlmostNone)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"The {prompt} mask covers almost none of the {image} image ({mask.Area} pixels, {fraction * 100:F2}%): the {prompt} point probably missed the object."));
        }
    }
}
