using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using EditToAudio.Audio;
using EditToAudio.ChangeDetection;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Prompts;

namespace EditToAudio.Pipeline;

/// <summary>Where the inputs of a run came from, for its record.</summary>
/// <param name="OriginalPath">Path of the original image.</param>
/// <param name="EditedPath">Path of the edited image.</param>
/// <param name="OriginalSha256">SHA-256 of the original image when the caller already has it; null hashes the file.</param>
/// <param name="EditedSha256">SHA-256 of the edited image when the caller already has it; null hashes the file.</param>
public sealed record RunInputs(string OriginalPath, string EditedPath, string? OriginalSha256 = null, string? EditedSha256 = null);

/// <summary>A file a run writes besides its computed outputs (the demo's generated input images).</summary>
/// <param name="Name">Path relative to the output folder, with '/' separators.</param>
/// <param name="Bytes">Its content.</param>
public sealed record ExtraFile(string Name, byte[] Bytes);

/// <summary>
/// Writes a run's files into an output folder: masks (.npy at image resolution and overlay PNGs),
/// tokens, embeddings, clips with spectrograms, and <c>run.json</c> last. Every file is written
/// under a temporary name and renamed, so a reader never sees a partial file; <c>run.json</c>
/// present means the folder is complete. A folder holds one run only: the files of an earlier
/// output of the same kind (those its record lists) are replaced as a whole, a folder holding
/// anything else is refused (<see cref="EarlierOutput"/>), and if a write fails the files written
/// so far are removed again. The folder is created with its first file.
/// </summary>
public static class RunOutputs
{
    /// <summary>Name of the record written last.</summary>
    public const string RecordFile = "run.json";

    /// <summary>Name of the record of an embed-only sweep of one pair, written last.</summary>
    public const string SweepRecordFile = "sweep.json";

    /// <summary>The kind of an embed-only sweep's record.</summary>
    internal const string SweepKind = "embed-sweep";

    /// <summary>The warnings of an output: the synthetic-models notice first, then <paramref name="others"/>.</summary>
    internal static List<string> Warnings(ModelSet models, IEnumerable<string> others) =>
        [.. models.IsSynthetic ? [EditToAudioEngine.SyntheticWarning] : Array.Empty<string>(), .. others];

    /// <summary>Writes the outputs of an embed.</summary>
    public static RunRecord WriteEmbed(string folder, EmbedRequest request, EmbedResult result, RunInputs inputs, ModelSet models)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(result);
        return WriteAll(folder, RecordFile, "embed", written =>
        {
            WriteEmbedding(folder, request, result, written);
            RunRecord record = Record("embed", request, result, inputs, models, EmbedParameters(request), null, result.Timings, written, result.Warnings);
            WriteRecord(folder, RecordFile, record);
            return record;
        });
    }

    /// <summary>Writes the outputs of a run.</summary>
    /// <param name="folder">The output folder.</param>
    /// <param name="request">What was asked.</param>
    /// <param name="result">What the engine computed.</param>
    /// <param name="inputs">Where the images came from.</param>
    /// <param name="models">The model set.</param>
    /// <param name="format">WAV sample format.</param>
    /// <param name="extraFiles">Files written first and listed with the outputs (the demo's input images, which <paramref name="inputs"/> may name).</param>
    public static RunRecord WriteRun(
        string folder, RunRequest request, RunResult result, RunInputs inputs, ModelSet models, WaveSampleFormat format = WaveSampleFormat.Float32,
        IReadOnlyList<ExtraFile>? extraFiles = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(result);
        return WriteAll(folder, RecordFile, "run", written =>
        {
            foreach (ExtraFile extra in extraFiles ?? [])
            {
                Write(folder, extra.Name, written, path => AtomicFile.WriteAllBytes(path, extra.Bytes));
            }
            WriteEmbedding(folder, request.Embed, result.Embedding, written);
            var clips = new Dictionary<string, ClipRecord>
            {
                ["manipulated"] = WriteClip(folder, "manipulated_audio", "edited embedding", result.Audio, format, written),
            };
            if (result.BaselineOriginal is { } original && result.BaselineEdited is { } edited && result.BaselineClap is { } clap)
            {
                Write(folder, "baseline_clap.npy", written, path => Npy.Write(path, clap, [2, clap.Length / 2]));
                clips["baseline_original"] = WriteClip(folder, "baseline_original", "original image (plain CLIP)", original, format, written);
                clips["baseline_edited"] = WriteClip(folder, "baseline_edited", "edited image (plain CLIP)", edited, format, written);
            }
            ParameterRecord parameters = RunParameters(EmbedParameters(request.Embed), request.Audio, request.Baselines, result.Audio.Steps);
            RunRecord record = Record("run", request.Embed, result.Embedding, inputs, models, parameters, clips, result.Embedding.Timings, written, result.Warnings)
                with { DiffusionBackend = result.DiffusionBackend };
            WriteRecord(folder, RecordFile, record);
            return record;
        });
    }

    /// <summary>
    /// Runs <paramref name="write"/>, which lists every file it writes into <paramref name="folder"/>
    /// and writes <paramref name="recordFile"/> last. With a <paramref name="kind"/>, an earlier output
    /// of that kind is deleted first (its record last, so an interruption leaves a record that still
    /// vouches only for files that exist), and a folder holding anything else is refused; if a write
    /// fails, the files written so far are deleted, so the folder holds no half-set of outputs.
    /// </summary>
    internal static T WriteAll<T>(string folder, string recordFile, string? kind, Func<List<string>, T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (kind is not null)
        {
            IReadOnlyList<string> earlier = EarlierOutput(folder, kind);
            OutputFolders.Delete(folder, earlier.OrderBy(f => f == recordFile));
        }
        var written = new List<string>();
        try
        {
            return write(written);
        }
        catch
        {
            OutputFolders.Delete(folder, written);
            throw;
        }
    }

    /// <summary>
    /// The files that an earlier output of <paramref name="kind"/> ("run" or "embed") left in
    /// <paramref name="folder"/>, which a new one replaces as a whole: all of them when its
    /// <c>run.json</c> has that kind and lists every file there; none for a missing or empty folder.
    /// Temporary files of a writer that was killed count as the earlier output's.
    /// </summary>
    /// <exception cref="OutputFolderException">
    /// The folder holds files without a readable <c>run.json</c>, the output of another command,
    /// or files its record does not list: writing there would mix runs.
    /// </exception>
    public static IReadOnlyList<string> EarlierOutput(string folder, string kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        List<string> files = OutputFolders.Files(folder);
        List<string> kept = [.. files.Where(f => !OutputFolders.IsTemporary(f))];
        if (kept.Count == 0)
        {
            return files;
        }
        string advice = "choose a new or empty folder, or empty this one";
        (string? recordKind, HashSet<string>? listed) = ReadRecord(Path.Combine(folder, RecordFile));
        if (recordKind is null || listed is null)
        {
            throw new OutputFolderException(
                $"the output folder {folder} is not empty ({OutputFolders.Describe(kept)}) and has no readable {RecordFile} of an earlier `{kind}`, " +
                $"so its files could be taken for this run's (an interrupted run also leaves files without {RecordFile}); {advice}.");
        }
        if (recordKind != kind)
        {
            throw new OutputFolderException($"the output folder {folder} holds the output of an earlier `{recordKind}`, which a `{kind}` does not replace; {advice}.");
        }
        List<string> unlisted = [.. kept.Where(f => !listed.Contains(f))];
        if (unlisted.Count > 0)
        {
            throw new OutputFolderException(
                $"the output folder {folder} holds files that are not part of the earlier `{kind}` its {RecordFile} describes ({OutputFolders.Describe(unlisted)}); {advice}.");
        }
        return files;
    }

    private static (string? Kind, HashSet<string>? Outputs) ReadRecord(string path)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("kind", out JsonElement kind) || kind.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("outputs", out JsonElement outputs) || outputs.ValueKind != JsonValueKind.Array)
            {
                return (null, null);
            }
            return (kind.GetString(), [.. outputs.EnumerateArray().Where(o => o.ValueKind == JsonValueKind.String).Select(o => o.GetString()!)]);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return (null, null);
        }
    }

    private static void WriteEmbedding(string folder, EmbedRequest request, EmbedResult result, List<string> written)
    {
        WriteSegmentsAndTokens(folder, request.Original, request.Edited, result, result.Edit, written);
        int width = result.Edit.Embedding.Length;
        Write(folder, "edited_clip.npy", written, path => Npy.Write(path, result.Edit.Embedding, [width]));
        Write(folder, "E_sup.npy", written, path => Npy.Write(path, result.Edit.Suppressed, [width]));
        Write(folder, "E_boost.npy", written, path => Npy.Write(path, result.Edit.Boosted, [width]));
        Write(folder, "E_bg.npy", written, path => Npy.Write(path, result.Edit.Background, [width]));
        Write(folder, "clap.npy", written, path => Npy.Write(path, result.Clap, [result.Clap.Length]));
    }

    /// <summary>
    /// What every output folder of a pair holds whatever the settings: each side's mask (.npy, the union of
    /// its objects, and an overlay PNG showing every object), each object's own mask when a side has several
    /// (<c>remove_object_masks.npy</c>, [N, H, W]), both images' tokens and the patch weights.
    /// </summary>
    internal static void WriteSegmentsAndTokens(string folder, RgbImage original, RgbImage edited, EmbedResult embedded, EditResult edit, List<string> written)
    {
        int width = edit.Embedding.Length;
        SegmentationResult remove = embedded.RemoveMask, add = embedded.AddMask;
        Write(folder, "remove_mask.npy", written, path => Npy.Write(path, NpyArray.FromBytes(remove.Mask, NpyDType.UInt8, remove.Height, remove.Width)));
        Write(folder, "add_mask.npy", written, path => Npy.Write(path, NpyArray.FromBytes(add.Mask, NpyDType.UInt8, add.Height, add.Width)));
        foreach (EditSide side in Enum.GetValues<EditSide>())
        {
            if (embedded.Objects?[side] is { Count: > 1 } objects)
            {
                SegmentationResult first = objects[0].Mask;
                Write(folder, $"{side.Key()}_object_masks.npy", written, path => Npy.Write(path,
                    NpyArray.FromBytes([.. objects.SelectMany(o => o.Mask.Mask)], NpyDType.UInt8, objects.Count, first.Height, first.Width)));
            }
        }
        Write(folder, "remove_mask.png", written, path => MaskOverlay.SavePng(original, Overlay(embedded, EditSide.Remove, remove), path));
        Write(folder, "add_mask.png", written, path => MaskOverlay.SavePng(edited, Overlay(embedded, EditSide.Add, add), path));
        Write(folder, "original_tokens.npy", written, path => Npy.Write(path, embedded.OriginalTokens, [ImageTokens.TokenCount, width]));
        Write(folder, "edited_tokens.npy", written, path => Npy.Write(path, embedded.EditedTokens, [ImageTokens.TokenCount, width]));
        Write(folder, "remove_patch_weights.npy", written, path => Npy.Write(path, edit.RemovePatchWeights, [ClipGeometry.GridSize, ClipGeometry.GridSize]));
        Write(folder, "add_patch_weights.npy", written, path => Npy.Write(path, edit.AddPatchWeights, [ClipGeometry.GridSize, ClipGeometry.GridSize]));
    }

    /// <summary>
    /// What a side's overlay shows: one object given as one positive point is drawn as its mask alone (the
    /// research workflow's prompt, which the user knows); found objects and a side with several objects or
    /// other prompts are drawn each in its tint with its label, box and points.
    /// </summary>
    private static IReadOnlyList<OverlayObject> Overlay(EmbedResult embedded, EditSide side, SegmentationResult sideMask)
    {
        if (embedded.Objects is not { } all)
        {
            return [new OverlayObject(sideMask.Mask)];
        }
        IReadOnlyList<EditObject> objects = all[side];
        if (objects.Count == 1 && !objects[0].Found && OnePoint(objects[0].Prompt) is not null)
        {
            return [new OverlayObject(objects[0].Mask.Mask)];
        }
        return [.. objects.Select(o => new OverlayObject(
            o.Mask.Mask, o.Label,
            o.Prompt.Box is { } box ? (box.X0, box.Y0, box.X1, box.Y1) : null,
            [.. o.Prompt.Points.Select(p => (p.X, p.Y, p.IsPositive))]))];
    }

    /// <summary>The one positive point of a prompt that is nothing else, or null.</summary>
    private static PromptPoint? OnePoint(ObjectPrompt prompt) =>
        prompt is { Box: null, HasMask: false, Points: [{ IsPositive: true } point] } ? point : null;

    private static ClipRecord WriteClip(string folder, string name, string title, AudioClip clip, WaveSampleFormat format, List<string> written)
    {
        string file = name + ".wav";
        Write(folder, file, written, path => WaveFile.Write(path, clip.Waveform, clip.SampleRate, format));
        Write(folder, name + ".png", written, path => Spectrogram.SavePng(path, clip.Waveform, clip.SampleRate, $"{name}: {title}"));
        double fullScale = clip.FullScaleFraction();
        return new ClipRecord(file, clip.SampleRate, clip.Waveform.Length, clip.Candidate, clip.Scores, clip.LatentClipped,
            fullScale, fullScale > AudioClip.ClippedFraction);
    }

    /// <summary>Writes one file (the writer must write atomically) and lists it.</summary>
    internal static void Write(string folder, string file, List<string> written, Action<string> write)
    {
        write(Path.Combine(folder, file));
        written.Add(file);
    }

    /// <summary>The parameters a run's record holds; <paramref name="stepsRun"/> is the DDIM steps the schedule actually runs.</summary>
    internal static ParameterRecord RunParameters(ParameterRecord embed, AudioOptions audio, bool baselines, int stepsRun) => embed with
    {
        Steps = audio.Sampler.Steps,
        StepsRun = stepsRun,
        Guidance = audio.Sampler.Guidance,
        Eta = audio.Sampler.Eta,
        Candidates = audio.Candidates,
        Duration = audio.Duration,
        RankAgainst = audio.RankAgainst.ToString().ToLowerInvariant(),
        Baselines = baselines,
    };

    /// <summary>The parameters an embed's record holds.</summary>
    internal static ParameterRecord EmbedParameters(EditParameters edit, MaskSelection selection, ulong seed, int varSamples) => new(
        edit.K, edit.Alpha, edit.Beta,
        [edit.Mix.Suppressed, edit.Mix.Boosted, edit.Mix.Background],
        edit.MaskAlignment.ToString().ToLowerInvariant(),
        selection.ToString().ToLowerInvariant(), seed, varSamples);

    /// <summary>
    /// <paramref name="parameters"/> with how several objects combine and, where a side is found by the
    /// change detector, its settings: what decides the objects is part of a run's parameters.
    /// </summary>
    internal static ParameterRecord WithObjectSettings(ParameterRecord parameters, ObjectCombination objects, EditPrompts prompts, ChangeDetectionOptions? detection)
    {
        ChangeDetectionOptions settings = detection ?? new();
        return parameters with
        {
            Objects = objects.ToString().ToLowerInvariant(),
            ChangeDetection = prompts.NeedsDetection ? new ChangeDetectionSettings(settings.Threshold, settings.MinRegionFraction) : null,
        };
    }

    private static ParameterRecord EmbedParameters(EmbedRequest request) =>
        EmbedParameters(request.Edit, request.MaskSelection, request.Seed, request.VarSamples);

    /// <summary>The record of one output folder; <paramref name="result"/> gives the masks, patch weights and provider.</summary>
    internal static RunRecord Record(
        string kind, EmbedRequest request, EmbedResult result, RunInputs inputs, ModelSet models, ParameterRecord parameters,
        IReadOnlyDictionary<string, ClipRecord>? clips, StageTimings timings, List<string> written, IReadOnlyList<string> warnings) => new()
        {
            Kind = kind,
            EngineVersion = EngineInfo.Version,
            FinishedUtc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            Models = ModelRecordOf(models),
            Provider = result.Provider.ToString().ToLowerInvariant(),
            EditBackend = result.EditBackend,
            Inputs = InputRecordOf(inputs, request, result.Objects),
            Parameters = WithObjectSettings(parameters, request.Objects, request.Prompts, request.Detection),
            Masks = MaskRecordOf(result.RemoveMask, result.AddMask, result.Edit),
            Objects = result.Objects is { } objects ? ObjectRecords(objects, request.Edit.MaskAlignment) : null,
            Detection = result.Objects?.Detection is { } found ? DetectionRecord.Of(found) : null,
            Audio = clips,
            TimingsSeconds = timings.Seconds.ToDictionary(p => p.Key.ToString(), p => p.Value),
            Outputs = [.. written, kind == SweepKind ? SweepRecordFile : RecordFile],
            Warnings = warnings,
        };

    /// <summary>The model set's part of a record: name, folder and the hash of every network file.</summary>
    internal static ModelRecord ModelRecordOf(ModelSet models) => new(models.Folder, models.Name, models.IsSynthetic,
        models.Manifest.Networks.Keys.Order().ToDictionary(k => k.ToString(), models.Sha256Of));

    /// <summary>
    /// The inputs' part of a record: both images (path, hash, size) and, when each side is one given
    /// positive point, the two points (every prompt is in the record's objects).
    /// </summary>
    internal static InputRecord InputRecordOf(RunInputs inputs, EmbedRequest request, EditObjects? objects)
    {
        PromptPoint? remove = PromptOf(EditSide.Remove), add = PromptOf(EditSide.Add);
        bool points = remove is not null && add is not null;
        return new InputRecord(
            Image(inputs.OriginalPath, inputs.OriginalSha256, request.Original), Image(inputs.EditedPath, inputs.EditedSha256, request.Edited),
            points ? [remove!.Value.X, remove.Value.Y] : null, points ? [add!.Value.X, add.Value.Y] : null);

        PromptPoint? PromptOf(EditSide side) =>
            objects is null ? (request.Prompts[side].Objects is [var given] ? OnePoint(given) : null)
            : objects[side] is [{ Found: false } only] ? OnePoint(only.Prompt) : null;
    }

    /// <summary>Every object's record: its prompts, role, mask area and the CLIP patches its own mask covers.</summary>
    internal static IReadOnlyList<ObjectRecord> ObjectRecords(EditObjects objects, MaskAlignment alignment) =>
        [.. objects.Removed.Concat(objects.Added).Select(o => ObjectRecord.Of(o.Side, o.Index, o.Prompt, o.Role, o.Region, o.Mask.Area,
            (int)PatchWeights.FromMask(new BinaryMask(o.Mask.Mask, o.Mask.Height, o.Mask.Width), alignment).Sum(), o.PredictedIou))];

    /// <summary>Mask areas in pixels and in CLIP patches, and SAM2's predicted IoU of each (null when NaN: no mask came from SAM2).</summary>
    internal static MaskRecord MaskRecordOf(SegmentationResult remove, SegmentationResult add, EditResult edit) => new(
        remove.Area, add.Area, (int)edit.RemovePatchWeights.Sum(), (int)edit.AddPatchWeights.Sum(), Score(remove.PredictedIou), Score(add.PredictedIou),
        MaskCoverage.Fraction(remove), MaskCoverage.Fraction(add));

    private static double? Score(float value) => float.IsNaN(value) ? null : value;

    private static ImageRecord Image(string path, string? sha256, RgbImage image) =>
        new(Path.GetFullPath(path), sha256 ?? Sha256File(path), image.Width, image.Height);

    private static string Sha256File(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Writes <paramref name="record"/> as <paramref name="file"/>, listed last in its outputs.</summary>
    internal static void WriteRecord(string folder, string file, RunRecord record) =>
        AtomicFile.WriteAllText(Path.Combine(folder, file), ReadableJson.Serialize(record, RunRecordJson.Default.RunRecord) + "\n");
}
