using System.Text.Json;
using EditToAudio.Batch;
using EditToAudio.Pipeline;
using EditToAudio.Prompts;

namespace EditToAudio.Evaluation;

/// <summary>What kind of folder is evaluated.</summary>
public enum SourceKind
{
    /// <summary>One run folder (run.json), or one embed-only sweep of a pair (sweep.json).</summary>
    Run,

    /// <summary>A batch output folder: every item its results.jsonl lists.</summary>
    Batch,

    /// <summary>A folder whose subfolders are run folders (a sweep item's settings, or runs gathered by hand).</summary>
    Runs,
}

/// <summary>One pair to evaluate: a run folder, or one row of an embed-only sweep's arrays.</summary>
/// <param name="Id">The pair's id: the batch item's id, or the run folder's name.</param>
/// <param name="Setting">The setting's folder name inside the item (sweeps), or the sweep row's setting name; null for a plain run.</param>
/// <param name="Folder">Full path of the folder holding the record.</param>
/// <param name="RecordFile">run.json or sweep.json.</param>
/// <param name="Row">The row of an embed-only sweep's arrays; null for a run folder.</param>
/// <param name="Labels">The pair's own labels (a batch manifest's removed_label and added_label).</param>
public sealed record PairLocation(string Id, string? Setting, string Folder, string RecordFile, int? Row, IReadOnlyList<ObjectLabel> Labels)
{
    /// <summary>The names of the run's objects (its record's <c>objects[].name</c>), as labels of their roles.</summary>
    public IReadOnlyList<ObjectLabel> ObjectNames { get; init; } = [];

    /// <summary>"id" or "id/setting": how reports name the pair.</summary>
    public string Name => Setting is null ? Id : $"{Id}/{Setting}";
}

/// <summary>A pair that could not be evaluated, and why.</summary>
/// <param name="Name">"id" or "id/setting".</param>
/// <param name="Folder">Where it was looked for.</param>
/// <param name="Reason">What is missing or wrong, naming the file.</param>
public sealed record UnevaluatedPair(string Name, string Folder, string Reason);

/// <summary>
/// Finds the pairs under a folder: a run folder (run.json, or sweep.json with one pair per row), a
/// batch folder (the records each results.jsonl line lists, with the line's labels; failed items
/// are named as not evaluated), or a folder of run folders.
/// </summary>
public sealed class EvaluationSource
{
    private EvaluationSource(string folder, SourceKind kind, IReadOnlyList<PairLocation> pairs, IReadOnlyList<UnevaluatedPair> unevaluated)
    {
        Folder = folder;
        Kind = kind;
        Pairs = pairs;
        Unevaluated = unevaluated;
    }

    /// <summary>Full path of the evaluated folder.</summary>
    public string Folder { get; }

    /// <summary>What the folder is.</summary>
    public SourceKind Kind { get; }

    /// <summary>The pairs found, in order (batch: results order; runs: by folder name).</summary>
    public IReadOnlyList<PairLocation> Pairs { get; }

    /// <summary>Pairs known not to be evaluable before any file is read (failed batch items, records a batch lists that are gone).</summary>
    public IReadOnlyList<UnevaluatedPair> Unevaluated { get; }

    /// <summary>
    /// The model set folder the first record names (<c>models.folder</c>), when it still exists: the
    /// set that made the clips, whose CLAP audio network the evaluation should use.
    /// </summary>
    public string? RecordedModelFolder()
    {
        foreach (PairLocation pair in Pairs)
        {
            try
            {
                using JsonDocument record = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(pair.Folder, pair.RecordFile)));
                if (record.RootElement.TryGetProperty("models", out JsonElement models) && models.ValueKind == JsonValueKind.Object
                    && models.TryGetProperty("folder", out JsonElement folder) && folder.ValueKind == JsonValueKind.String
                    && Directory.Exists(folder.GetString()))
                {
                    return folder.GetString();
                }
                return null;
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                // The pair's own reading names the problem; the next record may still say.
            }
        }
        return null;
    }

    /// <summary>Finds the pairs under <paramref name="folder"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder is none of the kinds above, or a results file is unreadable.</exception>
    public static EvaluationSource Discover(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"The folder {full} does not exist.");
        }
        string name = Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar));
        if (File.Exists(Path.Combine(full, RunOutputs.RecordFile)) || File.Exists(Path.Combine(full, RunOutputs.SweepRecordFile)))
        {
            return new EvaluationSource(full, SourceKind.Run, RunPairs(name, null, full), []);
        }
        string[] results = ResultsFiles(full);
        if (results.Length > 0)
        {
            return FromResults(full, results);
        }
        var pairs = new List<PairLocation>();
        foreach (string sub in Directory.GetDirectories(full).Order(StringComparer.Ordinal))
        {
            string subName = Path.GetFileName(sub);
            if (File.Exists(Path.Combine(sub, RunOutputs.RecordFile)) || File.Exists(Path.Combine(sub, RunOutputs.SweepRecordFile)))
            {
                pairs.AddRange(RunPairs(name, subName, sub));
            }
        }
        if (pairs.Count == 0)
        {
            throw new InvalidDataException(
                $"{full} is not a run folder (no {RunOutputs.RecordFile} or {RunOutputs.SweepRecordFile}), a batch folder (no results.jsonl) or a folder of run folders; give the --out folder of run, embed, demo or batch.");
        }
        return new EvaluationSource(full, SourceKind.Runs, pairs, []);
    }

    /// <summary>The results files of a batch folder: results.jsonl, else every shard's results-shard-I-of-N.jsonl.</summary>
    private static string[] ResultsFiles(string folder)
    {
        string merged = Path.Combine(folder, BatchRunner.ResultsFileName(ShardSpec.All));
        return File.Exists(merged) ? [merged] : [.. Directory.GetFiles(folder, "results-shard-*.jsonl").Order(StringComparer.Ordinal)];
    }

    private static EvaluationSource FromResults(string folder, string[] files)
    {
        var pairs = new List<PairLocation>();
        var unevaluated = new List<UnevaluatedPair>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string file in files)
        {
            int number = 0;
            foreach (string line in File.ReadLines(file))
            {
                number++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }
                BatchItemResult item;
                try
                {
                    item = JsonSerializer.Deserialize(line, BatchLineJson.Default.BatchItemResult)
                        ?? throw new InvalidDataException($"{file} line {number} is null.");
                }
                catch (JsonException e)
                {
                    throw new InvalidDataException($"{file} line {number} is not a batch result: {e.Message}", e);
                }
                if (!seen.Add(item.Id))
                {
                    throw new InvalidDataException($"{file} line {number}: the item '{item.Id}' appears twice in the batch's results.");
                }
                string itemFolder = Path.Combine(folder, item.Id);
                if (item.Status == ItemStatus.Failed)
                {
                    unevaluated.Add(new UnevaluatedPair(item.Id, itemFolder, $"the batch failed this item: {item.Error}"));
                    continue;
                }
                IReadOnlyList<ObjectLabel> labels = item.Labels ?? [];
                string[] records = [.. item.Outputs.Where(o => o.EndsWith("/" + RunOutputs.RecordFile, StringComparison.Ordinal) || o.EndsWith("/" + RunOutputs.SweepRecordFile, StringComparison.Ordinal))];
                if (records.Length == 0)
                {
                    unevaluated.Add(new UnevaluatedPair(item.Id, itemFolder, $"{Path.GetFileName(file)} lists no {RunOutputs.RecordFile} for this item"));
                }
                foreach (string record in records)
                {
                    string recordFolder = Path.GetDirectoryName(Path.Combine(folder, record))!;
                    string relative = Path.GetRelativePath(itemFolder, recordFolder);
                    string? setting = relative == "." ? null : relative;
                    if (!File.Exists(Path.Combine(folder, record)))
                    {
                        unevaluated.Add(new UnevaluatedPair(setting is null ? item.Id : $"{item.Id}/{setting}", recordFolder, $"{record} is missing (the batch lists it)"));
                        continue;
                    }
                    pairs.AddRange(RunPairs(item.Id, setting, recordFolder, labels, item.Objects));
                }
            }
        }
        return new EvaluationSource(folder, SourceKind.Batch, pairs, unevaluated);
    }

    /// <summary>The pairs of one record folder: the run itself, or one per row of an embed-only sweep.</summary>
    /// <remarks>The objects' names come from <paramref name="objects"/> (a batch's results line) or else from the record.</remarks>
    private static List<PairLocation> RunPairs(string id, string? setting, string folder, IReadOnlyList<ObjectLabel>? labels = null, IReadOnlyList<ObjectRecord>? objects = null)
    {
        labels ??= [];
        string run = Path.Combine(folder, RunOutputs.RecordFile);
        if (File.Exists(run))
        {
            return [new PairLocation(id, setting, folder, RunOutputs.RecordFile, null, labels) { ObjectNames = objects is null ? ObjectNamesOf(run) : NamesOf(objects) }];
        }
        string sweep = Path.Combine(folder, RunOutputs.SweepRecordFile);
        var rows = new List<PairLocation>();
        try
        {
            using JsonDocument record = JsonDocument.Parse(File.ReadAllBytes(sweep));
            IReadOnlyList<ObjectLabel> names = objects is null ? ObjectNamesOf(record.RootElement) : NamesOf(objects);
            if (record.RootElement.TryGetProperty("settings", out JsonElement settings) && settings.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement row in settings.EnumerateArray())
                {
                    rows.Add(new PairLocation(id, row.GetProperty("name").GetString(), folder, RunOutputs.SweepRecordFile, row.GetProperty("row").GetInt32(), labels) { ObjectNames = names });
                }
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{sweep} is not a readable sweep record: {e.Message}", e);
        }
        if (rows.Count == 0)
        {
            throw new InvalidDataException($"{sweep} lists no settings.");
        }
        return rows;
    }

    /// <summary>The named objects of a run record; none when the record cannot be read (the pair's own reading then names the problem).</summary>
    private static List<ObjectLabel> ObjectNamesOf(string recordPath)
    {
        try
        {
            using JsonDocument record = JsonDocument.Parse(File.ReadAllBytes(recordPath));
            return ObjectNamesOf(record.RootElement);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static List<ObjectLabel> ObjectNamesOf(JsonElement record) =>
        record.TryGetProperty("objects", out JsonElement objects) && objects.ValueKind == JsonValueKind.Array
            ? NamesOf(objects.Deserialize(BatchRecordJson.Default.ListObjectRecord) ?? [])
            : [];

    /// <summary>The named objects as labels of their roles: a removed object's name labels the removed role.</summary>
    private static List<ObjectLabel> NamesOf(IEnumerable<ObjectRecord> objects) =>
        [.. objects.Where(o => !string.IsNullOrWhiteSpace(o.Name))
            .Select(o => new ObjectLabel(o.Side == EditSide.Remove.Key() ? ObjectRole.Removed : ObjectRole.Added, o.Name!.Trim()))];
}
