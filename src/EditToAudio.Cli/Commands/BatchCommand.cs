using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using EditToAudio.Backends;
using EditToAudio.Batch;
using EditToAudio.Models;
using EditToAudio.Pipeline;

namespace EditToAudio.Cli.Commands;

/// <summary><c>batch</c>: a manifest of image pairs (and sweeps) with shared work, resumable and shardable.</summary>
internal static class BatchCommand
{
    public static Command Create()
    {
        var manifest = new Argument<FileInfo>("manifest") { Description = "JSON Lines manifest: one {\"id\", \"original\", \"edited\", prompts (\"remove\"/\"add\": [objects] or \"auto\", or \"remove_point\"/\"add_point\": [x, y]; a side given none is found automatically), …overrides} per line (docs/batch.md)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder: <id>/ per item, results.jsonl and batch.json.", Required = true };
        var workers = new Option<int>("--workers") { Description = "Items, images and clips processed at once (ONNX Runtime threads are divided among them).", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var cache = new Option<DirectoryInfo?>("--cache") { Description = "Disk cache of masks and tokens keyed by image content, prompt and model set, shared between batches." };
        var shard = new Option<ShardSpec>("--shard")
        {
            Description = "I/N: process only slice I (0-based) of N slices of the manifest (by a hash of the id).",
            DefaultValueFactory = _ => ShardSpec.All,
            CustomParser = result => Parse(result, ShardSpec.Parse, "--shard"),
        };
        var sweep = new Option<SweepGrid?>("--sweep")
        {
            Description = "A grid per pair, e.g. k=5,10,15 alpha=0.05,0.1 beta=1.5,2 mix=0.2/0.5/0.3,0.1/0.6/0.3; outputs go to <id>/<setting>/.",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            CustomParser = result => Parse(result, _ => SweepGrid.Parse(result.Tokens.Select(t => t.Value)), "--sweep"),
        };
        var memory = new Option<double?>("--memory-gb")
        {
            Description = "Memory the network batch sizes plan with, in GiB (default: what this process may still allocate; with --device cuda, the GPU's free memory).",
        };
        memory.Validators.Add(result =>
        {
            if (result.Parsed<double>() is { } value && (!double.IsFinite(value) || value <= 0))
            {
                result.AddError($"--memory-gb must be a positive number of GiB, got {value}.");
            }
        });
        var embedOnly = new Option<bool>("--embed-only") { Description = "Stop after the CLAP embedding; a sweep writes all rows of a pair as sweep_clip.npy [S,768] and sweep_clap.npy [S,512] with sweep_index.csv." };
        var pipeline = new PipelineOptions();
        var audio = new AudioCliOptions();
        var command = new Command("batch", "Runs a manifest of image edits with shared work (each image segmented and encoded once), resumable, with sweeps and shards. Exit 3 when some items failed.")
        {
            manifest, output, workers, cache, shard, sweep, embedOnly, memory,
        };
        pipeline.AddTo(command);
        audio.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(result, async (stdout, stderr) =>
        {
            ItemParameters defaults = Defaults(result, pipeline, audio);
            BatchManifest loaded = BatchManifest.Load(result.GetRequiredValue(manifest).FullName, defaults, result.GetValue(sweep));
            ModelSet models = EditToAudioEngine.LoadModelSet(result.GetValue(pipeline.Models)?.FullName);
            bool embedOnlyRun = result.GetValue(embedOnly);
            if (!embedOnlyRun)
            {
                audio.CheckAgainst(result, models);
            }
            // Checked, not created: the folder appears with the batch's lock, once everything that can fail early has been tried.
            string folder = OutputFolder.CheckBatch(result.GetRequiredValue(output).FullName);
            int workerCount = result.GetValue(workers);
            // Opened before the output folder exists, so that a missing GPU is an error with nothing written;
            // on CUDA the free memory is read before any network or kernel takes its share.
            using ComputeBackend backend = pipeline.Device.Open(result, pipeline.Device.Resolve(result, stderr), cpuThreads: workerCount);
            PlanningMemory planning = PlanningMemory.Choose(result.GetValue(memory), backend);
            // Workers share the cores: each session gets its part of them instead of all.
            int intraOpThreads = workerCount > 1 ? Math.Max(1, Environment.ProcessorCount / workerCount) : 0;
            using PipelineStages stages = backend.Open(models, intraOpThreads);
            var options = new BatchOptions
            {
                OutputFolder = folder,
                EmbedOnly = embedOnlyRun,
                Workers = workerCount,
                CacheFolder = result.GetValue(cache)?.FullName,
                Shard = result.GetValue(shard),
                Format = audio.Format(result),
                MemoryBytes = planning.Bytes,
                MemorySource = planning.Source,
            };
            IProgress<BatchProgress>? progress = result.GetValue(pipeline.Quiet) ? null : new ProgressLines(stderr);
            BatchSummary summary = await new BatchRunner(stages).RunAsync(loaded, options, progress, cancellationToken).ConfigureAwait(false);

            foreach (string warning in summary.Warnings)
            {
                await stderr.WriteLineAsync($"warning: {warning}").ConfigureAwait(false);
            }
            string results = Path.Combine(folder, BatchRunner.ResultsFileName(options.Shard));
            foreach (string line in File.ReadLines(results))
            {
                BatchItemResult? item = JsonSerializer.Deserialize(line, BatchLineJson.Default.BatchItemResult);
                if (item is { Status: ItemStatus.Failed })
                {
                    await stderr.WriteLineAsync($"failed: {item.Id} (manifest line {item.Line}): {item.Error}").ConfigureAwait(false);
                }
            }
            await stdout.WriteLineAsync($"batch: {summary.Items} item(s) in shard {summary.Shard}: {summary.Ok} ok, {summary.Failed} failed, {summary.Skipped} skipped (already complete); {summary.Seconds:F2} s").ConfigureAwait(false);
            await stdout.WriteLineAsync($"results: {results}").ConfigureAwait(false);
            string calls = string.Join(", ", summary.NetworkCalls.Where(c => c.Value > 0).Select(c => $"{c.Key} {c.Value}"));
            await stdout.WriteLineAsync($"network calls: {(calls.Length == 0 ? "none" : calls)}").ConfigureAwait(false);
            await stdout.WriteLineAsync(summary.Synthetic
                ? $"models: {summary.Models} (SYNTHETIC: not the real weights; the audio tests the pipeline, it is not the scene's sound)"
                : $"models: {summary.Models}").ConfigureAwait(false);
            return summary.Failed > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
        }));
        return command;
    }

    private static ItemParameters Defaults(ParseResult result, PipelineOptions pipeline, AudioCliOptions audio)
    {
        ulong seed = result.GetValue(pipeline.Seed);
        return new ItemParameters
        {
            Edit = pipeline.Edit.Read(result),
            MaskSelection = result.GetValue(pipeline.MaskSelection),
            Objects = result.GetValue(pipeline.Objects.Combination),
            Detection = pipeline.Objects.Detection(result),
            Seed = seed,
            VarSamples = result.GetValue(pipeline.VarSamples),
            Audio = audio.Read(result, seed),
            Baselines = result.GetValue(audio.Baselines),
        };
    }

    private static T Parse<T>(ArgumentResult result, Func<string, T> parse, string name)
    {
        string text = string.Join(" ", result.Tokens.Select(t => t.Value));
        try
        {
            return parse(text);
        }
        catch (FormatException error)
        {
            result.AddError($"{name}: {error.Message}.");
            return default!;
        }
    }

    /// <summary>One line per finished item and per stage change, on the error stream.</summary>
    private sealed class ProgressLines(TextWriter error) : IProgress<BatchProgress>
    {
        private readonly Lock _gate = new();
        private BatchProgress _last = new("", -1, 0, 0, 0);

        public void Report(BatchProgress value)
        {
            lock (_gate)
            {
                if (value.Done == _last.Done && value.Stage == _last.Stage)
                {
                    return;
                }
                _last = value;
                error.WriteLine($"[batch {value.Stage}] {value.Done}/{value.Total} done ({value.Failed} failed, {value.Skipped} skipped)");
            }
        }
    }
}
