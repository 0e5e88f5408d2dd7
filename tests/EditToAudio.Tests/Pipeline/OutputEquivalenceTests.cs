using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EditToAudio.Models;
using EditToAudio.Samples;
using EditToAudio.Tests.Cli;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Pipeline;

/// <summary>
/// Every file that <c>demo</c> and a small batch (a sweep, baselines, a cache, a resumed rerun and an
/// embed-only sweep) write on the synthetic set, compared byte for byte with the hashes in
/// <c>Data/expected/outputs.json</c>. Records are compared after what legitimately changes from run to
/// run is blanked (clock times, durations, this machine's paths, the memory-sized chunk); everything
/// else, every number and every array, must be identical.
/// </summary>
/// <remarks>
/// After an intentional change of the outputs (a model set, a stage's arithmetic, a record field),
/// regenerate the expected hashes with
/// <c>EDIT2AUDIO_UPDATE_EXPECTED=1 dotnet test --project tests/EditToAudio.Tests -- --filter-class EditToAudio.Tests.Pipeline.OutputEquivalenceTests</c>
/// and commit <c>tests/EditToAudio.Tests/Data/expected/outputs.json</c> with the change.
/// </remarks>
public sealed class OutputEquivalenceTests
{
    private const string UpdateVariable = "EDIT2AUDIO_UPDATE_EXPECTED";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly string[] Fast = ["--steps", "5", "--candidates", "2", "--duration", "0.5", "--quiet"];

    [Fact]
    public async Task Demo_and_batch_outputs_are_byte_identical_to_the_expected_ones()
    {
        using var folder = new TemporaryFolder();
        var actual = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var canonical = new Dictionary<string, byte[]>(StringComparer.Ordinal);

        await Cli(["demo", "--out", folder.File("demo"), .. Fast]);
        Collect(folder, "demo", "demo", actual, canonical);

        DemoScene.SavePngs(folder.File("a"), DemoScene.Create());
        DemoScene.SavePngs(folder.File("b"), DemoScene.Create(160, 120));
        DemoImages b = DemoScene.Create(160, 120), a = DemoScene.Create();
        string manifest = folder.File("manifest.jsonl");
        File.WriteAllText(manifest, string.Create(CultureInfo.InvariantCulture, $$"""
            {"id": "swept", "original": "a/original.png", "edited": "a/edited.png", "remove_point": [{{a.RemovePoint.X}}, {{a.RemovePoint.Y}}], "add_point": [{{a.AddPoint.X}}, {{a.AddPoint.Y}}], "sweep": "k=5,10 alpha=0.05,0.1"}
            {"id": "single", "original": "b/original.png", "edited": "b/edited.png", "remove_point": [{{b.RemovePoint.X}}, {{b.RemovePoint.Y}}], "add_point": [{{b.AddPoint.X}}, {{b.AddPoint.Y}}], "baselines": true, "seed": 7, "mask_align": "crop"}

            """));
        string[] batch = ["batch", manifest, "--workers", "2", "--memory-gb", "4", "--cache", folder.File("cache"), .. Fast];

        await Cli([.. batch, "--out", folder.File("run")]);
        Collect(folder, "run", "batch", actual, canonical);
        // A rerun finds every item complete: only its records change.
        await Cli([.. batch, "--out", folder.File("run")]);
        Collect(folder, Path.Combine("run", "results.jsonl"), "batch-resumed/results.jsonl", actual, canonical);
        Collect(folder, Path.Combine("run", "batch.json"), "batch-resumed/batch.json", actual, canonical);

        await Cli([.. batch, "--out", folder.File("embed"), "--embed-only"]);
        Collect(folder, "embed", "batch-embed", actual, canonical);

        string expectedPath = Path.Combine(AppContext.BaseDirectory, "Data", "expected", "outputs.json");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            string source = Path.Combine(SourceFolder(), "..", "Data", "expected", "outputs.json");
            Directory.CreateDirectory(Path.GetDirectoryName(source)!);
            File.WriteAllText(source, JsonSerializer.Serialize(actual, Indented) + "\n");
            Assert.Skip($"{UpdateVariable}=1: wrote {actual.Count} expected hashes to {Path.GetFullPath(source)}.");
        }

        Dictionary<string, string> expected = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(expectedPath))!;
        string[] missing = [.. expected.Keys.Except(actual.Keys).Order(StringComparer.Ordinal)];
        string[] extra = [.. actual.Keys.Except(expected.Keys).Order(StringComparer.Ordinal)];
        string[] changed = [.. actual.Keys.Intersect(expected.Keys).Where(k => expected[k] != actual[k]).Order(StringComparer.Ordinal)];
        if (missing.Length + extra.Length + changed.Length > 0)
        {
            // Keep what was compared, so the difference can be read.
            string kept = Path.Combine(Path.GetTempPath(), "edit2audio-outputs-actual");
            foreach ((string name, byte[] bytes) in canonical)
            {
                string path = Path.Combine(kept, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, bytes);
            }
            Assert.Fail($"The outputs differ from Data/expected/outputs.json: {changed.Length} changed ({string.Join(", ", changed)}), " +
                $"{missing.Length} missing ({string.Join(", ", missing)}), {extra.Length} new ({string.Join(", ", extra)}). " +
                $"The compared files are in {kept}. If the change is intended, regenerate with {UpdateVariable}=1 (see this class's remarks).");
        }
    }

    private static async Task Cli(string[] args)
    {
        CliRunner.Outcome outcome = await CliRunner.RunAsync(args);
        Assert.True(outcome.ExitCode == 0, $"edit2audio {string.Join(' ', args)} exited {outcome.ExitCode}: {outcome.Error}");
    }

    /// <summary>Hashes every file under <paramref name="relative"/> (a folder or one file) under the name <paramref name="prefix"/>/….</summary>
    private static void Collect(TemporaryFolder folder, string relative, string prefix, SortedDictionary<string, string> hashes, Dictionary<string, byte[]> canonical)
    {
        string root = folder.File(relative);
        string[] files = File.Exists(root) ? [root] : Directory.GetFiles(root, "*", SearchOption.AllDirectories);
        foreach (string file in files)
        {
            string name = File.Exists(root) ? prefix : prefix + "/" + Path.GetRelativePath(root, file).Replace('\\', '/');
            byte[] bytes = Path.GetExtension(file) switch
            {
                ".json" => Canonical(File.ReadAllText(file), folder.Path),
                ".jsonl" => [.. File.ReadAllLines(file).SelectMany(line => Canonical(line, folder.Path).Concat("\n"u8.ToArray()))],
                _ => File.ReadAllBytes(file),
            };
            canonical[name] = bytes;
            hashes[name] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        }
    }

    /// <summary>The record with clock times, durations, machine paths and the memory-sized chunk blanked.</summary>
    private static byte[] Canonical(string json, string root)
    {
        string models = Path.GetFullPath(ModelSet.FindSyntheticFolder()!).TrimEnd(Path.DirectorySeparatorChar);
        JsonNode? node = Blank(null, JsonNode.Parse(json), root.TrimEnd(Path.DirectorySeparatorChar), models);
        return Encoding.UTF8.GetBytes(node!.ToJsonString(Indented));
    }

    private static JsonNode? Blank(string? key, JsonNode? node, string root, string models) => (key, node) switch
    {
        ("finished_utc", _) => "<time>",
        ("seconds", _) => 0,
        ("timings_seconds", JsonObject stages) => new JsonObject(stages.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)0))),
        // Sized from the host memory free at the time.
        ("items_per_chunk", _) => 0,
        (_, JsonObject values) => new JsonObject(values.Select(v => KeyValuePair.Create(v.Key, Blank(v.Key, v.Value, root, models)))),
        (_, JsonArray items) => new JsonArray([.. items.Select(i => Blank(null, i, root, models))]),
        (_, JsonValue value) when value.TryGetValue(out string? text) =>
            text.Replace(models, "<models>", StringComparison.Ordinal).Replace(root, "<root>", StringComparison.Ordinal),
        _ => node?.DeepClone(),
    };

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
