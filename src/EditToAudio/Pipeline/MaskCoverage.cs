using System.Globalization;
using EditToAudio.Networks;
using EditToAudio.Prompts;

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

    /// <summary>
    /// The warnings for every object's mask, removed objects first; an object of a side with several is
    /// named by its number ("the remove object 2 mask").
    /// </summary>
    public static IReadOnlyList<string> Warnings(EditObjects objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var warnings = new List<string>();
        foreach (EditSide side in Enum.GetValues<EditSide>())
        {
            IReadOnlyList<EditObject> sideObjects = objects[side];
            foreach (EditObject item in sideObjects)
            {
                string prompt = sideObjects.Count == 1 ? side.Key() : string.Create(CultureInfo.InvariantCulture, $"{side.Key()} object {item.Index}");
                Check(item.Mask, prompt, side.ImageName(), warnings);
            }
        }
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
