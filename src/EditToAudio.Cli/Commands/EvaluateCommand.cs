using System.CommandLine;
using System.Globalization;
using EditToAudio.Backends;
using EditToAudio.Evaluation;
using EditToAudio.IO;
using EditToAudio.Models;
using EditToAudio.Pipeline;

namespace EditToAudio.Cli.Commands;

/// <summary><c>evaluate DIR</c>: does the sound follow the edit? Scores, distances and sweep tables for a run or batch folder.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("dir") { Description = "A run folder (run, embed, demo --out), a batch folder (every item) or a folder of run folders (a sweep item)." };
        var labels = new Option<ObjectLabel[]>("--label")
        {
            Description = "The sound label of a removed or added object, e.g. --label removed=\"a cat meowing\" --label added=\"a duck quacking\"; repeat a role for several objects (its scores are the means). A batch manifest's removed_label/added_label take precedence per item; without either, the objects' names in the runs' records are their labels.",
            AllowMultipleArgumentsPerToken = false,
            CustomParser = result =>
            {
                try
                {
                    return [.. result.Tokens.Select(t => ObjectLabel.Parse(t.Value))];
                }
                catch (FormatException error)
                {
                    result.AddError($"--label: {error.Message}.");
                    return [];
                }
            },
        };
        var labelFile = new Option<FileInfo?>("--labels") { Description = "Label embeddings computed elsewhere instead of the model set's table: a .npz with one [512] array per label, named by it, or a .npy [L, 512] with a .txt of the L labels beside it." };
        var models = new Option<DirectoryInfo?>("--models") { Description = "Model set whose clap_audio network embeds the clips (default: the set the runs were made with, else the bundled synthetic set)." };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Where to write evaluation.json, evaluation.md, the heatmaps and clap_audio_embeddings.npy (default: a batch folder itself; DIR-evaluation beside a run folder, which holds one run's files alone)." };
        var resamples = new Option<int>("--bootstrap") { Description = "Bootstrap resamples per confidence interval.", DefaultValueFactory = _ => Bootstrap.DefaultResamples }.InRange(1, 1_000_000);
        var confidence = new Option<double>("--confidence") { Description = "Confidence of the intervals.", DefaultValueFactory = _ => Bootstrap.DefaultConfidence }.FiniteInRange(0.5, 0.999);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the bootstrap resampling.", DefaultValueFactory = _ => 0UL };
        var device = new DeviceOptions("Where the clap_audio network runs: cpu, cuda (an error if CUDA cannot be used) or auto.");
        var clipsPerCall = new Option<int?>("--clips-per-call") { Description = $"Clips per clap_audio call (default: chosen from the memory the process may use, at most {EvaluationOptions.MaxClipsPerCall})." };
        clipsPerCall.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && value < 1)
            {
                result.AddError($"--clips-per-call must be at least 1, got {value}.");
            }
        });
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON instead of text." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress output." };
        var command = new Command("evaluate", "Does the sound follow the edit? Scores every pair (embedding comparisons, CLAP audio scores, label shifts), set distances, bootstrap intervals and sweep tables. Exit 3 when some pairs could not be evaluated.")
        {
            folder, labels, labelFile, models, output, resamples, confidence, seed, clipsPerCall, json, quiet,
        };
        device.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.Run(result, (stdout, stderr) =>
        {
            ObjectLabel[] given = result.GetValue(labels) ?? [];
            EvaluationSource source = EvaluationSource.Discover(result.GetRequiredValue(folder).FullName);
            string target = OutputFolder.CheckEvaluation(result.GetValue(output)?.FullName ?? EvaluationReport.DefaultFolder(source), source);
            LabelTable? table = result.GetValue(labelFile) is { } file ? LabelTable.Load(file.FullName) : null;
            string? modelFolder = result.GetValue(models)?.FullName ?? source.RecordedModelFolder();
            ModelSet set = EditToAudioEngine.LoadModelSet(modelFolder);
            // A missing GPU or label problem stops here, before anything is written.
            using ComputeBackend backend = device.Open(result, device.Resolve(result, stderr));
            using PipelineStages stages = backend.Open(set);
            IProgress<EvaluationProgress>? progress = result.GetValue(quiet) ? null : new ProgressLines(stderr);
            var options = new EvaluationOptions
            {
                Labels = given,
                LabelTable = table,
                Resamples = result.GetValue(resamples),
                Confidence = result.GetValue(confidence),
                Seed = result.GetValue(seed),
                ClipsPerCall = result.GetValue(clipsPerCall),
            };
            EvaluationOutcome outcome = new Evaluator(stages.Networks).Evaluate(source, options, progress, cancellationToken);
            EvaluationRecord record = EvaluationReport.Write(target, outcome);
            EvaluationSummary summary = EvaluationReport.Summary(record, target);
            if (result.GetValue(json))
            {
                stdout.WriteLine(ReadableJson.Serialize(summary, CliJson.Default.EvaluationSummary));
            }
            else
            {
                PrintText(stdout, record, summary);
            }
            foreach (UnevaluatedPair pair in record.NotEvaluated)
            {
                stderr.WriteLine($"not evaluated: {pair.Name}: {pair.Reason}");
            }
            return record.NotEvaluated.Count > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
        }));
        return command;
    }

    private static void PrintText(TextWriter output, EvaluationRecord record, EvaluationSummary summary)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"evaluated {record.Source.Evaluated} of {record.Source.Pairs} pair(s) in {record.Source.Folder} ({record.Source.Kind}); {record.NotEvaluated.Count} not evaluated"));
        string level = record.Intervals.Confidence.ToString("P0", inv).Replace(" ", "", StringComparison.Ordinal);
        foreach ((string key, MeanInterval value) in summary.Scores)
        {
            output.WriteLine(string.Create(inv, $"  {key}: {value.Mean:0.0000} [{value.Low:0.0000}, {value.High:0.0000}] ({level}, {value.Count} pairs)"));
        }
        int perSetting = record.SetDistances.Count(d => d.Setting is not null && d.Distance is not null);
        if (perSetting > 0)
        {
            output.WriteLine(string.Create(inv, $"  Fréchet distances: {perSetting}, per setting (in the report)"));
        }
        foreach (DistanceRecord d in record.SetDistances.Where(d => d.Setting is null && d.Distance is not null))
        {
            output.WriteLine(string.Create(inv, $"  Fréchet {d.SetA} vs {d.SetB}: {d.Distance:0.0000} ({d.CountA} vs {d.CountB} clips{(d.Unstable ? ", unstable" : "")})"));
        }
        if (summary.Best is { } best)
        {
            output.WriteLine(string.Create(inv, $"best setting by {summary.Objective}: {best.Name}: {best.Objective.Mean:0.0000} [{best.Objective.Low:0.0000}, {best.Objective.High:0.0000}] over {best.Objective.Count} pair(s){(best.RunnerUp is null ? "" : best.SeparatedFromRunnerUp ? $", above {best.RunnerUp}" : $", not separated from {best.RunnerUp}")}"));
        }
        output.WriteLine($"report: {summary.Report}");
        output.WriteLine($"record: {summary.Record}");
        output.WriteLine(summary.Synthetic
            ? $"models: {summary.Models} (SYNTHETIC: analytic stand-ins; the scores test the pipeline, not how the edit sounds)"
            : $"models: {summary.Models}");
    }

    /// <summary>One line per stage and per tenth of a stage, on the error stream.</summary>
    private sealed class ProgressLines(TextWriter error) : IProgress<EvaluationProgress>
    {
        private readonly Lock _gate = new();
        private (string Stage, int Tenth) _last = ("", -1);

        public void Report(EvaluationProgress value)
        {
            int tenth = value.Total == 0 ? 10 : value.Done * 10 / value.Total;
            lock (_gate)
            {
                if ((value.Stage, tenth) == _last)
                {
                    return;
                }
                _last = (value.Stage, tenth);
                error.WriteLine($"[evaluate {value.Stage}] {value.Done}/{value.Total}");
            }
        }
    }
}
