using System.Globalization;
using EditToAudio.Networks;
using EditToAudio.Prompts;

namespace EditToAudio.ChangeDetection;

/// <summary>
/// SAM2's masks of several prompts on one side's image (the original for <see cref="EditSide.Remove"/>,
/// the edited image for <see cref="EditSide.Add"/>), in the prompts' order: one call per image, so the
/// image is encoded once.
/// </summary>
public delegate IReadOnlyList<SegmentationResult> SegmentSide(EditSide side, IReadOnlyList<IReadOnlyList<PromptPoint>> prompts, CancellationToken cancellationToken);

/// <summary>What a changed region holds.</summary>
public enum RegionRole
{
    /// <summary>An object in the original that is gone in the edit.</summary>
    Removed,

    /// <summary>An object absent from the original and present in the edit.</summary>
    Added,

    /// <summary>One object replaced by another: removed and added.</summary>
    Replaced,

    /// <summary>Neither side holds a confident object inside the region (a lighting or texture change): ignored.</summary>
    Unclear,
}

/// <summary>What one side of a region showed and what SAM2 made of it.</summary>
/// <param name="ObjectFraction">Fraction of the region whose colour on this side is unlike the region's surroundings.</param>
/// <param name="Prompt">The box and point SAM2 was given, or null when the side looked like its surroundings and SAM2 was not asked.</param>
/// <param name="PredictedIou">SAM2's predicted IoU of its mask (NaN when not asked).</param>
/// <param name="InsideFraction">Fraction of SAM2's mask inside the (slightly widened) region (NaN when not asked).</param>
/// <param name="MaskArea">Pixels of the mask kept (0 when none was).</param>
/// <param name="Accepted">Whether the side holds an object.</param>
/// <param name="Reason">Why it was accepted or not, in words.</param>
public sealed record SideFinding(double ObjectFraction, ObjectPrompt? Prompt, double PredictedIou, double InsideFraction, int MaskArea, bool Accepted, string Reason);

/// <summary>The decision about one changed region.</summary>
/// <param name="Region">The region.</param>
/// <param name="Role">What it holds.</param>
/// <param name="Original">The original image's side.</param>
/// <param name="Edited">The edited image's side.</param>
public sealed record RegionFinding(ChangedRegion Region, RegionRole Role, SideFinding Original, SideFinding Edited);

/// <summary>An object found on one side.</summary>
/// <param name="Side">Remove (on the original) or add (on the edited image).</param>
/// <param name="RegionIndex">The region it was found in.</param>
/// <param name="Prompt">The box and point that produced it.</param>
/// <param name="Segmentation">SAM2's result, its mask kept to the widened region.</param>
public sealed record FoundObject(EditSide Side, int RegionIndex, ObjectPrompt Prompt, SegmentationResult Segmentation);

/// <summary>Everything the engine found about an edit by itself.</summary>
/// <param name="Map">The change map.</param>
/// <param name="Regions">The decision about each region, in region order.</param>
/// <param name="Removed">The removed objects, in region order.</param>
/// <param name="Added">The added objects, in region order.</param>
public sealed record FoundObjects(ChangeMap Map, IReadOnlyList<RegionFinding> Regions, IReadOnlyList<FoundObject> Removed, IReadOnlyList<FoundObject> Added)
{
    /// <summary>The found objects of <paramref name="side"/>.</summary>
    public IReadOnlyList<FoundObject> this[EditSide side] => side == EditSide.Remove ? Removed : Added;
}

/// <summary>
/// Decides what each changed region holds. On each side, the region's pixels are compared with its
/// surroundings (a ring just outside it, whose median CIELAB colour stands for the background): a
/// side whose region looks like its surroundings holds no object. Otherwise SAM2 is prompted with
/// the region's box and the point of the unlike part farthest from its edge, and its mask is kept
/// only when it is confident (predicted IoU) and stays inside the region (a mask that spills out is
/// background or a larger object, not what the edit changed); the kept mask is trimmed to the
/// slightly widened region. A region with objects on both sides was replaced.
/// </summary>
public static class ObjectFinder
{
    /// <summary>Decides every region of <paramref name="map"/>, asking <paramref name="segment"/> once per side.</summary>
    public static FoundObjects Find(ChangeMap map, SegmentSide segment, ChangeDetectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(segment);
        options ??= new ChangeDetectionOptions();
        options.Validate();
        int longer = Math.Max(map.WorkingWidth, map.WorkingHeight);
        double margin = Math.Max(1, options.ClosingRadius * longer);

        var findings = new Dictionary<EditSide, SideFinding[]>();
        var found = new Dictionary<EditSide, FoundObject?[]>();
        foreach (EditSide side in Enum.GetValues<EditSide>())
        {
            var sides = new SideFinding[map.Regions.Count];
            var objects = new FoundObject?[map.Regions.Count];
            var asked = new List<int>();
            var prompts = new List<ObjectPrompt>();
            for (int r = 0; r < map.Regions.Count; r++)
            {
                (double fraction, (int X, int Y)? point) = Unlike(map, map.Regions[r], side, longer, options.MinObjectFraction);
                if (point is not { } interior)
                {
                    sides[r] = new SideFinding(fraction, null, double.NaN, double.NaN, 0, false,
                        string.Create(CultureInfo.InvariantCulture, $"in the {side.ImageName()} image the region looks like its surroundings ({fraction:P0} of it differs)"));
                    continue;
                }
                (double x, double y) = map.PointIn(interior.X, interior.Y, side);
                asked.Add(r);
                prompts.Add(new ObjectPrompt { Box = map.BoxIn(map.Regions[r], side), Points = [new PromptPoint(x, y)] });
                sides[r] = new SideFinding(fraction, null, double.NaN, double.NaN, 0, false, "");
            }
            IReadOnlyList<SegmentationResult> masks = asked.Count == 0 ? [] : segment(side, [.. prompts.Select(p => p.Sam2Points)], cancellationToken);
            if (masks.Count != asked.Count)
            {
                throw new InvalidOperationException($"The segmentation returned {masks.Count} masks for {asked.Count} prompts.");
            }
            for (int i = 0; i < asked.Count; i++)
            {
                int r = asked[i];
                ChangedRegion region = map.Regions[r];
                byte[] widened = map.MaskIn(BinaryMorphology.Dilate(region.Mask, map.WorkingWidth, map.WorkingHeight, margin), side);
                (SideFinding finding, SegmentationResult? kept) = Judge(masks[i], widened, RegionArea(map, region, side), sides[r].ObjectFraction, prompts[i], options);
                sides[r] = finding;
                objects[r] = kept is null ? null : new FoundObject(side, region.Index, prompts[i], kept);
            }
            findings[side] = sides;
            found[side] = objects;
        }

        var regions = new List<RegionFinding>(map.Regions.Count);
        for (int r = 0; r < map.Regions.Count; r++)
        {
            bool removed = found[EditSide.Remove][r] is not null, added = found[EditSide.Add][r] is not null;
            RegionRole role = (removed, added) switch
            {
                (true, true) => RegionRole.Replaced,
                (true, false) => RegionRole.Removed,
                (false, true) => RegionRole.Added,
                _ => RegionRole.Unclear,
            };
            regions.Add(new RegionFinding(map.Regions[r], role, findings[EditSide.Remove][r], findings[EditSide.Add][r]));
        }
        return new FoundObjects(map, regions,
            [.. found[EditSide.Remove].OfType<FoundObject>()], [.. found[EditSide.Add].OfType<FoundObject>()]);
    }

    /// <summary>
    /// The fraction of the region whose colour on <paramref name="side"/> is farther than the change
    /// threshold from the median colour of a ring around the region, and the point of that part farthest
    /// from its edge (null when the part is less than <paramref name="minimumFraction"/> of the region).
    /// </summary>
    private static (double Fraction, (int X, int Y)? Point) Unlike(ChangeMap map, ChangedRegion region, EditSide side, int longer, double minimumFraction)
    {
        int width = map.WorkingWidth, height = map.WorkingHeight;
        float[] lab = side == EditSide.Remove ? map.OriginalLab : map.EditedLab;
        double inner = Math.Max(1, 0.004 * longer), outer = inner + Math.Max(2, 0.012 * longer);
        byte[] near = BinaryMorphology.Dilate(region.Mask, width, height, inner);
        byte[] far = BinaryMorphology.Dilate(region.Mask, width, height, outer);
        var ring = new List<(float L, float A, float B)>();
        int Side(int x, int y)
        {
            (int sx, int sy) = map.ToSideWorking(x, y, side);
            return sx >= 0 && sx < width && sy >= 0 && sy < height ? sy * width + sx : -1;
        }
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                int s = far[i] == 1 && near[i] == 0 && map.Difference[i] <= map.Threshold ? Side(x, y) : -1;
                if (s >= 0)
                {
                    ring.Add((lab[3 * s], lab[3 * s + 1], lab[3 * s + 2]));
                }
            }
        }
        if (ring.Count == 0)
        {
            // The region fills the frame's compared part: nothing to tell the background by.
            return (1.0, Interior(region.Mask, width, height));
        }
        double l = Median(ring.Select(c => c.L)), a = Median(ring.Select(c => c.A)), b = Median(ring.Select(c => c.B));
        var unlike = new byte[width * height];
        int count = 0;
        for (int i = 0; i < unlike.Length; i++)
        {
            if (region.Mask[i] == 0)
            {
                continue;
            }
            int s = Side(i % width, i / width);
            if (s >= 0 && ColorDifference.Ciede2000(l, a, b, lab[3 * s], lab[3 * s + 1], lab[3 * s + 2]) > map.Threshold)
            {
                unlike[i] = 1;
                count++;
            }
        }
        double fraction = (double)count / region.Area;
        return (fraction, fraction >= minimumFraction && count > 0 ? Interior(unlike, width, height) : null);
    }

    /// <summary>The mask pixel farthest from every pixel outside the mask (the first in row order on ties).</summary>
    private static (int X, int Y) Interior(byte[] mask, int width, int height)
    {
        double[] distance = BinaryMorphology.SquaredDistanceTo(mask, width, height, 0);
        int best = -1;
        for (int i = 0; i < distance.Length; i++)
        {
            if (mask[i] == 1 && (best < 0 || distance[i] > distance[best]))
            {
                best = i;
            }
        }
        return (best % width, best / width);
    }

    private static (SideFinding Finding, SegmentationResult? Kept) Judge(
        SegmentationResult result, byte[] widened, double regionArea, double fraction, ObjectPrompt prompt, ChangeDetectionOptions options)
    {
        int area = 0, inside = 0;
        var kept = new byte[result.Mask.Length];
        for (int i = 0; i < kept.Length; i++)
        {
            if (result.Mask[i] != 0)
            {
                area++;
                if (widened[i] != 0)
                {
                    inside++;
                    kept[i] = 1;
                }
            }
        }
        double insideFraction = area == 0 ? 0 : (double)inside / area;
        string? rejection =
            area == 0 ? "SAM2's mask is empty"
            : result.PredictedIou < options.MinPredictedIou ? string.Create(CultureInfo.InvariantCulture, $"SAM2's predicted IoU {result.PredictedIou:F2} is below {options.MinPredictedIou:F2}")
            : insideFraction < options.MinInsideFraction ? string.Create(CultureInfo.InvariantCulture, $"SAM2's mask spills out of the region (only {insideFraction:P0} of it inside, {options.MinInsideFraction:P0} needed)")
            : inside < options.MinObjectFraction * regionArea ? string.Create(CultureInfo.InvariantCulture, $"SAM2's mask covers only {inside / regionArea:P0} of the region")
            : null;
        if (rejection is not null)
        {
            return (new SideFinding(fraction, prompt, result.PredictedIou, insideFraction, 0, false, rejection), null);
        }
        string accepted = string.Create(CultureInfo.InvariantCulture, $"SAM2's mask is confident (predicted IoU {result.PredictedIou:F2}) and {insideFraction:P0} inside the region");
        return (new SideFinding(fraction, prompt, result.PredictedIou, insideFraction, inside, true, accepted), result with { Mask = kept });
    }

    /// <summary>The region's area in <paramref name="side"/>'s image pixels.</summary>
    private static double RegionArea(ChangeMap map, ChangedRegion region, EditSide side)
    {
        (int width, int height) = map.ImageSize(side);
        return (double)region.Area * width * height / ((double)map.WorkingWidth * map.WorkingHeight);
    }

    private static double Median(IEnumerable<float> values)
    {
        float[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2.0;
    }
}
