using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Networks;
using EditToAudio.Pipeline;

namespace EditToAudio.Batch;

// Deciding which items are already complete, and writing an item's outputs.
public sealed partial class BatchRunner
{
    private sealed partial class Run
    {
        // ---- checking what is already done ----

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
                JsonElement? record = OutputCheck.Complete(folder, SweepRecordFile, Expected(work, item.Parameters.Edit, RunOutputs.SweepKind, settings));
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
            return new ExpectedRecord(kind, JsonSerializer.SerializeToElement(parameters, BatchRecordJson.Default.ParameterRecord), settings,
                work.OriginalSha, work.EditedSha, [work.Item.RemovePoint.X, work.Item.RemovePoint.Y], [work.Item.AddPoint.X, work.Item.AddPoint.Y], _modelHashes);
        }

        // ---- outputs ----

        private void Finish(ItemWork work)
        {
            if (work.Error is null)
            {
                try
                {
                    ClearItemFolder(work.Item);
                    work.Outputs = _options.EmbedOnly && work.Item.Sweep is not null ? WriteSweepEmbeddings(work) : WriteRuns(work);
                }
                catch (Exception e) when (IsItemProblem(e))
                {
                    work.Fail($"writing the outputs: {e.Message}");
                }
            }
            Record(work);
        }

        /// <summary>
        /// Empties the item's folder, which is the batch's: whatever an earlier run left there (a
        /// half-written folder, the settings of another sweep) goes as a whole, so it never mixes with this run.
        /// </summary>
        private void ClearItemFolder(ManifestItem item)
        {
            string folder = Path.Combine(_output, item.Id);
            OutputFolders.Delete(folder, OutputFolders.Files(folder));
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }

        private List<string> WriteRuns(ItemWork work)
        {
            ManifestItem item = work.Item;
            ItemParameters p = item.Parameters;
            RgbImage original = work.Original!.Image!, edited = work.Edited!.Image!;
            // The hashes the completeness check compares are the ones taken before the images were read.
            var inputs = new RunInputs(item.OriginalPath, item.EditedPath, work.OriginalSha, work.EditedSha);
            var outputs = new List<string>();
            int settings = item.Settings.Count;
            for (int s = 0; s < settings; s++)
            {
                SweepSetting setting = item.Settings[s];
                string prefix = item.Sweep is null ? item.Id : $"{item.Id}/{setting.Name}";
                string folder = Path.Combine(_output, prefix);
                EmbedRequest embed = p.EmbedRequest(original, edited, item.RemovePoint, item.AddPoint, setting.Edit);
                List<string> warnings = RunOutputs.Warnings(_models, [.. MaskCoverage.Warnings(work.RemovePrompt!.Mask!, work.AddPrompt!.Mask!), .. work.Edits![s].Warnings]);
                StageTimings timings = work.TimingsFor(settings);
                var embedding = new EmbedResult(work.RemovePrompt!.Mask!, work.AddPrompt!.Mask!, work.Original.Tokens!, work.Edited.Tokens!,
                    work.Edits[s], work.Clap![s], _runner._networks.Provider, timings, [.. warnings]);
                RunRecord record;
                if (_options.EmbedOnly)
                {
                    record = RunOutputs.WriteEmbed(folder, embed, embedding, inputs, _models);
                }
                else
                {
                    AudioClip clip = work.Clips![s];
                    EditToAudioEngine.NoteAudio(_models, clip, "the edited embedding", warnings);
                    AudioClip? baselineOriginal = work.BaselineClap is null ? null : work.Clips[settings];
                    AudioClip? baselineEdited = work.BaselineClap is null ? null : work.Clips[settings + 1];
                    if (baselineOriginal is not null && baselineEdited is not null)
                    {
                        EditToAudioEngine.NoteAudio(_models, baselineOriginal, "the original image's baseline", warnings);
                        EditToAudioEngine.NoteAudio(_models, baselineEdited, "the edited image's baseline", warnings);
                    }
                    var result = new RunResult(embedding, clip, baselineOriginal, baselineEdited, work.BaselineClap, warnings) { DiffusionBackend = _runner._audio.Backend };
                    record = RunOutputs.WriteRun(folder, p.RunRequest(embed), result, inputs, _models, _options.Format);
                }
                outputs.AddRange(record.Outputs.Select(o => $"{prefix}/{o}"));
                work.Warnings.AddRange(record.Warnings);
                work.Masks = record.Masks;
            }
            return outputs;
        }

        private List<string> WriteSweepEmbeddings(ItemWork work)
        {
            ManifestItem item = work.Item;
            ItemParameters p = item.Parameters;
            string folder = Path.Combine(_output, item.Id);
            RgbImage original = work.Original!.Image!, edited = work.Edited!.Image!;
            SegmentationResult remove = work.RemovePrompt!.Mask!, add = work.AddPrompt!.Mask!;
            EditResult[] edits = work.Edits!;
            int width = _runner._clip.Width, settings = edits.Length;
            SweepRow[] rows = SweepRows(item);
            RunRecord record = RunOutputs.WriteAll(folder, SweepRecordFile, null, written =>
            {
                RunOutputs.WriteSegmentsAndTokens(folder, original, edited, remove, add, work.Original.Tokens!, work.Edited.Tokens!, edits[0], written);
                RunOutputs.Write(folder, SweepClipFile, written, path => Npy.Write(path, [.. edits.SelectMany(e => e.Embedding)], [settings, width]));
                RunOutputs.Write(folder, SweepClapFile, written, path => Npy.Write(path, [.. work.Clap!.SelectMany(c => c)], [settings, Ssv2aMapper.ClapWidth]));
                var csv = new StringBuilder("row,name,k,alpha,beta,a,b,g\n");
                foreach (SweepRow row in rows)
                {
                    csv.Append(CultureInfo.InvariantCulture, $"{row.Row},{row.Name},{row.K},{row.Alpha:R},{row.Beta:R},{row.Mix[0]:R},{row.Mix[1]:R},{row.Mix[2]:R}\n");
                }
                RunOutputs.Write(folder, SweepIndexFile, written, path => AtomicFile.WriteAllText(path, csv.ToString()));

                List<string> warnings = RunOutputs.Warnings(_models, [.. MaskCoverage.Warnings(remove, add), .. edits.SelectMany(e => e.Warnings).Distinct()]);
                EmbedRequest request = p.EmbedRequest(original, edited, item.RemovePoint, item.AddPoint, p.Edit);
                // The masks, patch weights and provider are the same for every row, so the first row's edit stands for them.
                var shared = new EmbedResult(remove, add, work.Original.Tokens!, work.Edited.Tokens!, edits[0], work.Clap![0], _runner._networks.Provider, work.TimingsFor(1), warnings);
                RunRecord record = RunOutputs.Record(RunOutputs.SweepKind, request, shared, new RunInputs(item.OriginalPath, item.EditedPath, work.OriginalSha, work.EditedSha),
                    _models, RunOutputs.EmbedParameters(p.Edit, p.MaskSelection, p.Seed, p.VarSamples), null, shared.Timings, written, warnings) with { Settings = rows };
                RunOutputs.WriteRecord(folder, SweepRecordFile, record);
                return record;
            });
            work.Warnings.AddRange(record.Warnings);
            work.Masks = record.Masks;
            return [.. record.Outputs.Select(o => $"{item.Id}/{o}")];
        }

        private static SweepRow[] SweepRows(ManifestItem item) =>
            [.. item.Settings.Select((s, i) => new SweepRow(i, s.Name, s.Edit.K, s.Edit.Alpha, s.Edit.Beta, [s.Edit.Mix.Suppressed, s.Edit.Mix.Boosted, s.Edit.Mix.Background]))];
    }
}
