using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Models;
using EditToAudio.Networks;
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
/// Runs a manifest with the work shared across items: each distinct image is decoded, SAM2-encoded
/// and CLIP-encoded once, each distinct prompt segmented once (and both looked up in an optional
/// disk cache first); CLIP and SSV2A run batched across items with batch sizes chosen from memory;
/// the edits of a sweep share one eigendecomposition per (image, mask); and the baselines of an
/// item are generated once for all its settings. Items are checked for complete outputs first
/// (and skipped), processed in chunks that fit in memory, and written as they finish, so an
/// interruption loses at most the items in flight. A failing item is recorded and the others go
/// on. Not thread-safe: one batch at a time per runner.
/// </summary>
public sealed partial class BatchRunner
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

    private readonly NetworkSet _networks;
    private readonly Segmenter _segmenter;
    private readonly ClipTokenEncoder _clip;
    private readonly Ssv2aMapper _mapper;
    private readonly AudioGenerator _audio;

    /// <summary>
    /// Runs batches on <paramref name="networks"/>, with the sampler's arithmetic on <paramref name="diffusion"/>
    /// (the CPU when null); the caller keeps ownership of both.
    /// </summary>
    public BatchRunner(NetworkSet networks, IDiffusionBackend? diffusion = null)
    {
        ArgumentNullException.ThrowIfNull(networks);
        _networks = networks;
        _segmenter = new Segmenter(networks);
        _clip = new ClipTokenEncoder(networks);
        _mapper = new Ssv2aMapper(networks);
        _audio = new AudioGenerator(networks, diffusion);
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
        return Task.Run(() => new Run(this, manifest, options, progress, cancellationToken).Execute(), cancellationToken);
    }

    /// <summary>Refuses, before any work, items whose settings the model set cannot run (the manifest alone cannot tell).</summary>
    private void CheckAgainstModels(BatchManifest manifest, BatchOptions options)
    {
        if (options.EmbedOnly)
        {
            return;
        }
        int trainingSteps = _networks.Models.Constants.BetaSchedule.Steps;
        ManifestError[] errors = [.. manifest.Items
            .Where(i => options.Shard.Contains(i.Id) && i.Parameters.Audio.Sampler.Steps > trainingSteps)
            .Select(i => new ManifestError(i.Line, $"steps {i.Parameters.Audio.Sampler.Steps} exceed the model set's {trainingSteps} training steps"))];
        if (errors.Length > 0)
        {
            throw BatchManifest.Refusal(manifest.Path, errors);
        }
    }

    /// <summary>One batch's state.</summary>
    private sealed partial class Run
    {
        private readonly BatchRunner _runner;
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

        public Run(BatchRunner runner, BatchManifest manifest, BatchOptions options, IProgress<BatchProgress>? progress, CancellationToken cancellation)
        {
            _runner = runner;
            _manifest = manifest;
            _options = options;
            _progress = progress;
            _cancellation = cancellation;
            _models = runner._networks.Models;
            _output = Path.GetFullPath(options.OutputFolder);
            _modelSetHash = ModelSetHash(_models);
            _modelHashes = _models.Manifest.Networks.Keys.Order().ToDictionary(k => k.ToString(), _models.Sha256Of);
            _cache = options.CacheFolder is null ? null : new FeatureCache(options.CacheFolder, _modelSetHash);
            _parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Workers, CancellationToken = cancellation };
        }

        public BatchSummary Execute()
        {
            long start = Stopwatch.GetTimestamp();
            IReadOnlyDictionary<NetworkKind, long> callsBefore = _runner._networks.CallCounts;
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
                    BatchSizing.ItemBytes(AssumedPixelsPerImage, pending.Count == 0 ? 1 : pending.Max(p => p.Item.Settings.Count)), MaxChunk);
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

        // ---- one chunk ----

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

        private void Decode(List<ItemWork> chunk, Dictionary<string, ImageEntry> images)
        {
            Report("decode");
            foreach (string path in chunk.SelectMany(w => new[] { w.Item.OriginalPath, w.Item.EditedPath }).Distinct(StringComparer.Ordinal))
            {
                images[path] = new ImageEntry(path);
            }
            Parallel.ForEach(images.Values, _parallel, entry =>
            {
                try
                {
                    entry.Image = ImageLoader.Load(entry.Path);
                }
                catch (Exception e) when (IsItemProblem(e))
                {
                    entry.Error = e.Message;
                }
            });
            _work.ImagesDecoded += images.Values.Count(e => e.Image is not null);
            foreach (ItemWork work in chunk)
            {
                ImageEntry original = images[work.Item.OriginalPath], edited = images[work.Item.EditedPath];
                if (original.Image is null || edited.Image is null)
                {
                    work.Fail(original.Image is null ? $"original image: {original.Error}" : $"edited image: {edited.Error}");
                    continue;
                }
                work.Original = original;
                work.Edited = edited;
                CheckInside(work, work.Item.RemovePoint, original.Image, "remove_point");
                CheckInside(work, work.Item.AddPoint, edited.Image, "add_point");
            }
        }

        private static void CheckInside(ItemWork work, PromptPoint point, RgbImage image, string key)
        {
            if (point.X < 0 || point.Y < 0 || point.X >= image.Width || point.Y >= image.Height)
            {
                work.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"{key} ({point.X}, {point.Y}) lies outside {image.Source}, which is {image.Width}×{image.Height} pixels"));
            }
        }

        private void Segment(List<ItemWork> chunk, Dictionary<string, ImageEntry> images)
        {
            Report("segment");
            long start = Stopwatch.GetTimestamp();
            List<ItemWork> live = Live(chunk);
            var prompts = new Dictionary<PromptKey, PromptEntry>();
            foreach (ItemWork work in live)
            {
                MaskSelection selection = work.Item.Parameters.MaskSelection;
                work.RemovePrompt = Prompt(prompts, new PromptKey(work.Item.OriginalPath, work.Item.RemovePoint, selection), work.OriginalSha);
                work.AddPrompt = Prompt(prompts, new PromptKey(work.Item.EditedPath, work.Item.AddPoint, selection), work.EditedSha);
            }
            if (_cache is not null)
            {
                foreach (PromptEntry prompt in prompts.Values)
                {
                    prompt.Mask = _cache.TryGetMask(prompt.ImageSha, prompt.Key.Point, prompt.Key.Selection);
                }
                _work.MasksFromCache += prompts.Values.Count(p => p.Mask is not null);
            }
            // The encoder runs once per image, the decoder once per distinct prompt on it.
            var byImage = prompts.Values.Where(p => p.Mask is null).GroupBy(p => p.Key.ImagePath, StringComparer.Ordinal).ToArray();
            Parallel.ForEach(byImage, _parallel, group =>
            {
                RgbImage image = images[group.Key].Image!;
                try
                {
                    Sam2ImageEmbedding embedding = _runner._segmenter.Encode(Sam2Preprocessor.ToInput(image), image.Width, image.Height, _cancellation);
                    foreach (PromptEntry prompt in group)
                    {
                        try
                        {
                            prompt.Mask = _runner._segmenter.Segment(embedding, [prompt.Key.Point], prompt.Key.Selection, _cancellation);
                            _cache?.PutMask(prompt.ImageSha, prompt.Key.Point, prompt.Key.Selection, prompt.Mask);
                        }
                        catch (Exception e) when (IsItemProblem(e))
                        {
                            prompt.Error = $"SAM2 at {prompt.Key.Point} on {image.Source}: {e.Message}";
                        }
                    }
                }
                catch (Exception e) when (IsItemProblem(e))
                {
                    foreach (PromptEntry prompt in group)
                    {
                        prompt.Error = $"SAM2 encoder on {image.Source}: {e.Message}";
                    }
                }
            });
            lock (_gate)
            {
                _work.MasksSegmented += byImage.Sum(g => g.Count(p => p.Mask is not null));
            }
            foreach (ItemWork work in live)
            {
                if (work.RemovePrompt!.Mask is null || work.AddPrompt!.Mask is null)
                {
                    work.Fail(work.RemovePrompt.Error ?? work.AddPrompt!.Error ?? "SAM2 returned no mask");
                }
            }
            ShareTime(live, PipelineStage.Segmentation, start);
        }

        private static PromptEntry Prompt(Dictionary<PromptKey, PromptEntry> prompts, PromptKey key, string imageSha)
        {
            if (!prompts.TryGetValue(key, out PromptEntry? entry))
            {
                entry = new PromptEntry(key, imageSha);
                prompts[key] = entry;
            }
            return entry;
        }

        private void EncodeTokens(List<ItemWork> chunk, Dictionary<string, ImageEntry> images)
        {
            Report("clip");
            long start = Stopwatch.GetTimestamp();
            List<ItemWork> live = Live(chunk);
            int length = ImageTokens.TokenCount * _runner._clip.Width;
            var needed = live.SelectMany(w => new[] { (Entry: w.Original!, Sha: w.OriginalSha), (Entry: w.Edited!, Sha: w.EditedSha) })
                .DistinctBy(e => e.Entry.Path, StringComparer.Ordinal).ToList();
            if (_cache is not null)
            {
                foreach ((ImageEntry entry, string sha) in needed)
                {
                    entry.Tokens = _cache.TryGetTokens(sha, length);
                }
                _work.TokensFromCache += needed.Count(e => e.Entry.Tokens is not null);
            }
            var missing = needed.Where(e => e.Entry.Tokens is null).ToList();
            int batch = BatchSizing.ItemsPerBatch(BatchSizing.ClipBytesPerImage, MaxClipBatch, _options.MemoryBytes);
            _batchSizes["clip_images_per_call"] = batch;
            for (int first = 0; first < missing.Count; first += batch)
            {
                var slice = missing.GetRange(first, Math.Min(batch, missing.Count - first));
                try
                {
                    var pixels = new float[slice.Count * ClipTokenEncoder.PixelsPerImage];
                    Parallel.For(0, slice.Count, _parallel, i =>
                        ClipPreprocessor.ToPixelValues(slice[i].Entry.Image!, pixels.AsSpan(i * ClipTokenEncoder.PixelsPerImage, ClipTokenEncoder.PixelsPerImage)));
                    float[] tokens = _runner._clip.Encode(pixels, slice.Count, _cancellation);
                    for (int i = 0; i < slice.Count; i++)
                    {
                        slice[i].Entry.Tokens = tokens.AsSpan(i * length, length).ToArray();
                        _cache?.PutTokens(slice[i].Sha, slice[i].Entry.Tokens!, ImageTokens.TokenCount, _runner._clip.Width);
                    }
                    _work.TokensEncoded += slice.Count;
                }
                catch (Exception e) when (IsItemProblem(e))
                {
                    foreach (var (entry, _) in slice)
                    {
                        entry.Error = $"CLIP: {e.Message}";
                    }
                }
            }
            foreach (ItemWork work in live)
            {
                if (work.Original!.Tokens is null || work.Edited!.Tokens is null)
                {
                    work.Fail(work.Original.Tokens is null ? work.Original.Error ?? "CLIP returned no tokens" : work.Edited!.Error ?? "CLIP returned no tokens");
                }
            }
            ShareTime(live, PipelineStage.ClipTokens, start);
        }

        private void Edit(List<ItemWork> chunk)
        {
            Report("edit");
            List<ItemWork> live = Live(chunk);
            Parallel.ForEach(live, _parallel, work =>
            {
                try
                {
                    long start = Stopwatch.GetTimestamp();
                    ItemParameters p = work.Item.Parameters;
                    SegmentationResult remove = work.RemovePrompt!.Mask!, add = work.AddPrompt!.Mask!;
                    float[] removeWeights = PatchWeights.FromMask(new BinaryMask(remove.Mask, remove.Height, remove.Width), p.Edit.MaskAlignment);
                    float[] addWeights = PatchWeights.FromMask(new BinaryMask(add.Mask, add.Height, add.Width), p.Edit.MaskAlignment);
                    int width = _runner._clip.Width;
                    work.Edits = SweepEditor.Edit(
                        new ImageTokens(work.Original!.Tokens!, width), new ImageTokens(work.Edited!.Tokens!, width),
                        removeWeights, addWeights, [.. work.Item.Settings.Select(s => s.Edit)]);
                    work.AddTime(PipelineStage.Edit, Stopwatch.GetElapsedTime(start).TotalSeconds);
                }
                catch (Exception e) when (IsItemProblem(e))
                {
                    work.Fail($"edit: {e.Message}");
                }
            });
            _work.RegionDecompositions += 2 * live.Count(w => w.Edits is not null);
            _work.Edits += live.Sum(w => w.Edits?.Length ?? 0);
        }

        private void Map(List<ItemWork> chunk)
        {
            Report("map");
            var rows = new List<MappingRow>();
            int width = _runner._clip.Width;
            foreach (ItemWork work in Live(chunk))
            {
                work.Clap = new float[work.Edits!.Length][];
                for (int s = 0; s < work.Edits.Length; s++)
                {
                    rows.Add(new MappingRow(work, s, work.Edits[s].Embedding, new MappingKey(work.Item.Parameters.Seed, 0)));
                }
                if (!_options.EmbedOnly && work.Item.Parameters.Baselines)
                {
                    // As a run does: the plain CLIP embeddings (CLS) of both images, noise steps 1 and 2.
                    work.BaselineClap = new float[2 * Ssv2aMapper.ClapWidth];
                    rows.Add(new MappingRow(work, -1, work.Original!.Tokens!.AsSpan(0, width).ToArray(), new MappingKey(work.Item.Parameters.Seed, 1)));
                    rows.Add(new MappingRow(work, -2, work.Edited!.Tokens!.AsSpan(0, width).ToArray(), new MappingKey(work.Item.Parameters.Seed, 2)));
                }
            }
            foreach (var group in rows.GroupBy(r => r.Work.Item.Parameters.VarSamples))
            {
                List<MappingRow> groupRows = [.. group];
                int batch = BatchSizing.ItemsPerBatch(BatchSizing.MappingBytesPerRow(group.Key), MaxMappingBatch, _options.MemoryBytes);
                _batchSizes["mapping_rows_per_call"] = batch;
                for (int first = 0; first < groupRows.Count; first += batch)
                {
                    var slice = groupRows.GetRange(first, Math.Min(batch, groupRows.Count - first));
                    long start = Stopwatch.GetTimestamp();
                    try
                    {
                        float[] input = [.. slice.SelectMany(r => r.Clip)];
                        float[] clap = _runner._mapper.MapBatch(input, [.. slice.Select(r => r.Key)], group.Key, _cancellation);
                        double share = Stopwatch.GetElapsedTime(start).TotalSeconds / slice.Count;
                        for (int i = 0; i < slice.Count; i++)
                        {
                            MappingRow row = slice[i];
                            float[] embedding = clap.AsSpan(i * Ssv2aMapper.ClapWidth, Ssv2aMapper.ClapWidth).ToArray();
                            if (row.Setting >= 0)
                            {
                                row.Work.Clap![row.Setting] = embedding;
                            }
                            else
                            {
                                embedding.CopyTo(row.Work.BaselineClap.AsSpan((-row.Setting - 1) * Ssv2aMapper.ClapWidth));
                            }
                            row.Work.AddTime(PipelineStage.Mapping, share);
                        }
                        _work.MappedEmbeddings += slice.Count;
                    }
                    catch (Exception e) when (IsItemProblem(e))
                    {
                        foreach (MappingRow row in slice)
                        {
                            row.Work.Fail($"SSV2A mapping: {e.Message}");
                        }
                    }
                }
            }
        }

        private void GenerateAudio(List<ItemWork> chunk)
        {
            Report("audio");
            var jobs = new List<ClipJob>();
            foreach (ItemWork work in Live(chunk))
            {
                int settings = work.Edits!.Length;
                int clips = settings + (work.BaselineClap is null ? 0 : 2);
                work.Clips = new AudioClip[clips];
                work.Remaining = clips;
                for (int clip = 0; clip < clips; clip++)
                {
                    float[] conditioning = clip < settings ? work.Clap![clip] : work.BaselineClap.AsSpan((clip - settings) * Ssv2aMapper.ClapWidth, Ssv2aMapper.ClapWidth).ToArray();
                    PipelineStage stage = clip < settings ? PipelineStage.Audio : clip == settings ? PipelineStage.BaselineOriginal : PipelineStage.BaselineEdited;
                    jobs.Add(new ClipJob(work, clip, conditioning, stage));
                }
            }

            // Clips that share the sampler settings (all but the seed) go through the networks together:
            // one UNet call per step for the whole group, sized from memory.
            var batches = new List<ClipJob[]>();
            foreach (var group in jobs.GroupBy(j => j.Work.Item.Parameters.Audio with { Sampler = j.Work.Item.Parameters.Audio.Sampler with { Seed = 0 } }))
            {
                AudioOptions audio = group.Key;
                int size = BatchSizing.ItemsPerBatch(
                    BatchSizing.AudioBytesPerClip(_runner._audio.LatentFrames(audio.Duration), audio.Candidates, audio.Sampler.Guidance != 1.0), MaxAudioBatch, _options.MemoryBytes);
                lock (_gate)
                {
                    _batchSizes["clips_per_audio_call"] = size;
                }
                batches.AddRange(group.Chunk(size));
            }
            Parallel.ForEach(batches, _parallel, batch =>
            {
                AudioOptions audio = batch[0].Work.Item.Parameters.Audio;
                try
                {
                    long start = Stopwatch.GetTimestamp();
                    AudioClip[] clips = _runner._audio.GenerateBatch(
                        [.. batch.Select(j => j.Conditioning)], [.. batch.Select(j => j.Work.Item.Parameters.Seed)], audio, null, _cancellation);
                    double share = Stopwatch.GetElapsedTime(start).TotalSeconds / batch.Length;
                    for (int i = 0; i < batch.Length; i++)
                    {
                        batch[i].Work.Clips![batch[i].Clip] = clips[i];
                        batch[i].Work.AddTime(batch[i].Stage, share);
                    }
                    lock (_gate)
                    {
                        _work.Clips += batch.Length;
                    }
                }
                catch (Exception e) when (IsItemProblem(e))
                {
                    foreach (ClipJob job in batch)
                    {
                        job.Work.Fail($"audio: {e.Message}");
                    }
                }
                // An item is written as soon as its last clip is done.
                foreach (ClipJob job in batch)
                {
                    if (Interlocked.Decrement(ref job.Work.Remaining) == 0)
                    {
                        Finish(job.Work);
                    }
                }
            });
        }

        // ---- results ----

        private void Record(ItemWork work)
        {
            work.Recorded = true;
            if (work.Error is not null)
            {
                // What an earlier run left for this item is not its output now.
                try
                {
                    ClearItemFolder(work.Item);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    work.Warnings.Add($"the earlier files of this item could not be removed: {e.Message}");
                }
            }
            AddResult(new BatchItemResult
            {
                Id = work.Item.Id,
                Line = work.Item.Line,
                Status = work.Error is null ? ItemStatus.Ok : ItemStatus.Failed,
                Settings = work.Item.Settings.Count,
                Outputs = work.Error is null ? work.Outputs : [],
                Masks = work.Error is null ? work.Masks : null,
                TimingsSeconds = work.TimingsFor(1).Seconds.ToDictionary(t => t.Key.ToString(), t => t.Value),
                Warnings = [.. work.Warnings.Distinct()],
                Error = work.Error,
                Labels = work.Item.Labels.Count == 0 ? null : work.Item.Labels,
            });
        }

        private void AddResult(BatchItemResult result)
        {
            lock (_gate)
            {
                _results.Add(result);
            }
            Report(null);
            FlushResults();
        }

        /// <summary>Rewrites the results file atomically, at most every 2 s unless forced (and always at the end).</summary>
        private void FlushResults(bool force = false)
        {
            lock (_gate)
            {
                long now = Stopwatch.GetTimestamp();
                if (!force && Stopwatch.GetElapsedTime(_lastFlush, now).TotalSeconds < 2)
                {
                    return;
                }
                _lastFlush = now;
                var text = new StringBuilder();
                foreach (BatchItemResult result in _results.OrderBy(r => r.Line))
                {
                    text.Append(ReadableJson.Serialize(result, BatchLineJson.Default.BatchItemResult)).Append('\n');
                }
                AtomicFile.WriteAllText(Path.Combine(_output, ResultsFileName(_options.Shard)), text.ToString());
            }
        }

        private BatchSummary WriteSummary(IReadOnlyDictionary<NetworkKind, long> callsBefore, long start, bool cancelled)
        {
            IReadOnlyDictionary<NetworkKind, long> callsAfter = _runner._networks.CallCounts;
            BatchSummary summary;
            lock (_gate)
            {
                summary = new BatchSummary
                {
                    EngineVersion = EngineInfo.Version,
                    FinishedUtc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                    Manifest = _manifest.Path,
                    ManifestSha256 = _manifest.Sha256,
                    Shard = _options.Shard.ToString(),
                    Models = _models.Name,
                    Synthetic = _models.IsSynthetic,
                    ModelSetHash = _modelSetHash,
                    Provider = _runner._networks.Provider.ToString().ToLowerInvariant(),
                    Mode = _options.EmbedOnly ? "embed" : "run",
                    Items = _total,
                    Ok = _results.Count(r => r.Status == ItemStatus.Ok),
                    Failed = _results.Count(r => r.Status == ItemStatus.Failed),
                    Skipped = _results.Count(r => r.Status == ItemStatus.Skipped),
                    Cancelled = cancelled,
                    NetworkCalls = callsAfter.ToDictionary(c => NetworkContracts.For(c.Key).Key, c => c.Value - callsBefore.GetValueOrDefault(c.Key)),
                    Work = _work with { },
                    BatchSizes = new Dictionary<string, int>(_batchSizes),
                    MemorySource = _options.MemoryBytes is null ? PlanningMemorySource.Host : _options.MemorySource,
                    Workers = _options.Workers,
                    Seconds = Stopwatch.GetElapsedTime(start).TotalSeconds,
                    Cache = _cache?.Folder,
                    Warnings = [.. _warnings],
                };
            }
            AtomicFile.WriteAllText(Path.Combine(_output, SummaryFileName(_options.Shard)), ReadableJson.Serialize(summary, BatchRecordJson.Default.BatchSummary) + "\n");
            return summary;
        }

        private void Report(string? stage)
        {
            if (_progress is null)
            {
                return;
            }
            lock (_gate)
            {
                _progress.Report(new BatchProgress(stage ?? "done", _results.Count, _total,
                    _results.Count(r => r.Status == ItemStatus.Failed), _results.Count(r => r.Status == ItemStatus.Skipped)));
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

    /// <summary>File of an embed-only sweep's edited CLIP embeddings [S, 768].</summary>
    public const string SweepClipFile = "sweep_clip.npy";

    /// <summary>File of an embed-only sweep's CLAP embeddings [S, 512].</summary>
    public const string SweepClapFile = "sweep_clap.npy";

    /// <summary>CSV mapping each row of the sweep arrays to its setting.</summary>
    public const string SweepIndexFile = "sweep_index.csv";

    /// <summary>The record of an embed-only sweep, written last.</summary>
    public const string SweepRecordFile = RunOutputs.SweepRecordFile;
}
