using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Evaluation;
using EditToAudio.Networks;

namespace EditToAudio.Batch;

/// <summary>One line of a batch manifest, resolved and validated.</summary>
/// <param name="Line">1-based line number in the manifest.</param>
/// <param name="Id">The item's id: its output folder's name.</param>
/// <param name="OriginalPath">Full path of the original image.</param>
/// <param name="EditedPath">Full path of the edited image.</param>
/// <param name="RemovePoint">A point on the removed object, in original-image pixels.</param>
/// <param name="AddPoint">A point on the added object, in edited-image pixels.</param>
/// <param name="Parameters">The command line's parameters with this line's overrides.</param>
/// <param name="Sweep">The sweep of this item (the line's own, else the command line's), or null.</param>
public sealed record ManifestItem(int Line, string Id, string OriginalPath, string EditedPath, PromptPoint RemovePoint, PromptPoint AddPoint, ItemParameters Parameters, SweepGrid? Sweep)
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
/// <c>remove_point</c> and <c>add_point</c> ([x, y] in pixels of the image), and optional per-line
/// overrides named like the command-line options (k, alpha, beta, mix, mask_align, mask_selection,
/// seed, var_samples, steps, guidance, eta, candidates, duration, rank_against, baselines, sweep) and the
/// objects' sound labels for the evaluation (removed_label, added_label).
/// Relative image paths are relative to the manifest's folder; blank lines are ignored. The whole
/// manifest is checked before any work starts: every problem is reported with its line.
/// </summary>
public sealed class BatchManifest
{
    /// <summary>Longest accepted id; ids name folders.</summary>
    public const int MaxIdLength = 128;

    /// <summary>Most problems listed in one refusal.</summary>
    public const int MaxReportedErrors = 50;

    /// <summary>The keys every line needs.</summary>
    public static IReadOnlyList<string> RequiredKeys { get; } = ["id", "original", "edited", "remove_point", "add_point"];

    /// <summary>The optional per-line keys.</summary>
    public static IReadOnlyList<string> OptionalKeys { get; } =
        ["k", "alpha", "beta", "mix", "mask_align", "mask_selection", "seed", "var_samples", "steps", "guidance", "eta", "candidates", "duration", "rank_against", "baselines", "sweep",
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
            errors.Add($"invalid JSON: {e.Message}");
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

            var reader = new LineReader(root, errors);
            string id = reader.Id();
            string original = reader.ImagePath("original", folder);
            string edited = reader.ImagePath("edited", folder);
            PromptPoint remove = reader.Point("remove_point");
            PromptPoint add = reader.Point("add_point");
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
                errors.Add(PlainMessage(e));
                return null;
            }
            return new ManifestItem(number, id, original, edited, remove, add, parameters, sweep) { Labels = labels };
        }
    }

    /// <summary>The message of a validation error without .NET's "(Parameter …)" suffix, with the value it got.</summary>
    internal static string PlainMessage(ArgumentException error)
    {
        string message = error.Message;
        int suffix = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (suffix >= 0)
        {
            message = message[..suffix];
        }
        message = message.Split('\n')[0].TrimEnd('.', '\r');
        return error is ArgumentOutOfRangeException { ActualValue: { } actual }
            ? string.Create(CultureInfo.InvariantCulture, $"{message} (got {actual})")
            : message;
    }

    /// <summary>Reads the typed values of one line, adding a message per bad value.</summary>
    private sealed class LineReader(JsonElement root, List<string> errors)
    {
        public string Id()
        {
            string? id = String("id");
            if (id is null)
            {
                return "";
            }
            bool valid = id.Length is > 0 and <= MaxIdLength && char.IsAsciiLetterOrDigit(id[0])
                && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
            if (!valid)
            {
                errors.Add($"id '{id}' is not a folder name: 1 to {MaxIdLength} characters from A-Z a-z 0-9 . _ -, starting with a letter or digit");
            }
            return id;
        }

        public string ImagePath(string key, string folder)
        {
            string? path = String(key);
            if (path is null)
            {
                return "";
            }
            if (path.Length == 0)
            {
                errors.Add($"'{key}' is empty (expected an image path, relative to the manifest's folder or absolute)");
                return "";
            }
            return System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, path));
        }

        public PromptPoint Point(string key)
        {
            JsonElement value = root.GetProperty(key);
            if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2
                && value[0].ValueKind == JsonValueKind.Number && value[1].ValueKind == JsonValueKind.Number
                && value[0].TryGetDouble(out double x) && value[1].TryGetDouble(out double y)
                && double.IsFinite(x) && double.IsFinite(y))
            {
                if (x < 0 || y < 0)
                {
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"'{key}' [{x}, {y}] is negative (expected pixel coordinates ≥ 0)"));
                }
                return new PromptPoint(x, y);
            }
            errors.Add($"'{key}' must be [x, y] (two finite numbers, in image pixels), got {value.GetRawText()}");
            return default;
        }

        public ItemParameters Parameters(ItemParameters defaults)
        {
            EditParameters edit = defaults.Edit;
            AudioOptions audio = defaults.Audio;
            SamplerOptions sampler = audio.Sampler;
            edit = edit with
            {
                K = Int("k") ?? edit.K,
                Alpha = Double("alpha") ?? edit.Alpha,
                Beta = Double("beta") ?? edit.Beta,
                Mix = Mix("mix") ?? edit.Mix,
                MaskAlignment = Enum<MaskAlignment>("mask_align") ?? edit.MaskAlignment,
            };
            sampler = sampler with
            {
                Steps = Int("steps") ?? sampler.Steps,
                Guidance = Double("guidance") ?? sampler.Guidance,
                Eta = Double("eta") ?? sampler.Eta,
            };
            audio = audio with
            {
                Sampler = sampler,
                Candidates = Int("candidates") ?? audio.Candidates,
                Duration = Double("duration") ?? audio.Duration,
                RankAgainst = Enum<RankTarget>("rank_against") ?? audio.RankAgainst,
            };
            return defaults with
            {
                Edit = edit,
                Audio = audio,
                MaskSelection = Enum<MaskSelection>("mask_selection") ?? defaults.MaskSelection,
                Seed = Seed() ?? defaults.Seed,
                VarSamples = Int("var_samples") ?? defaults.VarSamples,
                Baselines = Bool("baselines") ?? defaults.Baselines,
            };
        }

        public SweepGrid? Sweep()
        {
            if (!root.TryGetProperty("sweep", out JsonElement value))
            {
                return null;
            }
            string[]? terms = value.ValueKind switch
            {
                JsonValueKind.String => [value.GetString()!],
                JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. value.EnumerateArray().Select(e => e.GetString()!)],
                _ => null,
            };
            if (terms is null)
            {
                errors.Add($"'sweep' must be a string like \"k=5,10 alpha=0.05,0.1\" or an array of such terms, got {value.GetRawText()}");
                return null;
            }
            try
            {
                return SweepGrid.Parse(terms);
            }
            catch (FormatException e)
            {
                errors.Add($"sweep: {e.Message}");
                return null;
            }
        }

        public IEnumerable<ObjectLabel> Label(string key, ObjectRole role)
        {
            if (!root.TryGetProperty(key, out JsonElement value))
            {
                return [];
            }
            if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
            {
                errors.Add($"'{key}' must be a non-empty string (a sound label, e.g. \"a cat meowing\"), got {value.GetRawText()}");
                return [];
            }
            return [new ObjectLabel(role, value.GetString()!.Trim())];
        }

        private string? String(string key)
        {
            JsonElement value = root.GetProperty(key);
            if (value.ValueKind != JsonValueKind.String)
            {
                errors.Add($"'{key}' must be a string, got {value.GetRawText()}");
                return null;
            }
            return value.GetString();
        }

        private int? Int(string key)
        {
            if (!root.TryGetProperty(key, out JsonElement value))
            {
                return null;
            }
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result))
            {
                return result;
            }
            errors.Add($"'{key}' must be an integer, got {value.GetRawText()}");
            return null;
        }

        private ulong? Seed()
        {
            if (!root.TryGetProperty("seed", out JsonElement value))
            {
                return null;
            }
            if (value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out ulong result))
            {
                return result;
            }
            errors.Add($"'seed' must be an integer from 0 to {ulong.MaxValue}, got {value.GetRawText()}");
            return null;
        }

        private double? Double(string key)
        {
            if (!root.TryGetProperty(key, out JsonElement value))
            {
                return null;
            }
            if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double result) && double.IsFinite(result))
            {
                return result;
            }
            errors.Add($"'{key}' must be a finite number, got {value.GetRawText()}");
            return null;
        }

        private bool? Bool(string key)
        {
            if (!root.TryGetProperty(key, out JsonElement value))
            {
                return null;
            }
            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return value.GetBoolean();
            }
            errors.Add($"'{key}' must be true or false, got {value.GetRawText()}");
            return null;
        }

        private MixWeights? Mix(string key)
        {
            if (!root.TryGetProperty(key, out JsonElement value))
            {
                return null;
            }
            if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 3
                && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double d) && double.IsFinite(d)))
            {
                return new MixWeights(value[0].GetDouble(), value[1].GetDouble(), value[2].GetDouble());
            }
            if (value.ValueKind == JsonValueKind.String)
            {
                try
                {
                    return MixWeights.Parse(value.GetString()!);
                }
                catch (FormatException e)
                {
                    errors.Add($"'{key}': {e.Message}");
                    return null;
                }
            }
            errors.Add($"'{key}' must be [a, b, g] or \"a,b,g\", got {value.GetRawText()}");
            return null;
        }

        private TEnum? Enum<TEnum>(string key) where TEnum : struct, Enum
        {
            if (!root.TryGetProperty(key, out JsonElement value))
            {
                return null;
            }
            string? text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            string names = string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()));
            if (text is not null && !text.Any(char.IsAsciiDigit)
                && System.Enum.TryParse(text.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out TEnum result))
            {
                return result;
            }
            errors.Add($"'{key}' must be one of {names}, got {value.GetRawText()}");
            return null;
        }
    }
}
