using System.Text.Json;

namespace EditToAudio.Batch;

/// <summary>What a complete output folder's record must say.</summary>
/// <param name="Kind">The record's kind ("run", "embed" or "embed-sweep").</param>
/// <param name="Parameters">The parameters it must hold, as JSON.</param>
/// <param name="Settings">The sweep rows it must hold (embed-only sweeps), as JSON.</param>
/// <param name="OriginalSha256">Content hash of the original image now.</param>
/// <param name="EditedSha256">Content hash of the edited image now.</param>
/// <param name="RemovePoint">The remove prompt.</param>
/// <param name="AddPoint">The add prompt.</param>
/// <param name="ModelHashes">SHA-256 of every network file of the model set now.</param>
internal sealed record ExpectedRecord(
    string Kind, JsonElement Parameters, JsonElement? Settings, string OriginalSha256, string EditedSha256,
    double[] RemovePoint, double[] AddPoint, IReadOnlyDictionary<string, string> ModelHashes);

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
        && Numbers(inputs, "remove_point").SequenceEqual(expected.RemovePoint)
        && Numbers(inputs, "add_point").SequenceEqual(expected.AddPoint);

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

    private static double[] Numbers(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.Number)
            ? [.. value.EnumerateArray().Select(v => v.GetDouble())]
            : [];
}
