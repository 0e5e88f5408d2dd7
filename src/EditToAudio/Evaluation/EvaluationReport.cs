using System.Globalization;
using System.Text;
using System.Text.Json;
using EditToAudio.IO;
using EditToAudio.Networks;
using EditToAudio.Pipeline;

namespace EditToAudio.Evaluation;

/// <summary>
/// Writes an evaluation's files: <c>evaluation.md</c> (tables a person reads), a heatmap PNG per pair of
/// swept parameters, <c>clap_audio_embeddings.npy</c> (the clips' CLAP audio embeddings, rows as
/// evaluation.json's <c>clips</c> list them) and <c>evaluation.json</c> last. Every file is written
/// under a temporary name and renamed; an earlier evaluation's record is removed first and its other
/// files once the new ones are complete, so the folder never mixes two evaluations.
/// </summary>
public static class EvaluationReport
{
    /// <summary>The record's file name.</summary>
    public const string RecordFile = "evaluation.json";

    /// <summary>The report's file name.</summary>
    public const string MarkdownFile = "evaluation.md";

    /// <summary>The clips' embeddings.</summary>
    public const string EmbeddingsFile = "clap_audio_embeddings.npy";

    /// <summary>Rows of the per-pair table in the report; every pair is in the record.</summary>
    public const int MaxPairRows = 200;

    /// <summary>Suffix of the default output folder of a run folder's evaluation (beside it: a run folder holds one run's files alone).</summary>
    public const string FolderSuffix = "-evaluation";

    /// <summary>Where an evaluation of <paramref name="source"/> goes by default: a batch folder holds its evaluation beside results.jsonl; a run folder's goes to the folder beside it named with <see cref="FolderSuffix"/>.</summary>
    public static string DefaultFolder(EvaluationSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Kind == SourceKind.Batch ? source.Folder : source.Folder.TrimEnd(Path.DirectorySeparatorChar) + FolderSuffix;
    }

    /// <summary>
    /// The files an earlier evaluation left in <paramref name="folder"/>, which a new one replaces as a
    /// whole. A folder holding anything else is refused, except the evaluated batch's own folder
    /// (<paramref name="batchFolder"/>), where the evaluation lives beside results.jsonl.
    /// </summary>
    /// <exception cref="OutputFolderException">The folder holds files that are not an earlier evaluation's.</exception>
    public static IReadOnlyList<string> EarlierOutput(string folder, string? batchFolder = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        List<string> kept = [.. OutputFolders.Files(folder).Where(f => !OutputFolders.IsTemporary(f))];
        HashSet<string> listed = [.. PreviousOutputs(folder).Where(kept.Contains)];
        bool besideBatch = batchFolder is not null && string.Equals(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(batchFolder).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);
        List<string> others = [.. kept.Where(f => !listed.Contains(f))];
        if (!besideBatch && others.Count > 0)
        {
            throw new OutputFolderException(
                $"the output folder {folder} holds files that are not an earlier evaluation's ({OutputFolders.Describe(others)}), which an evaluation would mix with its own; choose a new or empty folder with --out, or empty this one.");
        }
        return [.. listed.Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Writes the outcome into <paramref name="folder"/> and returns the record as written (with its
    /// outputs). An earlier evaluation there is replaced: its record is deleted first, its other files
    /// once the new ones are complete.
    /// </summary>
    /// <exception cref="OutputFolderException">The folder holds files that are not an earlier evaluation's (see <see cref="EarlierOutput"/>).</exception>
    public static EvaluationRecord Write(string folder, EvaluationOutcome outcome)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(outcome);
        EvaluationRecord record = outcome.Record;
        IReadOnlyList<string> earlier = EarlierOutput(folder, record.Source.Kind == "batch" ? record.Source.Folder : null);
        Directory.CreateDirectory(folder);
        if (earlier.Contains(RecordFile))
        {
            File.Delete(Path.Combine(folder, RecordFile));
        }
        EvaluationRecord written = RunOutputs.WriteAll(folder, RecordFile, null, files =>
        {
            if (record.Clips.Count > 0)
            {
                RunOutputs.Write(folder, EmbeddingsFile, files, path => Npy.Write(path, outcome.ClipEmbeddings, [record.Clips.Count, ClapAudioEncoder.Width]));
            }
            foreach (HeatmapRecord heatmap in record.Sweep?.Heatmaps ?? [])
            {
                RunOutputs.Write(folder, heatmap.File, files, path => AtomicFile.WriteAllBytes(path, HeatmapPlot.Render(heatmap, record.Sweep!.Objective!)));
            }
            RunOutputs.Write(folder, MarkdownFile, files, path => AtomicFile.WriteAllText(path, Markdown(record)));
            EvaluationRecord final = record with { Outputs = [.. files, RecordFile] };
            AtomicFile.WriteAllText(Path.Combine(folder, RecordFile), ReadableJson.Serialize(final, EvaluationRecordJson.Default.EvaluationRecord) + "\n");
            return final;
        });
        OutputFolders.Delete(folder, earlier.Except(written.Outputs, StringComparer.Ordinal));
        return written;
    }

    /// <summary>The files an earlier evaluation in <paramref name="folder"/> lists (only the names this report writes are trusted), its record included.</summary>
    private static string[] PreviousOutputs(string folder)
    {
        string path = Path.Combine(folder, RecordFile);
        if (!File.Exists(path))
        {
            return [];
        }
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (document.RootElement.GetProperty("kind").GetString() != "evaluation")
            {
                return [];
            }
            return [RecordFile, .. document.RootElement.GetProperty("outputs").EnumerateArray().Select(o => o.GetString() ?? "")
                .Where(o => o is MarkdownFile or EmbeddingsFile || (o.StartsWith("heatmap_", StringComparison.Ordinal) && o.EndsWith(".png", StringComparison.Ordinal) && !o.Contains('/', StringComparison.Ordinal)))];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            return [];
        }
    }

    /// <summary>What <c>--json</c> prints: the headline numbers and where everything else is.</summary>
    public static EvaluationSummary Summary(EvaluationRecord record, string folder)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new EvaluationSummary(
            record.Source.Folder, record.Source.Kind, record.Source.Pairs, record.Source.Evaluated, record.NotEvaluated.Count,
            record.Models.Name, record.Models.Synthetic, record.Models.SetHash,
            Headlines.Where(h => record.Scores.ContainsKey(h.Key)).ToDictionary(h => h.Key, h => record.Scores[h.Key]),
            record.SetDistances, record.Sweep?.Best, record.Sweep?.Objective,
            Path.Combine(folder, RecordFile), Path.Combine(folder, MarkdownFile), record.Warnings);
    }

    /// <summary>The scores the report and the summary lead with, and how the report words them.</summary>
    internal static IReadOnlyList<(string Key, string Text)> Headlines { get; } =
    [
        ("audio.edit_effect.total", "audio: edit effect (toward added + away from removed), vs the original image's baseline"),
        ("audio.edit_effect.toward_added", "audio: moved toward the added object's label"),
        ("audio.edit_effect.away_from_removed", "audio: moved away from the removed object's label"),
        ("audio.edited_effect.total", "audio: the plain edited image's baseline, same measure (reference)"),
        ("clap.edit_effect.total", "conditioning: edit effect of the CLAP embedding the clip was made from"),
        ("audio.toward_edited", "audio: cos(manipulated, edited baseline) − cos(manipulated, original baseline)"),
        ("audio.manipulated.label_margin", "audio: cos(manipulated, added label) − cos(manipulated, removed label)"),
        ("clap.manipulated.label_margin", "conditioning: cos(edited embedding's CLAP, added label) − cos(…, removed label)"),
        ("audio.manipulated.conditioning", "audio: manipulated clip vs its conditioning embedding (cosine)"),
        ("audio.original.conditioning", "audio: original baseline clip vs its conditioning (cosine)"),
        ("audio.edited.conditioning", "audio: edited baseline clip vs its conditioning (cosine)"),
        ("audio.manipulated_vs_original.cosine", "audio: manipulated vs original baseline clip (cosine)"),
        ("audio.manipulated_vs_edited.cosine", "audio: manipulated vs edited baseline clip (cosine)"),
    ];

    private static readonly (string Key, string Text)[] Comparisons =
    [
        ("clip.manipulated_vs_original", "CLIP: edited embedding vs original image"),
        ("clip.manipulated_vs_edited", "CLIP: edited embedding vs edited image"),
        ("clip.original_vs_edited", "CLIP: original vs edited image"),
        ("clap.manipulated_vs_original", "CLAP: conditioning vs original image's"),
        ("clap.manipulated_vs_edited", "CLAP: conditioning vs edited image's"),
        ("clap.original_vs_edited", "CLAP: original vs edited image's"),
    ];

    /// <summary>The report: what was evaluated, the headline scores with intervals, comparisons, distances, settings, pairs and glossary.</summary>
    public static string Markdown(EvaluationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        string level = record.Intervals.Confidence.ToString("P0", inv).Replace(" ", "", StringComparison.Ordinal);
        md.AppendLine("# Evaluation: does the sound follow the edit?").AppendLine();
        md.AppendLine(inv, $"- folder: `{record.Source.Folder}` ({record.Source.Kind}): {record.Source.Pairs} pair(s), {record.Source.Evaluated} evaluated, {record.NotEvaluated.Count} not evaluated");
        md.AppendLine(inv, $"- model set: `{record.Models.Name}`{(record.Models.Synthetic ? " (**synthetic**: analytic stand-ins, the scores test the pipeline)" : "")}, set hash `{record.Models.SetHash}`");
        md.AppendLine(record.Labels is null ? "- labels: none given (no label scores)" : $"- labels: `{record.Labels.Source}` ({record.Labels.Names.Count} labels)");
        md.AppendLine(inv, $"- intervals: {level} {record.Intervals.Method}, {record.Intervals.Resamples} resamples, seed {record.Intervals.Seed}");
        md.AppendLine(inv, $"- CLAP audio network: {record.ClapAudio.Clips} distinct clip(s) in {record.ClapAudio.Calls} call(s), up to {record.ClapAudio.ClipsPerCall} per call; {record.TimingsSeconds.GetValueOrDefault("total"):F2} s in all");
        md.AppendLine();
        foreach (string warning in record.Warnings)
        {
            md.AppendLine(inv, $"> **Warning:** {warning}").AppendLine();
        }

        md.AppendLine("## The edit's effect").AppendLine();
        md.AppendLine(inv, $"| score | pairs | mean | {level} interval |").AppendLine("|---|---:|---:|---|");
        foreach ((string key, string text) in Headlines.Where(h => record.Scores.ContainsKey(h.Key)))
        {
            MeanInterval v = record.Scores[key];
            md.AppendLine(inv, $"| {text} (`{key}`) | {v.Count} | {v.Mean:0.0000} | [{v.Low:0.0000}, {v.High:0.0000}] |");
        }
        if (!Headlines.Any(h => record.Scores.ContainsKey(h.Key)))
        {
            md.AppendLine("| (no clips or labels: see the embedding comparisons) | | | |");
        }
        md.AppendLine();

        md.AppendLine("## Embedding comparisons (as the research code's compare_embeddings)").AppendLine();
        md.AppendLine("Means over the pairs; every pair's values and each mean's interval are in evaluation.json.").AppendLine();
        md.AppendLine("| comparison | cosine | L2 | L1 | mean abs | max abs |").AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach ((string key, string text) in Comparisons.Where(c => record.Scores.ContainsKey(c.Key + ".cosine")))
        {
            md.Append(inv, $"| {text} |");
            foreach (string measure in VectorComparison.Names)
            {
                md.Append(inv, $" {record.Scores[$"{key}.{measure}"].Mean:0.0000} |");
            }
            md.AppendLine();
        }
        md.AppendLine();

        if (record.SetDistances.Count > 0)
        {
            md.AppendLine("## Set distances (Fréchet, on the clips' CLAP audio embeddings)").AppendLine();
            md.AppendLine("| setting | sets | clips | distance | mean term | covariance term |").AppendLine("|---|---|---|---:|---:|---:|");
            foreach (DistanceRecord d in record.SetDistances)
            {
                string distance = d.Distance is { } value
                    ? value.ToString("0.0000", inv) + (d.Unstable ? " (unstable: singular covariance)" : "")
                    : $"not computed (needs ≥ {FrechetDistance.MinimumCount} clips per set)";
                md.AppendLine(inv, $"| {d.Setting ?? "all"} | {d.SetA} vs {d.SetB} | {d.CountA} vs {d.CountB} | {distance} | {Number(d.MeanTerm)} | {Number(d.TraceTerm)} |");
            }
            md.AppendLine();
        }

        if (record.Sweep is { } sweep)
        {
            AppendSweep(md, sweep, level);
        }

        md.AppendLine("## Pairs").AppendLine();
        string[] columns = ["audio.edit_effect.total", "audio.edit_effect.toward_added", "audio.edit_effect.away_from_removed", "clap.edit_effect.total",
            "audio.manipulated.conditioning", "clip.manipulated_vs_original.cosine", "clap.manipulated_vs_original.cosine"];
        md.AppendLine("| pair | labels (removed → added) | " + string.Join(" | ", columns.Select(c => $"`{c}`")) + " |");
        md.AppendLine("|---|---|" + string.Concat(columns.Select(_ => "---:|")));
        foreach (PairRecord pair in record.Pairs.Take(MaxPairRows))
        {
            string labels = string.Join(" → ", pair.Labels.OrderBy(l => l.Role).Select(l => l.Name));
            string values = string.Join(" | ", columns.Select(c => pair.Scores.TryGetValue(c, out double v) ? v.ToString("0.0000", inv) : "–"));
            md.AppendLine(inv, $"| {pair.Name} | {labels} | {values} |");
        }
        if (record.Pairs.Count > MaxPairRows)
        {
            md.AppendLine().AppendLine(inv, $"… and {record.Pairs.Count - MaxPairRows} more pairs: every pair's scores are in {RecordFile}.");
        }
        var absent = record.Pairs.SelectMany(p => p.Absent).GroupBy(a => a, StringComparer.Ordinal).ToList();
        if (absent.Count > 0)
        {
            md.AppendLine().AppendLine("Not scored, because the pairs lack what the score needs:").AppendLine();
            foreach (var group in absent)
            {
                md.AppendLine(inv, $"- {group.Key}: {group.Count()} pair(s)");
            }
        }
        md.AppendLine();

        if (record.NotEvaluated.Count > 0)
        {
            md.AppendLine("## Not evaluated").AppendLine();
            foreach (UnevaluatedPair pair in record.NotEvaluated)
            {
                md.AppendLine(inv, $"- **{pair.Name}**: {pair.Reason}");
            }
            md.AppendLine();
        }

        md.AppendLine("## What the scores mean").AppendLine();
        md.AppendLine("Embeddings are named by what made them: *manipulated* is the edited embedding (and the clip made from it), *original* and *edited* are each image's plain CLIP embedding (and the baseline clip made from it).");
        md.AppendLine();
        md.AppendLine("- `clip.X_vs_Y.M`, `clap.X_vs_Y.M`: cosine, L2, L1, mean and largest absolute difference between two CLIP embeddings, or between the CLAP embeddings the clips were conditioned on.");
        md.AppendLine("- `audio.X.conditioning`: cosine of a clip's CLAP audio embedding with the embedding it was generated from. `audio.X_vs_Y.cosine`: two clips' audio embeddings.");
        md.AppendLine("- `audio.X.label_R`, `clap.X.label_R`: cosine with the CLAP text embedding of the removed or added object's label; `label_margin` is the added label's cosine minus the removed one's.");
        md.AppendLine("- `audio.edit_effect.toward_added` = cos(manipulated, added) − cos(original, added); `away_from_removed` = cos(original, removed) − cos(manipulated, removed); `total` is their sum. Positive means the manipulated clip moved, relative to the original image's baseline, toward the added object and away from the removed one. `audio.edited_effect` is the same for the edited image's plain baseline; `clap.edit_effect` the same for the conditioning embeddings.");
        md.AppendLine("- Fréchet distance: ‖μa − μb‖² + tr Σa + tr Σb − 2 tr (Σa^½ Σb Σa^½)^½ between Gaussians fitted to two sets of clips' audio embeddings (lower: more alike).");
        return md.ToString();
    }

    private static void AppendSweep(StringBuilder md, SweepRecord sweep, string level)
    {
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("## Settings").AppendLine();
        md.AppendLine(inv, $"Swept: {(sweep.Parameters.Count == 0 ? "(no edit parameter varies)" : string.Join(", ", sweep.Parameters))}. ");
        if (sweep.Objective is null)
        {
            md.AppendLine("No pair has a score to rank by (it needs clips with baselines, or labels).").AppendLine();
        }
        else
        {
            md.AppendLine(inv, $"Ranked by the mean of `{sweep.Objective}`.").AppendLine();
        }
        if (sweep.Best is { } best)
        {
            string next = best.RunnerUp is null ? "" : best.SeparatedFromRunnerUp
                ? $"; its interval lies above that of the runner-up `{best.RunnerUp}`"
                : $"; its interval overlaps that of the runner-up `{best.RunnerUp}`, so the two are not separated at this confidence";
            md.AppendLine(inv, $"**Best setting: `{best.Name}`**: mean {best.Objective.Mean:0.0000}, {level} interval [{best.Objective.Low:0.0000}, {best.Objective.High:0.0000}] over {best.Objective.Count} pair(s){next}.").AppendLine();
        }
        string objective = sweep.Objective ?? "";
        md.AppendLine(inv, $"| rank | setting | k | α | β | mix | pairs | `{objective}` mean [{level}] | toward added | away from removed | manipulated vs conditioning |");
        md.AppendLine("|---:|---|---:|---:|---:|---|---:|---|---:|---:|---:|");
        foreach (SettingSummary s in sweep.Settings)
        {
            string Mean(string key) => s.Scores.TryGetValue(key, out MeanInterval v) ? v.Mean.ToString("0.0000", inv) : "–";
            string target = s.Scores.TryGetValue(objective, out MeanInterval o) ? string.Create(inv, $"{o.Mean:0.0000} [{o.Low:0.0000}, {o.High:0.0000}]") : "–";
            md.AppendLine(inv, $"| {s.Rank} | `{s.Name}` | {SweepAnalysis.Value(s.Parameters, "k")} | {SweepAnalysis.Value(s.Parameters, "alpha")} | {SweepAnalysis.Value(s.Parameters, "beta")} | {SweepAnalysis.Value(s.Parameters, "mix")} | {s.Pairs} | {target} | {Mean("audio.edit_effect.toward_added")} | {Mean("audio.edit_effect.away_from_removed")} | {Mean("audio.manipulated.conditioning")} |");
        }
        md.AppendLine();
        foreach (HeatmapRecord heatmap in sweep.Heatmaps)
        {
            md.AppendLine(inv, $"![mean {objective} by {heatmap.X} and {heatmap.Y}]({heatmap.File})").AppendLine();
        }
    }

    private static string Number(double? value) => value is { } v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "–";
}

/// <summary>What <c>edit2audio evaluate --json</c> prints.</summary>
/// <param name="Folder">The evaluated folder.</param>
/// <param name="Kind">run, batch or runs.</param>
/// <param name="Pairs">Pairs found.</param>
/// <param name="Evaluated">Pairs evaluated.</param>
/// <param name="NotEvaluated">Pairs that could not be (named in the record).</param>
/// <param name="Models">The model set's name.</param>
/// <param name="Synthetic">True for the synthetic set.</param>
/// <param name="ModelSetHash">The model set's hash.</param>
/// <param name="Scores">The headline scores' means and intervals.</param>
/// <param name="SetDistances">The Fréchet distances.</param>
/// <param name="Best">The best setting of a sweep.</param>
/// <param name="Objective">What the settings were ranked by.</param>
/// <param name="Record">Path of evaluation.json.</param>
/// <param name="Report">Path of evaluation.md.</param>
/// <param name="Warnings">Warnings.</param>
public sealed record EvaluationSummary(
    string Folder, string Kind, int Pairs, int Evaluated, int NotEvaluated, string Models, bool Synthetic, string ModelSetHash,
    IReadOnlyDictionary<string, MeanInterval> Scores, IReadOnlyList<DistanceRecord> SetDistances, BestSetting? Best, string? Objective,
    string Record, string Report, IReadOnlyList<string> Warnings);
