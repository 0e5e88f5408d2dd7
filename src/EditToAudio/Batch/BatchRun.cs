using System.Diagnostics;
using EditToAudio.Backends;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Pipeline;

namespace EditToAudio.Batch;

/// <summary>
/// One batch in flight: the scheduler behind <see cref="BatchRunner"/>. Each chunk of items goes
/// through the stages in order (decode, segment, encode, edit, map, then audio or the embed-only
/// outputs), with each stage called once for the whole chunk where the work can be shared.
/// </summary>
internal sealed partial class BatchRun
{
    private readonly PipelineStages _stages;
    private readonly BatchManifest _manifest;
    private readonly BatchOptions _options;
    private readonly IProgress<BatchProgress>? _progress;
    private readonly CancellationToken _cancellation;
    private readonly ModelSet _models;
    private readonly string _output;
    private readonly string _modelSetHash;
    private readonly IReadOnlyDictionary<string, string> _modelHashes;
    private readonly FeatureCache? _cache;
    private readonly WorkCounts _work = new();
    private readonly Lock _gate = new();
    private readonly List<BatchItemResult> _results = [];
    private readonly Dictionary<string, int> _batchSizes = [];
    private readonly List<string> _warnings = [];
    private readonly ParallelOptions _parallel;
    private int _total;
    private long _lastFlush;

    public BatchRun(PipelineStages stages, BatchManifest manifest, BatchOptions options, IProgress<BatchProgress>? progress, CancellationToken cancellation)
    {
        _stages = stages;
        _manifest = manifest;
        _options = options;
        _progress = progress;
        _cancellation = cancellation;
        _models = stages.Models;
        _output = Path.GetFullPath(options.OutputFolder);
        _modelSetHash = BatchRunner.ModelSetHash(_models);
        _modelHashes = _models.Manifest.Networks.Keys.Order().ToDictionary(k => k.ToString(), _models.Sha256Of);
        _cache = options.CacheFolder is null ? null : new FeatureCache(options.CacheFolder, _modelSetHash);
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Workers, CancellationToken = cancellation };
    }

    public BatchSummary Execute()
    {
        long start = Stopwatch.GetTimestamp();
        IReadOnlyDictionary<NetworkKind, long> callsBefore = _stages.Networks.CallCounts;
        OutputFolderLock.CheckFolder(_output);
        // The folder is created with its lock, the batch's first file.
        using OutputFolderLock folderLock = OutputFolderLock.Acquire(_output, _options.Shard);
        if (folderLock.TakenOver is { } previous)
        {
            _warnings.Add($"took over the output folder's lock from {previous}, which is no longer running");
        }
        List<ItemWork> items = [.. _manifest.Items.Where(i => _options.Shard.Contains(i.Id)).Select(i => new ItemWork(i))];
        _total = items.Count;
        try
        {
            List<ItemWork> pending = Check(items);
            // Items sharing images sit next to each other, so a chunk decodes and encodes each image once.
            pending.Sort((a, b) => (a.Item.OriginalPath, a.Item.EditedPath, a.Item.Line).CompareTo((b.Item.OriginalPath, b.Item.EditedPath, b.Item.Line)));
            int chunk = _options.ItemsPerChunk ?? BatchSizing.ItemsPerBatch(
                BatchSizing.ItemBytes(BatchRunner.AssumedPixelsPerImage, pending.Count == 0 ? 1 : pending.Max(p => p.Item.Settings.Count)), BatchRunner.MaxChunk);
            // The chunk lives in host memory whatever runs the networks, so MemoryBytes does not size it.
            _batchSizes["items_per_chunk"] = chunk;
            for (int first = 0; first < pending.Count; first += chunk)
            {
                ProcessChunk(pending.GetRange(first, Math.Min(chunk, pending.Count - first)));
            }
        }
        catch (OperationCanceledException)
        {
            // What finished is on disk and in the results; the items in flight are not.
            FlushResults(force: true);
            WriteSummary(callsBefore, start, cancelled: true);
            throw;
        }
        FlushResults(force: true);
        return WriteSummary(callsBefore, start, cancelled: false);
    }

    private void ProcessChunk(List<ItemWork> chunk)
    {
        var images = new Dictionary<string, ImageEntry>(StringComparer.Ordinal);
        try
        {
            Decode(chunk, images);
            Segment(chunk, images);
            EncodeTokens(chunk, images);
            Edit(chunk);
            Map(chunk);
            if (_options.EmbedOnly)
            {
                Report("write");
                Parallel.ForEach(Live(chunk), _parallel, Finish);
            }
            else
            {
                GenerateAudio(chunk);
            }
        }
        finally
        {
            foreach (ItemWork work in chunk)
            {
                work.Release();
            }
        }
        foreach (ItemWork work in chunk.Where(w => w.Error is not null && !w.Recorded))
        {
            Record(work);
        }
    }

    private static void ShareTime(List<ItemWork> items, PipelineStage stage, long start)
    {
        double share = items.Count == 0 ? 0 : Stopwatch.GetElapsedTime(start).TotalSeconds / items.Count;
        foreach (ItemWork work in items)
        {
            work.AddTime(stage, share);
        }
    }

    private static List<ItemWork> Live(List<ItemWork> chunk) => [.. chunk.Where(w => w.Error is null)];

    /// <summary>
    /// Failures that belong to one item (its files, its points, a network's complaint about its
    /// input) and so must not stop the others. Cancellation, a broken model set and a provider
    /// that cannot run stop the whole batch.
    /// </summary>
    private bool IsItemProblem(Exception e) =>
        e is not (OperationCanceledException or ModelSetException or ExecutionProviderException or OutOfMemoryException)
        && !_cancellation.IsCancellationRequested;
}
