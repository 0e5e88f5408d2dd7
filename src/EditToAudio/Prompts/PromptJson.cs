using System.Globalization;
using System.Text;
using System.Text.Json;
using EditToAudio.Networks;

namespace EditToAudio.Prompts;

/// <summary>A prompt file or a manifest's prompts were refused; <see cref="Exception.Message"/> lists every problem.</summary>
public sealed class PromptFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public PromptFormatException() : this("The prompts were refused.", []) { }

    /// <summary>Creates the exception with a message.</summary>
    public PromptFormatException(string message) : this(message, []) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public PromptFormatException(string message, Exception innerException) : base(message, innerException) => Problems = [];

    /// <summary>Creates the exception listing <paramref name="problems"/>.</summary>
    public PromptFormatException(string message, IReadOnlyList<string> problems) : base(message) => Problems = problems;

    /// <summary>Each problem, naming the key it is about.</summary>
    public IReadOnlyList<string> Problems { get; }
}

/// <summary>
/// The JSON form of an edit's prompts, used by prompt files (<c>--prompts P.json</c>) and by batch
/// manifest lines alike:
/// <code>
/// {"remove": [{"points": [[120, 80], [140, 95]], "negative_points": [[300, 40]], "name": "cat"},
///             {"box": [400, 60, 520, 200]}],
///  "add": [{"mask": "duck_mask.png"}]}
/// </code>
/// Each side is a list of objects or <c>"auto"</c> (found from what changed); a side left out is
/// <c>"auto"</c>, an empty list means no object on that side. An object has <c>points</c> (positive,
/// [[x, y], …]), <c>negative_points</c>, <c>box</c> ([x0, y0, x1, y1]), or a <c>mask</c> file (PNG or
/// .npy, relative to the file's folder) instead of all three, and an optional <c>name</c>. Coordinates
/// are in pixels of the side's image (original for remove, edited for add).
/// </summary>
public static class PromptJson
{
    /// <summary>The keys of a prompt file.</summary>
    public static IReadOnlyList<string> FileKeys { get; } = ["remove", "add"];

    /// <summary>The keys of one object.</summary>
    public static IReadOnlyList<string> ObjectKeys { get; } = ["points", "negative_points", "box", "mask", "name"];

    /// <summary>Reads a prompt file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="PromptFormatException">Listing every problem, each naming its key.</exception>
    public static EditPrompts Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The prompt file {full} does not exist.", full);
        }
        return Parse(File.ReadAllBytes(full), full);
    }

    /// <summary>Parses a prompt file's bytes; relative mask paths resolve against <paramref name="path"/>'s folder.</summary>
    /// <exception cref="PromptFormatException">Listing every problem, each naming its key.</exception>
    public static EditPrompts Parse(byte[] bytes, string path)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(path);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var errors = new List<string>();
        EditPrompts? prompts = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
            prompts = ReadFile(document.RootElement, folder, errors);
        }
        catch (JsonException e)
        {
            errors.Add(ErrorMessages.Json(e));
        }
        if (errors.Count > 0 || prompts is null)
        {
            var message = new StringBuilder($"{path}: the prompts were refused:");
            foreach (string error in errors)
            {
                message.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  {error}");
            }
            throw new PromptFormatException(message.ToString(), errors);
        }
        return prompts;
    }

    private static EditPrompts? ReadFile(JsonElement root, string folder, List<string> errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"expected a JSON object with \"remove\" and \"add\", got {root.ValueKind}");
            return null;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                errors.Add($"the key '{property.Name}' appears twice");
            }
            else if (!FileKeys.Contains(property.Name))
            {
                errors.Add($"unknown key '{property.Name}' (keys: {string.Join(", ", FileKeys)})");
            }
        }
        SidePrompts remove = root.TryGetProperty("remove", out JsonElement r) ? ReadSide(r, "remove", folder, errors) : SidePrompts.Auto;
        SidePrompts add = root.TryGetProperty("add", out JsonElement a) ? ReadSide(a, "add", folder, errors) : SidePrompts.Auto;
        var prompts = new EditPrompts(remove, add);
        return errors.Count == 0 ? prompts : null;
    }

    /// <summary>
    /// One side: <c>"auto"</c> or a list of objects. Problems are added to <paramref name="errors"/>, each
    /// starting with <paramref name="key"/> and the object's index ("remove[2].box: …").
    /// </summary>
    /// <param name="value">The side's JSON value.</param>
    /// <param name="key">The key it was found under, for messages.</param>
    /// <param name="folder">Folder that relative mask paths resolve against.</param>
    /// <param name="errors">Receives every problem.</param>
    public static SidePrompts ReadSide(JsonElement value, string key, string folder, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value.ValueKind == JsonValueKind.String && value.GetString() == "auto")
        {
            return SidePrompts.Auto;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add($"'{key}' must be \"auto\" or a list of objects like [{{\"points\": [[x, y]]}}, {{\"box\": [x0, y0, x1, y1]}}, {{\"mask\": \"file.png\"}}], got {Shorten(value.GetRawText())}");
            return SidePrompts.None;
        }
        var objects = new List<ObjectPrompt>();
        int index = 0;
        foreach (JsonElement element in value.EnumerateArray())
        {
            string where = string.Create(CultureInfo.InvariantCulture, $"{key}[{index}]");
            ObjectPrompt? prompt = ReadObject(element, where, folder, errors);
            if (prompt is not null)
            {
                int before = errors.Count;
                errors.AddRange(prompt.Problems(where));
                if (errors.Count == before)
                {
                    objects.Add(prompt);
                }
            }
            index++;
        }
        return SidePrompts.Of(objects);
    }

    /// <summary>The keys a batch manifest line may give its prompts by.</summary>
    public static IReadOnlyList<string> ManifestKeys { get; } = ["remove", "add", "remove_point", "add_point"];

    /// <summary>
    /// The prompts of a batch manifest line: per side, <c>remove</c> / <c>add</c> (a list of objects or
    /// <c>"auto"</c>, as in a prompt file) or the short <c>remove_point</c> / <c>add_point</c> ([x, y], one
    /// positive point); a side given by neither is found automatically. Problems go to <paramref name="errors"/>.
    /// </summary>
    /// <param name="line">The line's JSON object.</param>
    /// <param name="folder">Folder that relative mask paths resolve against (the manifest's).</param>
    /// <param name="errors">Receives every problem, naming its key.</param>
    public static EditPrompts ReadManifestLine(JsonElement line, string folder, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        SidePrompts Side(EditSide side)
        {
            string key = side.Key(), pointKey = key + "_point";
            bool hasList = line.TryGetProperty(key, out JsonElement list), hasPoint = line.TryGetProperty(pointKey, out JsonElement point);
            if (hasList && hasPoint)
            {
                errors.Add($"'{key}' and '{pointKey}' both give the {key} side's prompts; keep one");
                return SidePrompts.None;
            }
            if (hasList)
            {
                return ReadSide(list, key, folder, errors);
            }
            if (!hasPoint)
            {
                return SidePrompts.Auto;
            }
            double[]? xy = Numbers(point, 2);
            if (xy is null)
            {
                errors.Add($"'{pointKey}' must be [x, y] (two finite numbers, in image pixels), got {Shorten(point.GetRawText())}");
                return SidePrompts.None;
            }
            if (xy[0] < 0 || xy[1] < 0)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"'{pointKey}' [{xy[0]}, {xy[1]}] is negative (expected pixel coordinates ≥ 0)"));
            }
            return SidePrompts.Of(ObjectPrompt.FromPoint(new PromptPoint(xy[0], xy[1])));
        }
        return new EditPrompts(Side(EditSide.Remove), Side(EditSide.Add));
    }

    private static ObjectPrompt? ReadObject(JsonElement element, string where, string folder, List<string> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{where} must be an object with points, negative_points, box or mask, got {Shorten(element.GetRawText())}");
            return null;
        }
        int before = errors.Count;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                errors.Add($"{where}: the key '{property.Name}' appears twice");
            }
            else if (!ObjectKeys.Contains(property.Name))
            {
                errors.Add($"{where}: unknown key '{property.Name}' (keys: {string.Join(", ", ObjectKeys)})");
            }
        }
        List<PromptPoint> points = [
            .. Points(element, "points", PromptLabel.Positive, where, errors),
            .. Points(element, "negative_points", PromptLabel.Negative, where, errors)];
        PromptBox? box = null;
        if (element.TryGetProperty("box", out JsonElement boxValue))
        {
            double[]? values = Numbers(boxValue, 4);
            if (values is null)
            {
                errors.Add($"{where}.box must be [x0, y0, x1, y1] (four finite numbers, in image pixels), got {Shorten(boxValue.GetRawText())}");
            }
            else
            {
                box = new PromptBox(values[0], values[1], values[2], values[3]);
            }
        }
        string? mask = null;
        if (element.TryGetProperty("mask", out JsonElement maskValue))
        {
            if (maskValue.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(maskValue.GetString()))
            {
                errors.Add($"{where}.mask must be a mask file path (PNG or .npy), got {Shorten(maskValue.GetRawText())}");
            }
            else
            {
                mask = Path.GetFullPath(Path.Combine(folder, maskValue.GetString()!));
            }
        }
        string? name = null;
        if (element.TryGetProperty("name", out JsonElement nameValue))
        {
            if (nameValue.ValueKind != JsonValueKind.String)
            {
                errors.Add($"{where}.name must be a string, got {Shorten(nameValue.GetRawText())}");
            }
            else
            {
                name = nameValue.GetString();
            }
        }
        return errors.Count == before ? new ObjectPrompt { Points = points, Box = box, MaskPath = mask, Name = name } : null;
    }

    private static List<PromptPoint> Points(JsonElement element, string key, PromptLabel label, string where, List<string> errors)
    {
        if (!element.TryGetProperty(key, out JsonElement value))
        {
            return [];
        }
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2 && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number))
        {
            errors.Add($"{where}.{key} is a list of points: write [[x, y]] for one point, got {Shorten(value.GetRawText())}");
            return [];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add($"{where}.{key} must be a list of [x, y] points, got {Shorten(value.GetRawText())}");
            return [];
        }
        var points = new List<PromptPoint>();
        int index = 0;
        foreach (JsonElement point in value.EnumerateArray())
        {
            double[]? xy = Numbers(point, 2);
            if (xy is null)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{where}.{key}[{index}] must be [x, y] (two finite numbers, in image pixels), got {Shorten(point.GetRawText())}"));
            }
            else
            {
                points.Add(new PromptPoint(xy[0], xy[1], label));
            }
            index++;
        }
        return points;
    }

    /// <summary>The numbers of a JSON array of exactly <paramref name="count"/> finite numbers, else null.</summary>
    internal static double[]? Numbers(JsonElement value, int count)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != count)
        {
            return null;
        }
        var numbers = new double[count];
        int i = 0;
        foreach (JsonElement element in value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out numbers[i]) || !double.IsFinite(numbers[i]))
            {
                return null;
            }
            i++;
        }
        return numbers;
    }

    private static string Shorten(string raw) => raw.Length <= 80 ? raw : raw[..77] + "...";
}
