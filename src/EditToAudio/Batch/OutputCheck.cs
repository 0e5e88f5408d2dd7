using System.Text.Json;
using EditToAudio.Pipeline;
using EditToAudio.Prompts;

namespace EditToAudio.Batch;

/// <summary>What a complete output folder's record must say.</summary>
/// <param name="Kind">The record's kind ("run", "embed" or "embed-sweep").</param>
/// <param name="Parameters">The parameters it must hold, as JSON.</param>
/// <param name="Settings">The sweep rows it must hold (embed-only sweeps), as JSON.</param>
/// <param name="OriginalSha256">Content hash of the original image now.</param>
/// <param name="EditedSha256">Content hash of the edited image now.</param>
/// <param name="Prompts">The item's prompts: its record's objects must have been given by them (or found, for a side left to the engine).</param>
/// <param name="ModelHashes">SHA-256 of every network file of the model set now.</param>
internal sealed record ExpectedRecord(
    string Kind, JsonElement Parameters, JsonElement? Settings, string OriginalSha256, string EditedSha256,
    EditPrompts Prompts, IReadOnlyDictionary<string, string> ModelHashes);

/// <summary>
/// Decides whether an output folder is complete, by checking rather than assuming: its record
/// (written last) exists and parses, every file it lists exists, and its kind, parameters, input
/// hashes, prompts and model hashes equal what the item would run now.
/// </summary>
internal static class OutputCheck
{
    /// <summary>The parsed record when the folder is complete; null otherwise.</summary>
    public static JsonElement? Complete(string folder, string recordFile, ExpectedRecord expected)
    {
        string path = Path.Combine(folder, recordFile);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            bool matches = root.ValueKind == JsonValueKind.Object
                && Text(root, "kind") == expected.Kind
                && root.TryGetProperty("parameters", out JsonElement parameters) && JsonElement.DeepEquals(parameters, expected.Parameters)
                && (expected.Settings is not { } settings || (root.TryGetProperty("settings", out JsonElement actual) && JsonElement.DeepEquals(actual, settings)))
                && InputsMatch(root, expected)
                && ModelsMatch(root, expected.ModelHashes)
                && OutputsExist(root, folder);
            return matches ? root.Clone() : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    private static bool InputsMatch(JsonElement root, ExpectedRecord expected) =>
        root.TryGetProperty("inputs", out JsonElement inputs) && inputs.ValueKind == JsonValueKind.Object
        && inputs.TryGetProperty("original", out JsonElement original) && Text(original, "sha256") == expected.OriginalSha256
        && inputs.TryGetProperty("edited", out JsonElement edited) && Text(edited, "sha256") == expected.EditedSha256
        && ObjectsMatch(root, expected.Prompts);

    /// <summary>
    /// Whether the record's objects came from <paramref name="prompts"/>: per side, the given objects' points,
    /// box, mask file and name in order, or only found objects for a side left to the engine.
    /// </summary>
    private static bool ObjectsMatch(JsonElement root, EditPrompts prompts)
    {
        if (!root.TryGetProperty("objects", out JsonElement objects) || objects.ValueKind != JsonValueKind.Array)
        {
            return false;
        }
        foreach (EditSide side in Enum.GetValues<EditSide>())
        {
            JsonElement[] recorded = [.. objects.EnumerateArray().Where(o => Text(o, "side") == side.Key())];
            SidePrompts given = prompts[side];
            if (given.IsAuto)
            {
                if (!recorded.All(o => Text(o, "source") == "found"))
                {
                    return false;
                }
                continue;
            }
            if (recorded.Length != given.Objects.Count)
            {
                return false;
            }
            for (int i = 0; i < recorded.Length; i++)
            {
                JsonElement expected = JsonSerializer.SerializeToElement(
                    ObjectRecord.Of(side, i + 1, given.Objects[i], "", null, 0, 0, null), BatchRecordJson.Default.ObjectRecord);
                bool same = Text(recorded[i], "source") == "given" && PromptKeys.All(key =>
                    recorded[i].TryGetProperty(key, out JsonElement value) && JsonElement.DeepEquals(value, expected.GetProperty(key)));
                if (!same)
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>The keys of an object's record that its prompt decides.</summary>
    private static readonly string[] PromptKeys = ["points", "negative_points", "box", "mask_file", "name"];

    private static bool ModelsMatch(JsonElement root, IReadOnlyDictionary<string, string> hashes)
    {
        if (!root.TryGetProperty("models", out JsonElement models) || !models.TryGetProperty("sha256", out JsonElement recorded)
            || recorded.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        var found = recorded.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null);
        return found.Count == hashes.Count && hashes.All(h => found.TryGetValue(h.Key, out string? value) && value == h.Value);
    }

    private static bool OutputsExist(JsonElement root, string folder)
    {
        if (!root.TryGetProperty("outputs", out JsonElement outputs) || outputs.ValueKind != JsonValueKind.Array)
        {
            return false;
        }
        foreach (JsonElement output in outputs.EnumerateArray())
        {
            string? file = output.ValueKind == JsonValueKind.String ? output.GetString() : null;
            // A record may only list files inside its own folder.
            if (string.IsNullOrEmpty(file) || Path.IsPathRooted(file) || file.Split('/', '\\').Contains("..") || !File.Exists(Path.Combine(folder, file)))
            {
                return false;
            }
        }
        return true;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
