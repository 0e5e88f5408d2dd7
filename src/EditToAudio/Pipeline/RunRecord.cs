using System.Text.Json.Serialization;

namespace EditToAudio.Pipeline;

/// <summary>
/// The machine-readable record of one embed or run (<c>run.json</c>), or of a batch's embed-only
/// sweep of one pair (<c>sweep.json</c>): everything needed to repeat and audit it.
/// </summary>
public sealed record RunRecord
{
    /// <summary>"embed", "run" or "embed-sweep".</summary>
    public required string Kind { get; init; }

    /// <summary>Engine version.</summary>
    public required string EngineVersion { get; init; }

    /// <summary>When the run finished (UTC, ISO 8601).</summary>
    public required string FinishedUtc { get; init; }

    /// <summary>Model set: folder, name, whether synthetic, SHA-256 of every network file.</summary>
    public required ModelRecord Models { get; init; }

    /// <summary>ONNX Runtime provider that ran the networks ("cpu" or "cuda").</summary>
    public required string Provider { get; init; }

    /// <summary>Where the edit math ran ("cpu" or "cuda").</summary>
    public string EditBackend { get; init; } = "cpu";

    /// <summary>Where the sampler's arithmetic ran ("cpu" or "cuda"); null for records without audio.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DiffusionBackend { get; init; }

    /// <summary>The two images and, for one point per side, the two prompt points.</summary>
    public required InputRecord Inputs { get; init; }

    /// <summary>Every parameter of the run.</summary>
    public required ParameterRecord Parameters { get; init; }

    /// <summary>Mask sizes and SAM2's scores (of each side's objects together).</summary>
    public required MaskRecord Masks { get; init; }

    /// <summary>Every object: its side, role, prompts (given or found), mask area and patches; absent in records made from masks alone.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ObjectRecord>? Objects { get; init; }

    /// <summary>What the change detector measured and decided, when a side was left to it; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DetectionRecord? Detection { get; init; }

    /// <summary>The rows of an embed-only sweep's arrays (k, α, β and mix per row; <see cref="Parameters"/> holds the rest); absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SweepRow>? Settings { get; init; }

    /// <summary>The clips, for runs; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, ClipRecord>? Audio { get; init; }

    /// <summary>Seconds per stage.</summary>
    public required IReadOnlyDictionary<string, double> TimingsSeconds { get; init; }

    /// <summary>Files written, relative to the output folder.</summary>
    public required IReadOnlyList<string> Outputs { get; init; }

    /// <summary>Warnings.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
}

/// <summary>The model set of a run.</summary>
public sealed record ModelRecord(string Folder, string Name, bool Synthetic, IReadOnlyDictionary<string, string> Sha256);

/// <summary>One input image.</summary>
public sealed record ImageRecord(string Path, string Sha256, int Width, int Height);

/// <summary>The inputs of a run; the points are given when each side is one positive point (the research workflow's prompts), and absent otherwise (<see cref="RunRecord.Objects"/> lists every prompt).</summary>
public sealed record InputRecord(
    ImageRecord Original, ImageRecord Edited,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double[]? RemovePoint,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double[]? AddPoint);

/// <summary>The parameters of a run; the audio ones are null for an embed.</summary>
public sealed record ParameterRecord(
    int K, double Alpha, double Beta, double[] Mix, string MaskAlign, string MaskSelection, ulong Seed, int VarSamples,
    int? Steps = null, int? StepsRun = null, double? Guidance = null, double? Eta = null, int? Candidates = null,
    double? Duration = null, string? RankAgainst = null, bool? Baselines = null)
{
    /// <summary>How several objects of one side entered the edit: "each" (the means of per-object edits) or "union".</summary>
    public string Objects { get; init; } = "each";

    /// <summary>The change detector's settings, where a side was left to it: a batch item found with other settings is redone on resumption.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChangeDetectionSettings? ChangeDetection { get; init; }
}

/// <summary>The change detector's settings a user gives (<c>--change-threshold</c>, <c>--min-region</c>); a null threshold is Otsu's.</summary>
public sealed record ChangeDetectionSettings(double? Threshold, double MinRegion);

/// <summary>
/// Mask areas (pixels, share of the image's pixels and CLIP patches) of each side's objects together,
/// and SAM2's predicted IoU of each side's mask (the lowest of its objects'; null when no mask of the side came from SAM2).
/// </summary>
public sealed record MaskRecord(
    int RemoveArea, int AddArea, int RemovePatches, int AddPatches, double? RemovePredictedIou, double? AddPredictedIou,
    double? RemoveFraction = null, double? AddFraction = null);

/// <summary>One row of an embed-only sweep's arrays.</summary>
/// <param name="Row">Row of sweep_clip.npy and sweep_clap.npy.</param>
/// <param name="Name">The setting's name.</param>
/// <param name="K">k.</param>
/// <param name="Alpha">α.</param>
/// <param name="Beta">β.</param>
/// <param name="Mix">a, b, g.</param>
public sealed record SweepRow(int Row, string Name, int K, double Alpha, double Beta, double[] Mix);

/// <summary>One clip; <paramref name="FullScaleFraction"/> is the share of its samples at full scale, and <paramref name="Clipped"/> says it is above <see cref="Audio.AudioClip.ClippedFraction"/>.</summary>
/// <param name="File">The WAV file.</param>
/// <param name="SampleRate">Samples per second.</param>
/// <param name="Samples">Samples.</param>
/// <param name="Candidate">The candidate kept.</param>
/// <param name="Scores">Every candidate's ranking score.</param>
/// <param name="LatentClipped">Whether the sampler clipped the latent.</param>
/// <param name="FullScaleFraction">Share of the samples at full scale.</param>
/// <param name="Clipped">Whether that share makes the clip distorted.</param>
public sealed record ClipRecord(string File, int SampleRate, int Samples, int Candidate, IReadOnlyList<double> Scores, bool LatentClipped,
    double FullScaleFraction = 0, bool Clipped = false);

/// <summary>Source-generated (trimming-safe) JSON for <see cref="RunRecord"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(RunRecord))]
public sealed partial class RunRecordJson : JsonSerializerContext;
