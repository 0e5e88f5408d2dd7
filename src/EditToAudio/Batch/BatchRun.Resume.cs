using System.Security.Cryptography;
using System.Text.Json;
using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Pipeline;

namespace EditToAudio.Batch;

// Resumption: which items already have complete outputs from an earlier run, so they are skipped.
internal sealed partial class BatchRun
{
    private List<ItemWork> Check(List<ItemWork> items)
    {
        Report("check");
        var hashes = new Dictionary<string, (string? Sha, string? Error)>(StringComparer.Ordinal);
        foreach (string path in items.SelectMany(i => new[] { i.Item.OriginalPath, i.Item.EditedPath }).Distinct(StringComparer.Ordinal))
        {
            hashes[path] = default;
        }
        Parallel.ForEach(hashes.Keys.ToArray(), _parallel, path =>
        {
            (string?, string?) entry;
            try
            {
                using FileStream stream = File.OpenRead(path);
                entry = (Convert.ToHexStringLower(SHA256.HashData(stream)), null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                entry = (null, e is FileNotFoundException or DirectoryNotFoundException ? $"{path} does not exist" : $"{path} cannot be read: {e.Message}");
            }
            lock (hashes)
            {
                hashes[path] = entry;
            }
        });

        var pending = new List<ItemWork>();
        foreach (ItemWork work in items)
        {
            (string? originalSha, string? originalError) = hashes[work.Item.OriginalPath];
            (string? editedSha, string? editedError) = hashes[work.Item.EditedPath];
            if (originalError is not null || editedError is not null)
            {
                work.Fail(originalError is not null ? $"original image: {originalError}" : $"edited image: {editedError}");
                Record(work);
                continue;
            }
            work.OriginalSha = originalSha!;
            work.EditedSha = editedSha!;
            BatchItemResult? done = CompletedResult(work);
            if (done is not null)
            {
                AddResult(done);
            }
            else
            {
                pending.Add(work);
            }
        }
        FlushResults(force: true);
        return pending;
    }

    private BatchItemResult? CompletedResult(ItemWork work)
    {
        ManifestItem item = work.Item;
        string folder = Path.Combine(_output, item.Id);
        var records = new List<(string Prefix, JsonElement Record)>();
        if (item.Sweep is not null && _options.EmbedOnly)
        {
            JsonElement settings = JsonSerializer.SerializeToElement(SweepRows(item), BatchRecordJson.Default.SweepRowArray);
            JsonElement? record = OutputCheck.Complete(folder, BatchRunner.SweepRecordFile, Expected(work, item.Parameters.Edit, RunOutputs.SweepKind, settings));
            if (record is null)
            {
                return null;
            }
            records.Add((item.Id, record.Value));
        }
        else
        {
            foreach (SweepSetting setting in item.Settings)
            {
                string settingFolder = item.Sweep is null ? folder : Path.Combine(folder, setting.Name);
                JsonElement? record = OutputCheck.Complete(settingFolder, RunOutputs.RecordFile, Expected(work, setting.Edit, _options.EmbedOnly ? "embed" : "run", null));
                if (record is null)
                {
                    return null;
                }
                records.Add((item.Sweep is null ? item.Id : $"{item.Id}/{setting.Name}", record.Value));
            }
        }

        var timings = new Dictionary<string, double>();
        var outputs = new List<string>();
        var warnings = new List<string>();
        MaskRecord? masks = null;
        List<ObjectRecord>? objects = null;
        foreach ((string prefix, JsonElement record) in records)
        {
            outputs.AddRange(record.GetProperty("outputs").EnumerateArray().Select(o => $"{prefix}/{o.GetString()}"));
            if (record.TryGetProperty("timings_seconds", out JsonElement recordTimings) && recordTimings.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty stage in recordTimings.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number))
                {
                    timings[stage.Name] = timings.GetValueOrDefault(stage.Name) + stage.Value.GetDouble();
                }
            }
            if (masks is null && record.TryGetProperty("masks", out JsonElement recordMasks) && recordMasks.ValueKind == JsonValueKind.Object)
            {
                try
                {
                    masks = recordMasks.Deserialize(BatchRecordJson.Default.MaskRecord);
                }
                catch (JsonException)
                {
                    // A record from an older engine: its masks are simply not repeated in the results.
                }
            }
            if (objects is null && record.TryGetProperty("objects", out JsonElement recordObjects) && recordObjects.ValueKind == JsonValueKind.Array)
            {
                objects = recordObjects.Deserialize(BatchRecordJson.Default.ListObjectRecord);
            }
            if (record.TryGetProperty("warnings", out JsonElement recordWarnings) && recordWarnings.ValueKind == JsonValueKind.Array)
            {
                warnings.AddRange(recordWarnings.EnumerateArray().Where(w => w.ValueKind == JsonValueKind.String).Select(w => w.GetString()!));
            }
        }
        return new BatchItemResult
        {
            Id = item.Id,
            Line = item.Line,
            Status = ItemStatus.Skipped,
            Settings = item.Settings.Count,
            Outputs = outputs,
            Masks = masks,
            Objects = objects,
            TimingsSeconds = timings,
            Warnings = [.. warnings.Distinct()],
            Labels = item.Labels.Count == 0 ? null : item.Labels,
        };
    }

    private ExpectedRecord Expected(ItemWork work, EditParameters edit, string kind, JsonElement? settings)
    {
        ItemParameters p = work.Item.Parameters;
        ParameterRecord parameters = RunOutputs.EmbedParameters(edit, p.MaskSelection, p.Seed, p.VarSamples);
        if (kind == "run")
        {
            int stepsRun = DdimSchedule.Create(_models.Constants.BetaSchedule, p.Audio.Sampler.Steps, p.Audio.Sampler.Eta).Count;
            parameters = RunOutputs.RunParameters(parameters, p.Audio, p.Baselines, stepsRun);
        }
        parameters = RunOutputs.WithObjectSettings(parameters, p.Objects, work.Item.Prompts, p.Detection);
        return new ExpectedRecord(kind, JsonSerializer.SerializeToElement(parameters, BatchRecordJson.Default.ParameterRecord), settings,
            work.OriginalSha, work.EditedSha, work.Item.Prompts, _modelHashes);
    }
}
