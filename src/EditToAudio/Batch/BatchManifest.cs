using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EditToAudio.Evaluation;
using EditToAudio.Prompts;

namespace EditToAudio.Batch;

/// <summary>One line of a batch manifest, resolved and validated.</summary>
/// <param name="Line">1-based line number in the manifest.</param>
/// <param name="Id">The item's id: its output folder's name.</param>
/// <param name="OriginalPath">Full path of the original image.</param>
/// <param name="EditedPath">Full path of the edited image.</param>
/// <param name="Prompts">Each side's objects (points, boxes, mask files) or "auto" (found from what changed).</param>
/// <param name="Parameters">The command line's parameters with this line's overrides.</param>
/// <param name="Sweep">The sweep of this item (the line's own, else the command line's), or null.</param>
public sealed record ManifestItem(int Line, string Id, string OriginalPath, string EditedPath, EditPrompts Prompts, ItemParameters Parameters, SweepGrid? Sweep)
{
    /// <summary>The settings this item runs: the sweep's grid, or the item's own edit as the only one.</summary>
    public IReadOnlyList<SweepSetting> Settings { get; } = Sweep?.Expand(Parameters.Edit) ?? [new SweepSetting(SweepSetting.NameOf(Parameters.Edit), Parameters.Edit)];

    /// <summary>The sound labels of the removed and added objects (<c>removed_label</c>, <c>added_label</c>), for the evaluation; empty when the line gives none.</summary>
    public IReadOnlyList<ObjectLabel> Labels { get; init; } = [];
}

/// <summary>One problem of a manifest, with its line.</summary>
/// <param name="Line">1-based line number.</param>
/// <param name="Message">What is wrong and what was expected.</param>
public readonly record struct ManifestError(int Line, string Message);

/// <summary>A manifest was refused; every problem found is listed with its line.</summary>
public sealed class ManifestException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public ManifestException() : this("The manifest was refused.", []) { }

    /// <summary>Creates the exception with a message.</summary>
    public ManifestException(string message) : this(message, []) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ManifestException(string message, Exception innerException) : base(message, innerException) => Errors = [];

    /// <summary>Creates the exception listing <paramref name="errors"/>.</summary>
    public ManifestException(string message, IReadOnlyList<ManifestError> errors) : base(message) => Errors = errors;

    /// <summary>The problems, in line order.</summary>
    public IReadOnlyList<ManifestError> Errors { get; }
}

/// <summary>
/// A batch manifest: JSON Lines, one object per line with <c>id</c>, <c>original</c>, <c>edited</c>,
/// the prompts of each side (<c>remove</c> / <c>add</c>: a list of objects with points, negative_points,
/// box or mask, or <c>"auto"</c>; or the short <c>remove_point</c> / <c>add_point</c>, [x, y] in pixels
/// of the image; a side given neither is found from what changed, see <see cref="PromptJson"/>), and
/// optional per-line overrides named like the command-line options (k, alpha, beta, mix, mask_align,
/// mask_selection, objects, seed, var_samples, steps, guidance, eta, candidates, duration, rank_against,
/// baselines, sweep) and the objects' sound labels for the evaluation (removed_label, added_label).
/// Relative image and mask paths are relative to the manifest's folder; blank lines are ignored. The
/// whole manifest is checked before any work starts (mask files must exist): every problem is reported
/// with its line.
/// </summary>
public sealed class BatchManifest
{
    /// <summary>Longest accepted id; ids name folders.</summary>
    public const int MaxIdLength = 128;

    /// <summary>Most problems listed in one refusal.</summary>
    public const int MaxReportedErrors = 50;

    /// <summary>The keys every line needs.</summary>
    public static IReadOnlyList<string> RequiredKeys { get; } = ["id", "original", "edited"];

    /// <summary>The optional per-line keys.</summary>
    public static IReadOnlyList<string> OptionalKeys { get; } =
        [.. PromptJson.ManifestKeys, "k", "alpha", "beta", "mix", "mask_align", "mask_selection", "objects", "seed", "var_samples", "steps", "guidance", "eta", "candidates", "duration", "rank_against", "baselines", "sweep",
         "removed_label", "added_label"];

    private BatchManifest(string path, string sha256, IReadOnlyList<ManifestItem> items)
    {
        Path = path;
        Sha256 = sha256;
        Items = items;
    }

    /// <summary>Full path of the manifest.</summary>
    public string Path { get; }

    /// <summary>SHA-256 of the manifest's bytes (lowercase hex): shards of one manifest share it.</summary>
    public string Sha256 { get; }

    /// <summary>The items, in line order.</summary>
    public IReadOnlyList<ManifestItem> Items { get; }

    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    /// <param name="path">The manifest file.</param>
    /// <param name="defaults">The command line's parameters, which lines override.</param>
    /// <param name="defaultSweep">The command line's sweep, for lines without their own.</param>
    /// <exception cref="ManifestException">Listing every problem with its line.</exception>
    /// <exception cref="FileNotFoundException">The manifest does not exist.</exception>
    public static BatchManifest Load(string path, ItemParameters defaults, SweepGrid? defaultSweep = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The manifest {full} does not exist.", full);
        }
        byte[] bytes = File.ReadAllBytes(full);
        return Parse(bytes, full, defaults, defaultSweep);
    }

    /// <summary>Parses manifest bytes; relative image paths resolve against <paramref name="path"/>'s folder.</summary>
    /// <exception cref="ManifestException">Listing every problem with its line.</exception>
    public static BatchManifest Parse(byte[] bytes, string path, ItemParameters defaults, SweepGrid? defaultSweep = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(defaults);
        string full = System.IO.Path.GetFullPath(path);
        string folder = System.IO.Path.GetDirectoryName(full) ?? ".";
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new ManifestException($"{full}: the manifest is not valid UTF-8 ({e.Message}).", e);
        }
        string[] lines = text.Split('\n');
        var errors = new List<ManifestError>();
        var items = new List<ManifestItem>();
        var firstLineOfId = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (i == 0 && line.StartsWith('\uFEFF'))
            {
                line = line[1..];
            }
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            int number = i + 1;
            var lineErrors = new List<string>();
            ManifestItem? item = ParseLine(line, folder, defaults, defaultSweep, number, lineErrors);
            if (item is not null)
            {
                if (firstLineOfId.TryGetValue(item.Id, out int first))
                {
                    lineErrors.Add($"duplicate id '{item.Id}' (first used on line {first}; ids name output folders and must be unique, ignoring case)");
                }
                else
                {
                    firstLineOfId[item.Id] = number;
                    items.Add(item);
                }
            }
            errors.AddRange(lineErrors.Select(message => new ManifestError(number, message)));
        }
        if (errors.Count == 0 && items.Count == 0)
        {
            errors.Add(new ManifestError(1, "the manifest has no items (expected one JSON object per line)"));
        }
        if (errors.Count > 0)
        {
            throw Refusal(full, errors);
        }
        return new BatchManifest(full, Convert.ToHexStringLower(SHA256.HashData(bytes)), items);
    }

    /// <summary>The refusal of the manifest at <paramref name="path"/>, listing <paramref name="errors"/> by line.</summary>
    internal static ManifestException Refusal(string path, IReadOnlyList<ManifestError> errors)
    {
        var message = new StringBuilder($"{path}: the manifest was refused ({errors.Count} problem{(errors.Count == 1 ? "" : "s")}); nothing was run:");
        foreach (ManifestError error in errors.Take(MaxReportedErrors))
        {
            message.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  line {error.Line}: {error.Message}");
        }
        if (errors.Count > MaxReportedErrors)
        {
            message.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  … and {errors.Count - MaxReportedErrors} more");
        }
        return new ManifestException(message.ToString(), errors);
    }

    private static ManifestItem? ParseLine(string line, string folder, ItemParameters defaults, SweepGrid? defaultSweep, int number, List<string> errors)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            errors.Add(ErrorMessages.Json(e, oneLine: true));
            return null;
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"expected a JSON object, got {root.ValueKind}");
                return null;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    errors.Add($"the key '{property.Name}' appears twice");
                }
                else if (!RequiredKeys.Contains(property.Name) && !OptionalKeys.Contains(property.Name))
                {
                    errors.Add($"unknown key '{property.Name}' (keys: {string.Join(", ", RequiredKeys.Concat(OptionalKeys))})");
                }
            }
            foreach (string key in RequiredKeys)
            {
                if (!root.TryGetProperty(key, out _))
                {
                    errors.Add($"missing '{key}'");
                }
            }
            if (errors.Count > 0)
            {
                return null;
            }

            var reader = new ManifestLineReader(root, errors);
            string id = reader.Id();
            string original = reader.ImagePath("original", folder);
            string edited = reader.ImagePath("edited", folder);
            EditPrompts prompts = PromptJson.ReadManifestLine(root, folder, errors);
            foreach (string mask in new[] { prompts.Remove, prompts.Add }.SelectMany(side => side.Objects).Select(o => o.MaskPath).OfType<string>())
            {
                if (!File.Exists(mask))
                {
                    errors.Add($"the mask file {mask} does not exist");
                }
            }
            ItemParameters parameters = reader.Parameters(defaults);
            SweepGrid? sweep = reader.Sweep() ?? defaultSweep;
            List<ObjectLabel> labels = [.. reader.Label("removed_label", ObjectRole.Removed), .. reader.Label("added_label", ObjectRole.Added)];
            if (errors.Count > 0)
            {
                return null;
            }
            try
            {
                parameters.Validate();
            }
            catch (ArgumentException e)
            {
                errors.Add(ErrorMessages.Plain(e));
                return null;
            }
            return new ManifestItem(number, id, original, edited, prompts, parameters, sweep) { Labels = labels };
        }
    }
}
