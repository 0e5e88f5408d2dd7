using System.Globalization;
using System.Text;
using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Networks;
using EditToAudio.Pipeline;

namespace EditToAudio.Batch;

// Writing an item's outputs: a run folder per setting, or one embed-only sweep folder.
internal sealed partial class BatchRun
{
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
            EmbedRequest embed = p.EmbedRequest(original, edited, item.Prompts, setting.Edit);
            List<string> warnings = RunOutputs.Warnings(_models, [.. ObjectWarnings(work), .. work.Edits![s].Warnings]);
            StageTimings timings = work.TimingsFor(settings);
            var embedding = new EmbedResult(work.RemoveMask!, work.AddMask!, work.Original.Tokens!, work.Edited.Tokens!,
                work.Edits[s], work.Clap![s], _stages.Networks.Provider, timings, [.. warnings]) { EditBackend = _stages.Backend.Name, Objects = work.Objects };
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
                var result = new RunResult(embedding, clip, baselineOriginal, baselineEdited, work.BaselineClap, warnings) { DiffusionBackend = _stages.Backend.Name };
                record = RunOutputs.WriteRun(folder, p.RunRequest(embed), result, inputs, _models, _options.Format);
            }
            outputs.AddRange(record.Outputs.Select(o => $"{prefix}/{o}"));
            work.Warnings.AddRange(record.Warnings);
            work.Masks = record.Masks;
            work.ObjectRecords = record.Objects;
        }
        return outputs;
    }

    /// <summary>The warnings about an item's objects, as a run gives them: masks unlikely to be the object, regions ignored, sides found empty.</summary>
    private static IEnumerable<string> ObjectWarnings(ItemWork work) => [.. MaskCoverage.Warnings(work.Objects!), .. work.Objects!.Warnings];

    private List<string> WriteSweepEmbeddings(ItemWork work)
    {
        ManifestItem item = work.Item;
        ItemParameters p = item.Parameters;
        string folder = Path.Combine(_output, item.Id);
        RgbImage original = work.Original!.Image!, edited = work.Edited!.Image!;
        EditResult[] edits = work.Edits!;
        int width = _stages.TokenWidth, settings = edits.Length;
        SweepRow[] rows = SweepRows(item);
        RunRecord record = RunOutputs.WriteAll(folder, BatchRunner.SweepRecordFile, null, written =>
        {
            // The masks, patch weights and provider are the same for every row, so the first row's edit stands for them.
            var shared = new EmbedResult(work.RemoveMask!, work.AddMask!, work.Original.Tokens!, work.Edited.Tokens!, edits[0], work.Clap![0], _stages.Networks.Provider,
                work.TimingsFor(1), [])
            {
                EditBackend = _stages.Backend.Name,
                Objects = work.Objects,
            };
            RunOutputs.WriteSegmentsAndTokens(folder, original, edited, shared, edits[0], written);
            RunOutputs.Write(folder, BatchRunner.SweepClipFile, written, path => Npy.Write(path, [.. edits.SelectMany(e => e.Embedding)], [settings, width]));
            RunOutputs.Write(folder, BatchRunner.SweepClapFile, written, path => Npy.Write(path, [.. work.Clap!.SelectMany(c => c)], [settings, Ssv2aMapper.ClapWidth]));
            var csv = new StringBuilder("row,name,k,alpha,beta,a,b,g\n");
            foreach (SweepRow row in rows)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{row.Row},{row.Name},{row.K},{row.Alpha:R},{row.Beta:R},{row.Mix[0]:R},{row.Mix[1]:R},{row.Mix[2]:R}\n");
            }
            RunOutputs.Write(folder, BatchRunner.SweepIndexFile, written, path => AtomicFile.WriteAllText(path, csv.ToString()));

            List<string> warnings = RunOutputs.Warnings(_models, [.. ObjectWarnings(work), .. edits.SelectMany(e => e.Warnings).Distinct()]);
            EmbedRequest request = p.EmbedRequest(original, edited, item.Prompts, p.Edit);
            RunRecord record = RunOutputs.Record(RunOutputs.SweepKind, request, shared, new RunInputs(item.OriginalPath, item.EditedPath, work.OriginalSha, work.EditedSha),
                _models, RunOutputs.EmbedParameters(p.Edit, p.MaskSelection, p.Seed, p.VarSamples), null, shared.Timings, written, warnings) with { Settings = rows };
            RunOutputs.WriteRecord(folder, BatchRunner.SweepRecordFile, record);
            return record;
        });
        work.Warnings.AddRange(record.Warnings);
        work.Masks = record.Masks;
        work.ObjectRecords = record.Objects;
        return [.. record.Outputs.Select(o => $"{item.Id}/{o}")];
    }

    private static SweepRow[] SweepRows(ManifestItem item) =>
        [.. item.Settings.Select((s, i) => new SweepRow(i, s.Name, s.Edit.K, s.Edit.Alpha, s.Edit.Beta, [s.Edit.Mix.Suppressed, s.Edit.Mix.Boosted, s.Edit.Mix.Background]))];
}
