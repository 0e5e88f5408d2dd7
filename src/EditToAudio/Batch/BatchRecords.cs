using System.Text.Json.Serialization;
using EditToAudio.Evaluation;
using EditToAudio.Pipeline;

namespace EditToAudio.Batch;

/// <summary>What happened to one item.</summary>
public static class ItemStatus
{
    /// <summary>Ran and wrote its outputs.</summary>
    public const string Ok = "ok";

    /// <summary>Could not run; <see cref="BatchItemResult.Error"/> says why.</summary>
    public const string Failed = "failed";

    /// <summary>Its outputs were already complete (checked) from an earlier run.</summary>
    public const string Skipped = "skipped";
}

/// <summary>Where the memory that sizes the network batches came from (<c>memory_source</c> in <c>batch.json</c>).</summary>
public static class PlanningMemorySource
{
    /// <summary>What the process may still allocate on the host (<see cref="BatchSizing.AvailableBytes"/>).</summary>
    public const string Host = "host";

    /// <summary>The GPU's free memory, read from the driver before the batch.</summary>
    public const string Device = "device";

    /// <summary>Given by the caller (<c>--memory-gb</c>).</summary>
    public const string Option = "option";
}

/// <summary>One line of <c>results.jsonl</c>.</summary>
public sealed record BatchItemResult
{
    /// <summary>The item's id (its folder under the output folder).</summary>
    public required string Id { get; init; }

    /// <summary>The manifest line.</summary>
    public required int Line { get; init; }

    /// <summary><see cref="ItemStatus"/>: ok, failed or skipped.</summary>
    public required string Status { get; init; }

    /// <summary>Settings the item ran (1 without a sweep).</summary>
    public int Settings { get; init; }

    /// <summary>Files written, relative to the output folder.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    /// <summary>Seconds per stage; shared stages count this item's share.</summary>
    public IReadOnlyDictionary<string, double> TimingsSeconds { get; init; } = new Dictionary<string, double>();

    /// <summary>Mask areas of the item (the same for all its settings), as in its records; null when it failed before writing them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MaskRecord? Masks { get; init; }

    /// <summary>Every object of the item (its prompts, given or found, role, mask area and patches), as in its records; null when it failed before writing them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ObjectRecord>? Objects { get; init; }

    /// <summary>Warnings of the item's runs.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Why the item failed; null otherwise.</summary>
    public string? Error { get; init; }

    /// <summary>The manifest line's sound labels of the removed and added objects (read by <c>evaluate</c>); absent when it gives none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ObjectLabel>? Labels { get; init; }
}

/// <summary>How much work a batch did and how much it shared (<c>batch.json</c>).</summary>
public sealed record WorkCounts
{
    /// <summary>Images decoded.</summary>
    public int ImagesDecoded { get; set; }

    /// <summary>SAM2 prompts decoded by the network.</summary>
    public int MasksSegmented { get; set; }

    /// <summary>Masks read from the cache.</summary>
    public int MasksFromCache { get; set; }

    /// <summary>Images encoded by CLIP.</summary>
    public int TokensEncoded { get; set; }

    /// <summary>Token sets read from the cache.</summary>
    public int TokensFromCache { get; set; }

    /// <summary>Eigendecompositions of masked regions (two per item, whatever the number of settings).</summary>
    public int RegionDecompositions { get; set; }

    /// <summary>Edited embeddings computed (one per item and setting).</summary>
    public int Edits { get; set; }

    /// <summary>Embeddings mapped to CLAP.</summary>
    public int MappedEmbeddings { get; set; }

    /// <summary>Clips generated (settings and baselines).</summary>
    public int Clips { get; set; }
}

/// <summary>The record of one batch run (<c>batch.json</c>, or <c>batch-shard-I-of-N.json</c>).</summary>
public sealed record BatchSummary
{
    /// <summary>Engine version.</summary>
    public required string EngineVersion { get; init; }

    /// <summary>When the batch finished (UTC, ISO 8601).</summary>
    public required string FinishedUtc { get; init; }

    /// <summary>The manifest's full path.</summary>
    public required string Manifest { get; init; }

    /// <summary>SHA-256 of the manifest's bytes.</summary>
    public required string ManifestSha256 { get; init; }

    /// <summary>The slice, "I/N" (0-based I).</summary>
    public required string Shard { get; init; }

    /// <summary>The model set's name.</summary>
    public required string Models { get; init; }

    /// <summary>True for the synthetic set.</summary>
    public required bool Synthetic { get; init; }

    /// <summary>The model set hash (cache key part).</summary>
    public required string ModelSetHash { get; init; }

    /// <summary>"cpu" or "cuda".</summary>
    public required string Provider { get; init; }

    /// <summary>"run" or "embed".</summary>
    public required string Mode { get; init; }

    /// <summary>Items in this slice.</summary>
    public required int Items { get; init; }

    /// <summary>Items that ran.</summary>
    public required int Ok { get; init; }

    /// <summary>Items that failed.</summary>
    public required int Failed { get; init; }

    /// <summary>Items whose outputs were already complete.</summary>
    public required int Skipped { get; init; }

    /// <summary>True when the batch was cancelled before every item was done.</summary>
    public bool Cancelled { get; init; }

    /// <summary>Network runs per network during this batch (ONNX Runtime session runs).</summary>
    public required IReadOnlyDictionary<string, long> NetworkCalls { get; init; }

    /// <summary>Units of work done and shared.</summary>
    public required WorkCounts Work { get; init; }

    /// <summary>Batch sizes chosen from memory: CLIP images per call, SSV2A rows per call, items per in-memory chunk.</summary>
    public required IReadOnlyDictionary<string, int> BatchSizes { get; init; }

    /// <summary>
    /// Where the memory the batch sizes were planned with came from (<see cref="PlanningMemorySource"/>);
    /// null in records written before it was recorded.
    /// </summary>
    public string? MemorySource { get; init; }

    /// <summary>Worker threads.</summary>
    public required int Workers { get; init; }

    /// <summary>Wall-clock seconds.</summary>
    public required double Seconds { get; init; }

    /// <summary>The cache folder, when one was used.</summary>
    public string? Cache { get; init; }

    /// <summary>What the batch itself noticed (a stale lock taken over); the items' warnings are in the results.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Source-generated JSON for the batch records (indented files).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BatchSummary))]
[JsonSerializable(typeof(ParameterRecord))]
[JsonSerializable(typeof(SweepRow[]))]
[JsonSerializable(typeof(MaskRecord))]
[JsonSerializable(typeof(ObjectRecord))]
[JsonSerializable(typeof(List<ObjectRecord>))]
public sealed partial class BatchRecordJson : JsonSerializerContext;

/// <summary>Source-generated JSON for <c>results.jsonl</c> lines (one compact object per line).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(BatchItemResult))]
public sealed partial class BatchLineJson : JsonSerializerContext;
