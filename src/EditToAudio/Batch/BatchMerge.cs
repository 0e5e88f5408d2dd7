using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EditToAudio.IO;

namespace EditToAudio.Batch;

/// <summary>What a merge joined.</summary>
/// <param name="ResultsPath">The merged results file.</param>
/// <param name="SummaryPath">The merged batch record.</param>
/// <param name="Sources">The results files read.</param>
/// <param name="Summary">The merged batch record.</param>
public sealed record MergeOutcome(string ResultsPath, string SummaryPath, IReadOnlyList<string> Sources, BatchSummary Summary);

/// <summary>
/// Joins the results of the shards of one manifest (<c>results-shard-I-of-N.jsonl</c> and
/// <c>batch-shard-I-of-N.json</c>, or an unsharded <c>results.jsonl</c>) from one or more folders
/// into one <c>results.jsonl</c> and <c>batch.json</c>. Refuses, listing every problem: an id that
/// appears twice, shards of different manifests, model sets or modes, a shard present twice, a
/// missing shard, and lines that do not parse. Output paths are rewritten relative to the merged folder.
/// </summary>
public static partial class BatchMerge
{
    /// <summary>Merges the results found in <paramref name="folders"/> into <paramref name="output"/>.</summary>
    /// <exception cref="InvalidDataException">Listing every duplicate or conflict; nothing is written.</exception>
    public static MergeOutcome Merge(IReadOnlyList<string> folders, string output)
    {
        ArgumentNullException.ThrowIfNull(folders);
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        if (folders.Count == 0)
        {
            throw new ArgumentException("Name at least one folder with shard results.", nameof(folders));
        }
        string outputFolder = Path.GetFullPath(output);
        var problems = new List<string>();
        var sources = new List<(string Folder, string Results, BatchSummary Summary)>();
        foreach (string folder in folders.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal))
        {
            if (!Directory.Exists(folder))
            {
                problems.Add($"{folder} does not exist");
                continue;
            }
            string[] sharded = [.. Directory.GetFiles(folder, "results-shard-*.jsonl").Where(f => ShardFileName().IsMatch(Path.GetFileName(f))).Order(StringComparer.Ordinal)];
            // A folder that holds shard files may also hold an earlier merge's results.jsonl: that is output, not input.
            string[] files = sharded.Length > 0 ? sharded : [.. new[] { Path.Combine(folder, "results.jsonl") }.Where(File.Exists)];
            if (files.Length == 0)
            {
                problems.Add($"{folder} holds no results.jsonl or results-shard-I-of-N.jsonl");
            }
            foreach (string results in files)
            {
                string summaryPath = Path.Combine(folder, "batch" + Path.GetFileNameWithoutExtension(results)["results".Length..] + ".json");
                try
                {
                    BatchSummary summary = JsonSerializer.Deserialize(File.ReadAllBytes(summaryPath), BatchRecordJson.Default.BatchSummary)
                        ?? throw new JsonException("the file holds null");
                    sources.Add((folder, results, summary));
                }
                catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
                {
                    problems.Add($"{summaryPath} (the batch record beside {Path.GetFileName(results)}) cannot be read: {e.Message}");
                }
            }
        }

        CheckConsistent(sources.Select(s => s.Summary).ToList(), sources.Select(s => s.Results).ToList(), problems);

        var merged = new List<BatchItemResult>();
        var firstSource = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach ((string folder, string results, _) in sources)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(results);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{results} cannot be read: {e.Message}");
                continue;
            }
            for (int i = 0; i < lines.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(lines[i]))
                {
                    continue;
                }
                BatchItemResult? item;
                try
                {
                    item = JsonSerializer.Deserialize(lines[i], BatchLineJson.Default.BatchItemResult);
                }
                catch (JsonException e)
                {
                    problems.Add($"{results}:{i + 1}: not a result line: {e.Message}");
                    continue;
                }
                if (item is null)
                {
                    problems.Add($"{results}:{i + 1}: not a result line");
                    continue;
                }
                if (firstSource.TryGetValue(item.Id, out string? first))
                {
                    problems.Add($"id '{item.Id}' appears in {first} and in {results}:{i + 1}");
                    continue;
                }
                firstSource[item.Id] = $"{results}:{i + 1}";
                merged.Add(item with
                {
                    Outputs = [.. item.Outputs.Select(o => Path.GetRelativePath(outputFolder, Path.Combine(folder, o)).Replace('\\', '/'))],
                });
            }
        }

        if (problems.Count > 0)
        {
            var message = new StringBuilder($"batch-merge refused ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}); nothing was written:");
            foreach (string problem in problems)
            {
                message.Append(Environment.NewLine).Append("  ").Append(problem);
            }
            throw new InvalidDataException(message.ToString());
        }

        BatchSummary total = Combine(sources.Select(s => s.Summary).ToList(), merged);
        var text = new StringBuilder();
        foreach (BatchItemResult item in merged.OrderBy(r => r.Line))
        {
            text.Append(ReadableJson.Serialize(item, BatchLineJson.Default.BatchItemResult)).Append('\n');
        }
        string resultsPath = Path.Combine(outputFolder, BatchRunner.ResultsFileName(ShardSpec.All));
        string summaryOut = Path.Combine(outputFolder, BatchRunner.SummaryFileName(ShardSpec.All));
        AtomicFile.WriteAllText(resultsPath, text.ToString());
        AtomicFile.WriteAllText(summaryOut, ReadableJson.Serialize(total, BatchRecordJson.Default.BatchSummary) + "\n");
        return new MergeOutcome(resultsPath, summaryOut, [.. sources.Select(s => s.Results)], total);
    }

    private static void CheckConsistent(List<BatchSummary> summaries, List<string> files, List<string> problems)
    {
        if (summaries.Count == 0)
        {
            return;
        }
        void Same(Func<BatchSummary, string> field, string what)
        {
            var values = summaries.Select(field).Distinct(StringComparer.Ordinal).ToList();
            if (values.Count > 1)
            {
                problems.Add($"the shards disagree on the {what}: {string.Join(" vs ", values)}");
            }
        }
        Same(s => s.ManifestSha256, "manifest (SHA-256)");
        Same(s => s.ModelSetHash, "model set (hash)");
        Same(s => s.Mode, "mode (run or embed)");

        var shards = new List<ShardSpec>();
        for (int i = 0; i < summaries.Count; i++)
        {
            try
            {
                shards.Add(ShardSpec.Parse(summaries[i].Shard));
            }
            catch (FormatException e)
            {
                problems.Add($"{files[i]}: shard '{summaries[i].Shard}': {e.Message}");
            }
        }
        if (shards.Select(s => s.Count).Distinct().Count() > 1)
        {
            problems.Add($"the shards split the manifest into different counts ({string.Join(", ", shards.Select(s => s.Count).Distinct())})");
        }
        foreach (var twice in shards.GroupBy(s => s).Where(g => g.Count() > 1))
        {
            problems.Add($"shard {twice.Key} is present {twice.Count()} times");
        }
        if (shards.Select(s => s.Count).Distinct().Count() == 1)
        {
            int n = shards[0].Count;
            int[] missing = [.. Enumerable.Range(0, n).Where(i => !shards.Any(s => s.Index == i))];
            if (missing.Length > 0)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"shard{(missing.Length == 1 ? "" : "s")} {string.Join(", ", missing)} of {n} {(missing.Length == 1 ? "is" : "are")} missing"));
            }
        }
    }

    private static BatchSummary Combine(List<BatchSummary> summaries, List<BatchItemResult> items)
    {
        BatchSummary first = summaries[0];
        var calls = new Dictionary<string, long>();
        var work = new WorkCounts();
        foreach (BatchSummary summary in summaries)
        {
            foreach ((string network, long count) in summary.NetworkCalls)
            {
                calls[network] = calls.GetValueOrDefault(network) + count;
            }
            work.ImagesDecoded += summary.Work.ImagesDecoded;
            work.MasksSegmented += summary.Work.MasksSegmented;
            work.MasksFromCache += summary.Work.MasksFromCache;
            work.TokensEncoded += summary.Work.TokensEncoded;
            work.TokensFromCache += summary.Work.TokensFromCache;
            work.RegionDecompositions += summary.Work.RegionDecompositions;
            work.Edits += summary.Work.Edits;
            work.MappedEmbeddings += summary.Work.MappedEmbeddings;
            work.Clips += summary.Work.Clips;
        }
        return first with
        {
            FinishedUtc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            Shard = ShardSpec.All.ToString(),
            Provider = string.Join(",", summaries.Select(s => s.Provider).Distinct()),
            MemorySource = summaries.Any(s => s.MemorySource is not null) ? string.Join(",", summaries.Select(s => s.MemorySource).OfType<string>().Distinct()) : null,
            Items = items.Count,
            Ok = items.Count(r => r.Status == ItemStatus.Ok),
            Failed = items.Count(r => r.Status == ItemStatus.Failed),
            Skipped = items.Count(r => r.Status == ItemStatus.Skipped),
            Cancelled = summaries.Any(s => s.Cancelled),
            NetworkCalls = calls,
            Work = work,
            Workers = summaries.Max(s => s.Workers),
            Seconds = summaries.Sum(s => s.Seconds),
        };
    }

    [GeneratedRegex(@"^results-shard-\d+-of-\d+\.jsonl$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardFileName();
}
