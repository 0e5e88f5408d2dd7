using System.Globalization;
using EditToAudio.ChangeDetection;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Prompts;

namespace EditToAudio.Pipeline;

/// <summary>SAM2's masks of several prompts on one image, in the prompts' order (the image encoded once).</summary>
public delegate IReadOnlyList<SegmentationResult> SegmentImage(RgbImage image, IReadOnlyList<IReadOnlyList<PromptPoint>> prompts, CancellationToken cancellationToken);

/// <summary>One object of an edit, with its mask and where its prompt came from.</summary>
/// <param name="Side">Remove (on the original image) or add (on the edited image).</param>
/// <param name="Index">1-based within its side.</param>
/// <param name="Prompt">The prompt given, or the box and point found.</param>
/// <param name="Mask">Its mask at its image's resolution: SAM2's (kept to its region when found), or the one given.</param>
/// <param name="Role">"removed", "added", or "replaced" when found in a region whose object was replaced.</param>
/// <param name="Region">The changed region it was found in; null when given.</param>
public sealed record EditObject(EditSide Side, int Index, ObjectPrompt Prompt, SegmentationResult Mask, string Role, int? Region)
{
    /// <summary>Whether the object was found by the change detector rather than given.</summary>
    public bool Found => Region is not null;

    /// <summary>SAM2's predicted IoU, or null for a given mask.</summary>
    public double? PredictedIou => Prompt.HasMask ? null : Mask.PredictedIou;

    /// <summary>"removed 2: cat (found)": how overlays label the object.</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture,
        $"{(Side == EditSide.Remove ? "removed" : "added")} {Index}{(Prompt.Name is { Length: > 0 } name ? $": {name}" : "")}{(Found ? " (found)" : "")}");
}

/// <summary>Every object of an edit, and what the change detector decided when it was asked.</summary>
/// <param name="Removed">The removed objects (on the original image), in order.</param>
/// <param name="Added">The added objects (on the edited image), in order.</param>
/// <param name="Detection">What the change detector found, when a side was left to it; null otherwise.</param>
/// <param name="Warnings">Regions ignored and sides found empty.</param>
public sealed record EditObjects(IReadOnlyList<EditObject> Removed, IReadOnlyList<EditObject> Added, FoundObjects? Detection, IReadOnlyList<string> Warnings)
{
    /// <summary>The objects of <paramref name="side"/>.</summary>
    public IReadOnlyList<EditObject> this[EditSide side] => side == EditSide.Remove ? Removed : Added;

    /// <summary>
    /// The side's objects as one mask of its <paramref name="width"/>×<paramref name="height"/> image: the
    /// object's own for one object; otherwise the union (empty for none) with the lowest SAM2 predicted IoU
    /// among them (NaN when none came from SAM2).
    /// </summary>
    public SegmentationResult SideMask(EditSide side, int width, int height)
    {
        IReadOnlyList<EditObject> objects = this[side];
        if (objects.Count == 1)
        {
            return objects[0].Mask;
        }
        var union = new byte[width * height];
        foreach (EditObject item in objects)
        {
            byte[] mask = item.Mask.Mask;
            for (int i = 0; i < union.Length; i++)
            {
                union[i] |= mask[i];
            }
        }
        double[] scores = [.. objects.Where(o => o.PredictedIou is not null).Select(o => o.PredictedIou!.Value)];
        return new SegmentationResult(union, width, height, [], -1, scores.Length == 0 ? float.NaN : (float)scores.Min(), double.NaN);
    }

    /// <summary>
    /// Checks the prompts against the images before any network runs and reads the ready masks: every
    /// problem (a point or box outside its image, a mask of another size or that cannot be read) is listed.
    /// </summary>
    /// <returns>The prompts with every <see cref="ObjectPrompt.Mask"/> read.</returns>
    /// <exception cref="ArgumentException">Listing every problem, each naming the object, the image and its size.</exception>
    public static EditPrompts Prepare(EditPrompts prompts, RgbImage original, RgbImage edited)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(edited);
        var problems = new List<string>(prompts.Problems());
        SidePrompts Side(EditSide side, RgbImage image)
        {
            SidePrompts given = prompts[side];
            if (given.IsAuto)
            {
                return given;
            }
            var objects = new List<ObjectPrompt>();
            for (int i = 0; i < given.Objects.Count; i++)
            {
                ObjectPrompt prompt = given.Objects[i];
                string what = EditPrompts.Describe(side, i);
                problems.AddRange(prompt.OutsideProblems(what, image.Width, image.Height, image.Source));
                if (prompt.Mask is { } mask && (mask.Width != image.Width || mask.Height != image.Height))
                {
                    problems.Add($"{what}: the mask is {mask.Width}×{mask.Height} pixels, but {image.Source} is {image.Width}×{image.Height}; a mask must have its image's size");
                }
                else if (prompt.Mask is null && prompt.MaskPath is { Length: > 0 } path)
                {
                    try
                    {
                        prompt = prompt with { Mask = PromptMasks.Load(path, image.Width, image.Height, what, image.Source) };
                    }
                    catch (Exception error) when (error is InvalidDataException or IOException or ImageLoadException or IO.NpyFormatException or UnauthorizedAccessException)
                    {
                        problems.Add(error.Message.TrimEnd('.'));
                    }
                }
                objects.Add(prompt);
            }
            return SidePrompts.Of(objects);
        }
        var prepared = new EditPrompts(Side(EditSide.Remove, original), Side(EditSide.Add, edited));
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems.Select(p => p.TrimEnd('.') + ".")));
        }
        return prepared;
    }

    /// <summary>
    /// The objects of an edit: a side's given objects (their masks, or SAM2's masks of their prompts),
    /// and a side left to the engine found by <see cref="ChangeDetector"/> and <see cref="ObjectFinder"/>.
    /// SAM2 runs once per image: the given prompts of an image go in the same call as the region prompts
    /// the finder asks for on it.
    /// </summary>
    /// <param name="original">The original image.</param>
    /// <param name="edited">The edited image.</param>
    /// <param name="prompts">Prompts as <see cref="Prepare"/> returned them (ready masks read).</param>
    /// <param name="segment">SAM2 on one image.</param>
    /// <param name="detection">The change detector's settings; its defaults when null.</param>
    /// <param name="cancellationToken">Checked between the stages.</param>
    /// <exception cref="ChangeDetectionException">A side was left to the engine and the images are not an edit, or nothing was found at all.</exception>
    public static EditObjects Resolve(RgbImage original, RgbImage edited, EditPrompts prompts, SegmentImage segment, ChangeDetectionOptions? detection = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(edited);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(segment);
        RgbImage ImageOf(EditSide side) => side == EditSide.Remove ? original : edited;

        // The SAM2 prompts of the given objects, per side; segmented with the finder's, or on their own.
        var given = new Dictionary<EditSide, List<IReadOnlyList<PromptPoint>>>();
        var givenMasks = new Dictionary<EditSide, IReadOnlyList<SegmentationResult>>();
        foreach (EditSide side in Enum.GetValues<EditSide>())
        {
            given[side] = [.. prompts[side].Objects.Where(p => !p.HasMask).Select(p => p.Sam2Points)];
        }
        IReadOnlyList<SegmentationResult> SegmentWithGiven(EditSide side, IReadOnlyList<IReadOnlyList<PromptPoint>> extra, CancellationToken token)
        {
            IReadOnlyList<SegmentationResult> all = segment(ImageOf(side), [.. given[side], .. extra], token);
            givenMasks[side] = [.. all.Take(given[side].Count)];
            return [.. all.Skip(given[side].Count)];
        }

        FoundObjects? found = null;
        var warnings = new List<string>();
        if (prompts.NeedsDetection)
        {
            ChangeMap map;
            try
            {
                map = ChangeDetector.Detect(original, edited, detection, cancellationToken);
            }
            catch (ChangeDetectionException e) when (!(prompts.Remove.IsAuto && prompts.Add.IsAuto))
            {
                // One side was given: say why the images were compared at all.
                EditSide sought = prompts.Remove.IsAuto ? EditSide.Remove : EditSide.Add;
                throw new ChangeDetectionException(e.Reason,
                    $"The {sought.Key()} side has no prompt, so its objects were to be found from what changed between the images: {e.Message} Give the {sought.Key()} side's prompts, or for an edit that only {(sought == EditSide.Remove ? "adds" : "removes")} a prompt file whose \"{sought.Key()}\" list is empty.");
            }
            found = ObjectFinder.Find(map, (side, regionPrompts, token) => SegmentWithGiven(side, regionPrompts, token), detection, cancellationToken);
            foreach (RegionFinding region in found.Regions.Where(r => r.Role == RegionRole.Unclear))
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"Changed region {region.Region.Index} (box {map.BoxIn(region.Region, EditSide.Remove)} in the original) holds no confident object on either side and was ignored: in the original, {region.Original.Reason}; in the edited image, {region.Edited.Reason}."));
            }
            bool bothAuto = prompts.Remove.IsAuto && prompts.Add.IsAuto;
            if (bothAuto && found.Removed.Count == 0 && found.Added.Count == 0)
            {
                string why = map.Regions.Count == 0
                    ? string.Create(CultureInfo.InvariantCulture, $"no changed region is larger than the minimum (largest smoothed ΔE00 {map.MaxDifference:F1}, threshold {map.Threshold:F1}, {map.DroppedRegions} smaller region(s) dropped)")
                    : $"the {map.Regions.Count} changed region(s) hold no confident object";
                throw new ChangeDetectionException(ChangeRefusal.NothingFound,
                    $"No object that changed was found between {original.Source} and {edited.Source}: {why}; give the prompts of each side instead.");
            }
        }
        foreach (EditSide side in Enum.GetValues<EditSide>())
        {
            if (!givenMasks.ContainsKey(side))
            {
                givenMasks[side] = given[side].Count == 0 ? [] : segment(ImageOf(side), given[side], cancellationToken);
            }
        }

        IReadOnlyList<EditObject> Objects(EditSide side)
        {
            string role = side == EditSide.Remove ? "removed" : "added";
            if (prompts[side].IsAuto)
            {
                IReadOnlyList<FoundObject> sideFound = found![side];
                if (sideFound.Count == 0)
                {
                    warnings.Add($"No {role} object was found: the edit {(side == EditSide.Remove ? "removes" : "adds")} nothing.");
                }
                return [.. sideFound.Select((o, i) => new EditObject(side, i + 1, o.Prompt, o.Segmentation,
                    found.Regions.First(r => r.Region.Index == o.RegionIndex).Role == RegionRole.Replaced ? "replaced" : role, o.RegionIndex))];
            }
            var objects = new List<EditObject>();
            int next = 0;
            foreach (ObjectPrompt prompt in prompts[side].Objects)
            {
                SegmentationResult mask = prompt.HasMask ? GivenMask(prompt) : givenMasks[side][next++];
                objects.Add(new EditObject(side, objects.Count + 1, prompt, mask, role, null));
            }
            return objects;
        }
        return new EditObjects(Objects(EditSide.Remove), Objects(EditSide.Add), found, warnings);
    }

    /// <summary>A ready mask as a segmentation result (no SAM2 scores).</summary>
    private static SegmentationResult GivenMask(ObjectPrompt prompt)
    {
        BinaryMask mask = prompt.Mask ?? throw new InvalidOperationException($"The mask {prompt.MaskPath} was not read; call {nameof(EditObjects)}.{nameof(Prepare)} first.");
        return new SegmentationResult(mask.Values.ToArray(), mask.Width, mask.Height, [], -1, float.NaN, double.NaN);
    }
}
