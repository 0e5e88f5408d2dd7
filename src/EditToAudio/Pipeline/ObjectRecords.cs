using EditToAudio.ChangeDetection;
using EditToAudio.Networks;
using EditToAudio.Prompts;

namespace EditToAudio.Pipeline;

/// <summary>One object of a run, as its record lists it: what prompted it (given or found), its role and its mask's size.</summary>
/// <param name="Side">"remove" (on the original image) or "add" (on the edited image).</param>
/// <param name="Index">1-based within its side.</param>
/// <param name="Role">"removed", "added", or "replaced" for an object found in a region whose object was replaced.</param>
/// <param name="Source">"given" (prompts or a mask from the user) or "found" (by the change detector).</param>
/// <param name="Name">The name given to it, or null.</param>
/// <param name="Points">Positive points, [x, y] in its image's pixels.</param>
/// <param name="NegativePoints">Negative points.</param>
/// <param name="Box">The box prompt [x0, y0, x1, y1], or null.</param>
/// <param name="MaskFile">The ready mask it was given, or null.</param>
/// <param name="Region">The changed region it was found in, or null.</param>
/// <param name="MaskArea">Pixels of its mask.</param>
/// <param name="Patches">CLIP patches its mask covers.</param>
/// <param name="PredictedIou">SAM2's predicted IoU of its mask, or null for a given mask.</param>
public sealed record ObjectRecord(
    string Side, int Index, string Role, string Source, string? Name,
    IReadOnlyList<double[]> Points, IReadOnlyList<double[]> NegativePoints, double[]? Box, string? MaskFile,
    int? Region, int MaskArea, int Patches, double? PredictedIou)
{
    /// <summary>The record of one object's prompt and mask.</summary>
    public static ObjectRecord Of(EditSide side, int index, ObjectPrompt prompt, string role, int? region, int maskArea, int patches, double? predictedIou)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return new ObjectRecord(side.Key(), index, role, region is null ? "given" : "found", prompt.Name,
            [.. prompt.Points.Where(p => p.IsPositive).Select(p => new[] { p.X, p.Y })],
            [.. prompt.Points.Where(p => p.Label == PromptLabel.Negative).Select(p => new[] { p.X, p.Y })],
            prompt.Box is { } box ? [box.X0, box.Y0, box.X1, box.Y1] : null,
            prompt.MaskPath, region, maskArea, patches, predictedIou);
    }
}

/// <summary>What the change detector measured and decided, for a run's record.</summary>
/// <param name="WorkingSize">[width, height] of the frame the images were compared in.</param>
/// <param name="Shift">[dx, dy]: the camera shift undone, in working pixels.</param>
/// <param name="Threshold">The ΔE00 threshold used.</param>
/// <param name="ThresholdRule">"otsu", "minimum" or "given".</param>
/// <param name="OtsuThreshold">Otsu's threshold of the smoothed difference.</param>
/// <param name="MaxDifference">The largest smoothed ΔE00.</param>
/// <param name="ChangedFraction">Fraction of the frame above the threshold, before clean-up.</param>
/// <param name="DroppedRegions">Regions dropped for their size.</param>
/// <param name="Regions">Each region kept and the decision about it.</param>
public sealed record DetectionRecord(
    int[] WorkingSize, int[] Shift, double Threshold, string ThresholdRule, double OtsuThreshold, double MaxDifference,
    double ChangedFraction, int DroppedRegions, IReadOnlyList<RegionRecord> Regions)
{
    /// <summary>The record of <paramref name="found"/>.</summary>
    public static DetectionRecord Of(FoundObjects found)
    {
        ArgumentNullException.ThrowIfNull(found);
        ChangeMap map = found.Map;
        double frame = (double)map.WorkingWidth * map.WorkingHeight;
        return new DetectionRecord(
            [map.WorkingWidth, map.WorkingHeight], [map.Shift.Dx, map.Shift.Dy], map.Threshold, map.ThresholdRule, map.OtsuThreshold,
            map.MaxDifference, map.ChangedFraction, map.DroppedRegions,
            [.. found.Regions.Select(r => new RegionRecord(
                r.Region.Index, r.Role.ToString().ToLowerInvariant(), r.Region.Area / frame,
                Box(map.BoxIn(r.Region, EditSide.Remove)), Box(map.BoxIn(r.Region, EditSide.Add)),
                SideRecord.Of(r.Original), SideRecord.Of(r.Edited)))]);

        static double[] Box(PromptBox box) => [box.X0, box.Y0, box.X1, box.Y1];
    }
}

/// <summary>One changed region and the decision about it.</summary>
/// <param name="Index">1-based, left to right.</param>
/// <param name="Role">"removed", "added", "replaced" or "unclear" (ignored).</param>
/// <param name="AreaFraction">Its share of the frame.</param>
/// <param name="OriginalBox">Its box in the original image's pixels.</param>
/// <param name="EditedBox">Its box in the edited image's pixels.</param>
/// <param name="Original">What the original image showed there.</param>
/// <param name="Edited">What the edited image showed there.</param>
public sealed record RegionRecord(int Index, string Role, double AreaFraction, double[] OriginalBox, double[] EditedBox, SideRecord Original, SideRecord Edited);

/// <summary>One image's side of a region decision.</summary>
/// <param name="ObjectFraction">Share of the region unlike its surroundings in this image.</param>
/// <param name="Asked">Whether SAM2 was prompted.</param>
/// <param name="PredictedIou">SAM2's predicted IoU, when asked.</param>
/// <param name="InsideFraction">Share of SAM2's mask inside the region, when asked.</param>
/// <param name="MaskArea">Pixels of the mask kept (0 when none).</param>
/// <param name="Accepted">Whether an object was found here.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record SideRecord(double ObjectFraction, bool Asked, double? PredictedIou, double? InsideFraction, int MaskArea, bool Accepted, string Reason)
{
    /// <summary>The record of <paramref name="finding"/>.</summary>
    public static SideRecord Of(SideFinding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        bool asked = finding.Prompt is not null;
        return new SideRecord(finding.ObjectFraction, asked, asked ? finding.PredictedIou : null, asked ? finding.InsideFraction : null, finding.MaskArea, finding.Accepted, finding.Reason);
    }
}
