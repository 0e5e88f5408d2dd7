using System.Diagnostics;
using System.Globalization;
using System.Text;
using EditToAudio.IO;
using EditToAudio.Models;

namespace EditToAudio.Batch;

// Recording what finished: results.jsonl as items complete, batch.json at the end, and progress.
internal sealed partial class BatchRun
{
    private void Record(ItemWork work)
    {
        work.Recorded = true;
        if (work.Error is not null)
        {
            // What an earlier run left for this item is not its output now.
            try
            {
                ClearItemFolder(work.Item);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                work.Warnings.Add($"the earlier files of this item could not be removed: {e.Message}");
            }
        }
        AddResult(new BatchItemResult
        {
            Id = work.Item.Id,
            Line = work.Item.Line,
            Status = work.Error is null ? ItemStatus.Ok : ItemStatus.Failed,
            Settings = work.Item.Settings.Count,
            Outputs = work.Error is null ? work.Outputs : [],
            Masks = work.Error is null ? work.Masks : null,
            Objects = work.Error is null ? work.ObjectRecords : null,
            TimingsSeconds = work.TimingsFor(1).Seconds.ToDictionary(t => t.Key.ToString(), t => t.Value),
            Warnings = [.. work.Warnings.Distinct()],
            Error = work.Error,
            Labels = work.Item.Labels.Count == 0 ? null : work.Item.Labels,
        });
    }

    private void AddResult(BatchItemResult result)
    {
        lock (_gate)
        {
            _results.Add(result);
        }
        Report(null);
        FlushResults();
    }

    /// <summary>Rewrites the results file atomically, at most every 2 s unless forced (and always at the end).</summary>
    private void FlushResults(bool force = false)
    {
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            if (!force && Stopwatch.GetElapsedTime(_lastFlush, now).TotalSeconds < 2)
            {
                return;
            }
            _lastFlush = now;
            var text = new StringBuilder();
            foreach (BatchItemResult result in _results.OrderBy(r => r.Line))
            {
                text.Append(ReadableJson.Serialize(result, BatchLineJson.Default.BatchItemResult)).Append('\n');
            }
            AtomicFile.WriteAllText(Path.Combine(_output, BatchRunner.ResultsFileName(_options.Shard)), text.ToString());
        }
    }

    private BatchSummary WriteSummary(IReadOnlyDictionary<NetworkKind, long> callsBefore, long start, bool cancelled)
    {
        IReadOnlyDictionary<NetworkKind, long> callsAfter = _stages.Networks.CallCounts;
        BatchSummary summary;
        lock (_gate)
        {
            summary = new BatchSummary
            {
                EngineVersion = EngineInfo.Version,
                FinishedUtc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                Manifest = _manifest.Path,
                ManifestSha256 = _manifest.Sha256,
                Shard = _options.Shard.ToString(),
                Models = _models.Name,
                Synthetic = _models.IsSynthetic,
                ModelSetHash = _modelSetHash,
                Provider = _stages.Networks.Provider.ToString().ToLowerInvariant(),
                Mode = _options.EmbedOnly ? "embed" : "run",
                Items = _total,
                Ok = _results.Count(r => r.Status == ItemStatus.Ok),
                Failed = _results.Count(r => r.Status == ItemStatus.Failed),
                Skipped = _results.Count(r => r.Status == ItemStatus.Skipped),
                Cancelled = cancelled,
                NetworkCalls = callsAfter.ToDictionary(c => NetworkContracts.For(c.Key).Key, c => c.Value - callsBefore.GetValueOrDefault(c.Key)),
                Work = _work with { },
                BatchSizes = new Dictionary<string, int>(_batchSizes),
                MemorySource = _options.MemoryBytes is null ? PlanningMemorySource.Host : _options.MemorySource,
                Workers = _options.Workers,
                Seconds = Stopwatch.GetElapsedTime(start).TotalSeconds,
                Cache = _cache?.Folder,
                Warnings = [.. _warnings],
            };
        }
        AtomicFile.WriteAllText(Path.Combine(_output, BatchRunner.SummaryFileName(_options.Shard)), ReadableJson.Serialize(summary, BatchRecordJson.Default.BatchSummary) + "\n");
        return summary;
    }

    private void Report(string? stage)
    {
        if (_progress is null)
        {
            return;
        }
        lock (_gate)
        {
            _progress.Report(new BatchProgress(stage ?? "done", _results.Count, _total,
                _results.Count(r => r.Status == ItemStatus.Failed), _results.Count(r => r.Status == ItemStatus.Skipped)));
        }
    }
}
