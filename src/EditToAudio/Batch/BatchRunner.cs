using System.Security.Cryptography;
using System.Text;
using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.Models;
using EditToAudio.Pipeline;

namespace EditToAudio.Batch;

/// <summary>How a batch runs.</summary>
public sealed record BatchOptions
{
    /// <summary>The output folder: one folder per item, the results file and the batch record.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>Stop after the CLAP embedding (no audio).</summary>
    public bool EmbedOnly { get; init; }

    /// <summary>Items (and images, and clips) processed at once on the CPU side.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Disk cache of masks and tokens shared between batches; null for none.</summary>
    public string? CacheFolder { get; init; }

    /// <summary>The slice of the manifest to process.</summary>
    public ShardSpec Shard { get; init; } = ShardSpec.All;

    /// <summary>WAV sample format.</summary>
    public WaveSampleFormat Format { get; init; } = WaveSampleFormat.Float32;

    /// <summary>Items held in memory at once; null chooses from the available memory.</summary>
    public int? ItemsPerChunk { get; init; }

    /// <summary>
    /// Bytes the batch sizes may plan with; null uses what the process may still allocate
    /// (<see cref="BatchSizing.AvailableBytes"/>). With the networks on a GPU, pass the device
    /// memory they may use, which host memory does not bound.
    /// </summary>
    public long? MemoryBytes { get; init; }

    /// <summary>
    /// Where <see cref="MemoryBytes"/> came from (<see cref="PlanningMemorySource"/>), recorded in
    /// <c>batch.json</c>; without <see cref="MemoryBytes"/> the record says host.
    /// </summary>
    public string MemorySource { get; init; } = PlanningMemorySource.Option;
}

/// <summary>Progress of a batch.</summary>
/// <param name="Stage">What runs now ("check", "decode", "segment", "clip", "edit", "map", "audio", "write").</param>
/// <param name="Done">Items finished (ok, failed or skipped).</param>
/// <param name="Total">Items in the slice.</param>
/// <param name="Failed">Items failed so far.</param>
/// <param name="Skipped">Items skipped as complete.</param>
public readonly record struct BatchProgress(string Stage, int Done, int Total, int Failed, int Skipped);

/// <summary>
/// Runs a manifest: a scheduler over the stages of <see cref="PipelineStages"/>, as the engine is
/// for one request, that plans the shared work. Each distinct image is decoded, SAM2-encoded and
/// CLIP-encoded once, each distinct prompt segmented once (and both looked up in an optional disk
/// cache first); CLIP and SSV2A run batched across items with batch sizes chosen from memory; the
/// edits of a sweep share one eigendecomposition per (image, mask); and the baselines of an item
/// are generated once for all its settings. Items are checked for complete outputs first (and
/// skipped), processed in chunks that fit in memory, and written as they finish, so an interruption
/// loses at most the items in flight. A failing item is recorded and the others go on
/// (<see cref="BatchRun"/>). Not thread-safe: one batch at a time per runner.
/// </summary>
public sealed class BatchRunner
{
    /// <summary>Most CLIP images per call.</summary>
    public const int MaxClipBatch = 64;

    /// <summary>Most SSV2A rows per call.</summary>
    public const int MaxMappingBatch = 1024;

    /// <summary>Most clips per audio call (the UNet then sees this many times the candidates, twice with guidance).</summary>
    public const int MaxAudioBatch = 64;

    /// <summary>Most items per in-memory chunk.</summary>
    public const int MaxChunk = 4096;

    /// <summary>Pixels per image assumed when sizing chunks before the images are decoded (4 megapixels).</summary>
    public const long AssumedPixelsPerImage = 4L << 20;

    private readonly PipelineStages _stages;

    /// <summary>Runs batches on <paramref name="stages"/> (every stage on its backend); the caller keeps ownership.</summary>
    public BatchRunner(PipelineStages stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        _stages = stages;
    }

    /// <summary>The results file of <paramref name="shard"/>: results.jsonl, or results-shard-I-of-N.jsonl.</summary>
    public static string ResultsFileName(ShardSpec shard) => $"results{shard.FileSuffix}.jsonl";

    /// <summary>The batch record of <paramref name="shard"/>: batch.json, or batch-shard-I-of-N.json.</summary>
    public static string SummaryFileName(ShardSpec shard) => $"batch{shard.FileSuffix}.json";

    /// <summary>SHA-256 over the set's manifest and every network file: the cache key part that changes with any model.</summary>
    public static string ModelSetHash(ModelSet models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var text = new StringBuilder();
        text.Append("manifest=").Append(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(models.Folder, ModelSetManifest.FileName))))).Append('\n');
        foreach (NetworkKind kind in models.Manifest.Networks.Keys.Order())
        {
            text.Append(kind).Append('=').Append(models.Sha256Of(kind)).Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Runs the slice of <paramref name="manifest"/> that <paramref name="options"/> names.</summary>
    /// <returns>The batch record, also written to the output folder.</returns>
    /// <exception cref="OperationCanceledException">When cancelled; the results of finished items are written first.</exception>
    public Task<BatchSummary> RunAsync(BatchManifest manifest, BatchOptions options, IProgress<BatchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Workers, 1);
        CheckAgainstModels(manifest, options);
        return Task.Run(() => new BatchRun(_stages, manifest, options, progress, cancellationToken).Execute(), cancellationToken);
    }

    /// <summary>Refuses, before any work, items whose settings the model set cannot run (the manifest alone cannot tell).</summary>
    private void CheckAgainstModels(BatchManifest manifest, BatchOptions options)
    {
        if (options.EmbedOnly)
        {
            return;
        }
        int trainingSteps = _stages.Models.Constants.BetaSchedule.Steps;
        ManifestError[] errors = [.. manifest.Items
            .Where(i => options.Shard.Contains(i.Id) && i.Parameters.Audio.Sampler.Steps > trainingSteps)
            .Select(i => new ManifestError(i.Line, $"steps {i.Parameters.Audio.Sampler.Steps} exceed the model set's {trainingSteps} training steps"))];
        if (errors.Length > 0)
        {
            throw BatchManifest.Refusal(manifest.Path, errors);
        }
    }

    /// <summary>File of an embed-only sweep's edited CLIP embeddings [S, 768].</summary>
    public const string SweepClipFile = "sweep_clip.npy";

    /// <summary>File of an embed-only sweep's CLAP embeddings [S, 512].</summary>
    public const string SweepClapFile = "sweep_clap.npy";

    /// <summary>CSV mapping each row of the sweep arrays to its setting.</summary>
    public const string SweepIndexFile = "sweep_index.csv";

    /// <summary>The record of an embed-only sweep, written last.</summary>
    public const string SweepRecordFile = RunOutputs.SweepRecordFile;
}
