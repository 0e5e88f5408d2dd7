using System.Text.Json.Serialization;

namespace EditToAudio.Evaluation;

/// <summary>The machine-readable result of an evaluation (<c>evaluation.json</c>): every number, and what it was computed from.</summary>
public sealed record EvaluationRecord
{
    /// <summary>Always "evaluation".</summary>
    public string Kind { get; init; } = "evaluation";

    /// <summary>Engine version.</summary>
    public required string EngineVersion { get; init; }

    /// <summary>When the evaluation finished (UTC, ISO 8601).</summary>
    public required string FinishedUtc { get; init; }

    /// <summary>The evaluated folder.</summary>
    public required SourceRecord Source { get; init; }

    /// <summary>The model set whose CLAP audio network embedded the clips.</summary>
    public required EvaluationModelRecord Models { get; init; }

    /// <summary>The label table the label scores used; null when no pair had labels.</summary>
    public LabelTableRecord? Labels { get; init; }

    /// <summary>How the intervals were computed.</summary>
    public required IntervalSettings Intervals { get; init; }

    /// <summary>Every evaluated pair with all of its scores.</summary>
    public required IReadOnlyList<PairRecord> Pairs { get; init; }

    /// <summary>Pairs that could not be evaluated, with the file or reason.</summary>
    public required IReadOnlyList<UnevaluatedPair> NotEvaluated { get; init; }

    /// <summary>Mean and bootstrap interval of every per-pair score over all evaluated pairs.</summary>
    public required IReadOnlyDictionary<string, MeanInterval> Scores { get; init; }

    /// <summary>Fréchet distances between sets of clips' CLAP audio embeddings.</summary>
    public required IReadOnlyList<DistanceRecord> SetDistances { get; init; }

    /// <summary>Per-setting results when the pairs span several edit settings; null otherwise.</summary>
    public SweepRecord? Sweep { get; init; }

    /// <summary>The distinct clips embedded: their row in <c>clap_audio_embeddings.npy</c> and the files holding them.</summary>
    public required IReadOnlyList<ClipEmbeddingRecord> Clips { get; init; }

    /// <summary>Seconds per stage.</summary>
    public required IReadOnlyDictionary<string, double> TimingsSeconds { get; init; }

    /// <summary>CLAP audio network calls and the most clips in one.</summary>
    public required NetworkUseRecord ClapAudio { get; init; }

    /// <summary>Files written, relative to the output folder (this record last).</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    /// <summary>Warnings.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
}

/// <summary>The evaluated folder.</summary>
/// <param name="Folder">Its full path.</param>
/// <param name="Kind">run, batch or runs.</param>
/// <param name="Pairs">Pairs found.</param>
/// <param name="Evaluated">Pairs evaluated.</param>
public sealed record SourceRecord(string Folder, string Kind, int Pairs, int Evaluated);

/// <summary>The model set of an evaluation.</summary>
/// <param name="Folder">Its folder.</param>
/// <param name="Name">Its name.</param>
/// <param name="Synthetic">True for the synthetic set (the scores test the pipeline, not real sound).</param>
/// <param name="SetHash">SHA-256 over models.json and every network file (as batch.json's model_set_hash).</param>
/// <param name="ClapAudioSha256">SHA-256 of its clap_audio network; null when it has none.</param>
public sealed record EvaluationModelRecord(string Folder, string Name, bool Synthetic, string SetHash, string? ClapAudioSha256);

/// <summary>A label table.</summary>
/// <param name="Source">The embeddings file.</param>
/// <param name="Sha256">Its SHA-256.</param>
/// <param name="Names">Its labels.</param>
public sealed record LabelTableRecord(string Source, string Sha256, IReadOnlyList<string> Names);

/// <summary>How the bootstrap intervals were computed.</summary>
/// <param name="Method">"percentile bootstrap of the mean, paired over pairs".</param>
/// <param name="Resamples">Resamples.</param>
/// <param name="Confidence">Confidence level.</param>
/// <param name="Seed">Seed of the resampling.</param>
public sealed record IntervalSettings(string Method, int Resamples, double Confidence, ulong Seed);

/// <summary>One evaluated pair.</summary>
/// <param name="Name">"id" or "id/setting".</param>
/// <param name="Folder">Its folder, relative to the evaluated one.</param>
/// <param name="Parameters">Its edit setting.</param>
/// <param name="Labels">The labels its label scores used.</param>
/// <param name="Clips">Its clips (manipulated, original, edited), relative to the evaluated folder.</param>
/// <param name="Absent">What it does not have, so the scores that need it are not there.</param>
/// <param name="Scores">Every score, by name (see the report's glossary).</param>
public sealed record PairRecord(
    string Name, string Folder, SettingParameters Parameters, IReadOnlyList<ObjectLabel> Labels,
    IReadOnlyDictionary<string, string> Clips, IReadOnlyList<string> Absent, IReadOnlyDictionary<string, double> Scores);

/// <summary>The Fréchet distance between two sets of clips (or why it was not computed).</summary>
/// <param name="Setting">The setting whose pairs the sets come from; null for all pairs.</param>
/// <param name="SetA">manipulated, original or edited.</param>
/// <param name="SetB">The other set.</param>
/// <param name="CountA">Distinct clips in the first set.</param>
/// <param name="CountB">Distinct clips in the second set.</param>
/// <param name="Distance">The distance; null when a set is too small.</param>
/// <param name="MeanTerm">‖μa − μb‖².</param>
/// <param name="TraceTerm">The covariance term.</param>
/// <param name="Unstable">True when a set has no more clips than the embedding has dimensions (a singular covariance).</param>
public sealed record DistanceRecord(
    string? Setting, string SetA, string SetB, int CountA, int CountB, double? Distance, double? MeanTerm, double? TraceTerm, bool Unstable);

/// <summary>Results per edit setting.</summary>
/// <param name="Parameters">The parameters that take more than one value (k, alpha, beta, mix).</param>
/// <param name="Objective">The score settings are ranked by; null when no pair has one.</param>
/// <param name="Settings">Every setting, best first by the objective's mean.</param>
/// <param name="Best">The best setting and its interval.</param>
/// <param name="Heatmaps">One per pair of swept parameters: the objective's mean per cell.</param>
public sealed record SweepRecord(
    IReadOnlyList<string> Parameters, string? Objective, IReadOnlyList<SettingSummary> Settings, BestSetting? Best, IReadOnlyList<HeatmapRecord> Heatmaps);

/// <summary>One setting's aggregates.</summary>
/// <param name="Rank">1 for the best by the objective.</param>
/// <param name="Name">The setting's name.</param>
/// <param name="Parameters">Its parameters.</param>
/// <param name="Pairs">Pairs evaluated with it.</param>
/// <param name="Scores">Mean and interval of every score over its pairs.</param>
public sealed record SettingSummary(int Rank, string Name, SettingParameters Parameters, int Pairs, IReadOnlyDictionary<string, MeanInterval> Scores);

/// <summary>The best setting.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Objective">The objective's mean and interval over its pairs.</param>
/// <param name="RunnerUp">The second best, when there is one.</param>
/// <param name="SeparatedFromRunnerUp">True when the best's interval lies wholly above the runner-up's.</param>
public sealed record BestSetting(string Name, MeanInterval Objective, string? RunnerUp, bool SeparatedFromRunnerUp);

/// <summary>A heatmap of the objective over two swept parameters (other parameters pooled).</summary>
/// <param name="File">The PNG, relative to the output folder.</param>
/// <param name="X">Parameter across.</param>
/// <param name="Y">Parameter up.</param>
/// <param name="XValues">Its values.</param>
/// <param name="YValues">Its values.</param>
/// <param name="Means">Mean per cell, [y][x]; null where no pair has that combination.</param>
/// <param name="Counts">Pairs per cell, [y][x].</param>
public sealed record HeatmapRecord(string File, string X, string Y, IReadOnlyList<string> XValues, IReadOnlyList<string> YValues, double?[][] Means, int[][] Counts);

/// <summary>One distinct clip.</summary>
/// <param name="Row">Its row in clap_audio_embeddings.npy.</param>
/// <param name="Files">The files holding it (copies of one clip share a row), relative to the evaluated folder.</param>
public sealed record ClipEmbeddingRecord(int Row, IReadOnlyList<string> Files);

/// <summary>How the CLAP audio network was used.</summary>
/// <param name="Calls">Network calls.</param>
/// <param name="ClipsPerCall">Most clips in one call.</param>
/// <param name="Clips">Distinct clips embedded.</param>
public sealed record NetworkUseRecord(int Calls, int ClipsPerCall, int Clips);

/// <summary>Source-generated (trimming-safe) JSON for the evaluation record.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(EvaluationRecord))]
public sealed partial class EvaluationRecordJson : JsonSerializerContext;
