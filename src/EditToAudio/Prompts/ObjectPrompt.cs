using System.Globalization;
using EditToAudio.Images;
using EditToAudio.Networks;

namespace EditToAudio.Prompts;

/// <summary>The two sides of an edit: objects removed (on the original image) and added (on the edited image).</summary>
public enum EditSide
{
    /// <summary>Objects the edit removed; their prompts and masks are on the original image.</summary>
    Remove,

    /// <summary>Objects the edit added; their prompts and masks are on the edited image.</summary>
    Add,
}

/// <summary>Names of the sides as messages and records use them.</summary>
public static class EditSides
{
    /// <summary>"remove" or "add", as options and prompt files spell the side.</summary>
    public static string Key(this EditSide side) => side == EditSide.Remove ? "remove" : "add";

    /// <summary>"original" or "edited": the image the side's prompts and masks belong to.</summary>
    public static string ImageName(this EditSide side) => side == EditSide.Remove ? "original" : "edited";
}

/// <summary>
/// One object on one side of an edit: either a SAM2 prompt (positive and negative points and at most
/// one box, all in that side's image pixels) or a ready mask file, which skips SAM2. Value equality
/// (two prompts with the same points, box, mask and name are equal).
/// </summary>
public sealed record ObjectPrompt
{
    /// <summary>Positive and negative points (<see cref="PromptLabel.Positive"/>, <see cref="PromptLabel.Negative"/>).</summary>
    public IReadOnlyList<PromptPoint> Points { get; init; } = [];

    /// <summary>A box around the object, or null.</summary>
    public PromptBox? Box { get; init; }

    /// <summary>A mask file (PNG, or NumPy .npy of 0/1 values) at the image's size; with it, SAM2 is not run for this object.</summary>
    public string? MaskPath { get; init; }

    /// <summary>The ready mask itself (given by a library caller, or read from <see cref="MaskPath"/>); with it, SAM2 is not run for this object.</summary>
    public BinaryMask? Mask { get; init; }

    /// <summary>A name for records and overlays ("cat"); null for none.</summary>
    public string? Name { get; init; }

    /// <summary>Whether the object comes as a ready mask.</summary>
    public bool HasMask => MaskPath is not null || Mask is not null;

    /// <summary>What SAM2's decoder takes: the box's two corners first (labels 2 and 3), then the points.</summary>
    public IReadOnlyList<PromptPoint> Sam2Points => Box is { } box ? [.. box.Corners, .. Points] : Points;

    /// <summary>One positive point: the form of the research workflow's prompts.</summary>
    public static ObjectPrompt FromPoint(PromptPoint point) => new() { Points = [point] };

    /// <summary>
    /// What is wrong with the prompt itself, one message each, each starting with <paramref name="what"/>
    /// ("remove object 1"): nothing to segment with, a mask mixed with points or a box, a point that is not
    /// a plain positive or negative point, a value that is not finite.
    /// </summary>
    public IEnumerable<string> Problems(string what)
    {
        if (HasMask)
        {
            if (MaskPath is { Length: 0 })
            {
                yield return $"{what}: the mask path is empty";
            }
            if (Points.Count > 0 || Box is not null)
            {
                yield return $"{what}: a mask is the object itself; it cannot be combined with points or a box (give either)";
            }
            yield break;
        }
        if (Box is null && !Points.Any(p => p.IsPositive))
        {
            yield return Points.Count == 0
                ? $"{what}: no point, box or mask"
                : $"{what}: only negative points; SAM2 needs a positive point or a box on the object";
        }
        foreach (PromptPoint point in Points)
        {
            if (point.IsBoxCorner)
            {
                yield return $"{what}: the point {point} is a box corner; give boxes as a box";
            }
            if (!double.IsFinite(point.X) || !double.IsFinite(point.Y))
            {
                yield return $"{what}: the point {point} has a value that is not a finite number";
            }
        }
        if (Box is { } box && !(double.IsFinite(box.X0) && double.IsFinite(box.Y0) && double.IsFinite(box.X1) && double.IsFinite(box.Y1) && box.X0 < box.X1 && box.Y0 < box.Y1))
        {
            yield return $"{what}: the box {box} is empty or not finite (left < right and top < bottom are needed)";
        }
    }

    /// <summary>
    /// The points and box that fall outside a <paramref name="width"/>×<paramref name="height"/> image,
    /// one message each naming <paramref name="image"/> and its size.
    /// </summary>
    public IEnumerable<string> OutsideProblems(string what, int width, int height, string image)
    {
        foreach (PromptPoint point in Points)
        {
            if (!(point.X >= 0 && point.X < width && point.Y >= 0 && point.Y < height))
            {
                yield return string.Create(CultureInfo.InvariantCulture,
                    $"{what}: the {(point.IsPositive ? "point" : "negative point")} ({point.X}, {point.Y}) lies outside {image}, which is {width}×{height} pixels");
            }
        }
        if (Box is { } box && !box.FitsIn(width, height))
        {
            yield return $"{what}: the box {box} reaches outside {image}, which is {width}×{height} pixels";
        }
    }

    /// <inheritdoc/>
    public bool Equals(ObjectPrompt? other) =>
        other is not null && Points.SequenceEqual(other.Points) && Box == other.Box && MaskPath == other.MaskPath && ReferenceEquals(Mask, other.Mask) && Name == other.Name;

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (PromptPoint point in Points)
        {
            hash.Add(point);
        }
        hash.Add(Box);
        hash.Add(MaskPath);
        hash.Add(Name);
        return hash.ToHashCode();
    }
}

/// <summary>
/// The prompts of one side: the objects given (possibly none, for an edit that only removes or only
/// adds), or <see cref="Auto"/> (the engine finds the side's objects from what changed between the images).
/// </summary>
public sealed record SidePrompts
{
    private SidePrompts(bool isAuto, IReadOnlyList<ObjectPrompt> objects)
    {
        IsAuto = isAuto;
        Objects = objects;
    }

    /// <summary>Found by the engine.</summary>
    public static SidePrompts Auto { get; } = new(true, []);

    /// <summary>No object on this side.</summary>
    public static SidePrompts None { get; } = new(false, []);

    /// <summary>Whether the engine finds the objects.</summary>
    public bool IsAuto { get; }

    /// <summary>The objects given; empty when <see cref="IsAuto"/>.</summary>
    public IReadOnlyList<ObjectPrompt> Objects { get; }

    /// <summary>The given objects, in order.</summary>
    public static SidePrompts Of(IEnumerable<ObjectPrompt> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        return new SidePrompts(false, [.. objects]);
    }

    /// <summary>The given objects, in order.</summary>
    public static SidePrompts Of(params ObjectPrompt[] objects) => Of((IEnumerable<ObjectPrompt>)objects);

    /// <inheritdoc/>
    public bool Equals(SidePrompts? other) => other is not null && IsAuto == other.IsAuto && Objects.SequenceEqual(other.Objects);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(IsAuto);
        foreach (ObjectPrompt prompt in Objects)
        {
            hash.Add(prompt);
        }
        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => IsAuto ? "auto" : $"{Objects.Count} object{(Objects.Count == 1 ? "" : "s")}";
}

/// <summary>The prompts of an edit: the removed objects' and the added objects'.</summary>
/// <param name="Remove">Objects removed, on the original image.</param>
/// <param name="Add">Objects added, on the edited image.</param>
public sealed record EditPrompts(SidePrompts Remove, SidePrompts Add)
{
    /// <summary>Both sides found by the engine.</summary>
    public static EditPrompts Auto { get; } = new(SidePrompts.Auto, SidePrompts.Auto);

    /// <summary>One positive point per side: the research workflow's prompts.</summary>
    public static EditPrompts FromPoints(PromptPoint remove, PromptPoint add) =>
        new(SidePrompts.Of(ObjectPrompt.FromPoint(remove)), SidePrompts.Of(ObjectPrompt.FromPoint(add)));

    /// <summary>Whether either side is found by the engine.</summary>
    public bool NeedsDetection => Remove.IsAuto || Add.IsAuto;

    /// <summary>The side's prompts.</summary>
    public SidePrompts this[EditSide side] => side == EditSide.Remove ? Remove : Add;

    /// <summary>Every problem of the prompts themselves (see <see cref="ObjectPrompt.Problems"/>), objects numbered from 1 per side.</summary>
    public IReadOnlyList<string> Problems() =>
        [.. Enum.GetValues<EditSide>().SelectMany(side => this[side].Objects.SelectMany((prompt, i) => prompt.Problems(Describe(side, i))))];

    /// <summary>"remove object 2": how messages name the object at <paramref name="index"/> (0-based) of <paramref name="side"/>.</summary>
    public static string Describe(EditSide side, int index) => string.Create(CultureInfo.InvariantCulture, $"{side.Key()} object {index + 1}");
}
