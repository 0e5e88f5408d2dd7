using System.Diagnostics;
using System.Globalization;
using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.Editing;
using EditToAudio.Images;
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
        Directory.CreateDirectory(_output);
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
        // One call per image: the encoder runs once, the decoder once per distinct prompt on it.
        var byImage = prompts.Values.Where(p => p.Mask is null).GroupBy(p => p.Key.ImagePath, StringComparer.Ordinal).ToArray();
        Parallel.ForEach(byImage, _parallel, group =>
        {
            RgbImage image = images[group.Key].Image!;
            PromptEntry[] entries = [.. group];
            try
            {
                IReadOnlyList<SegmentationResult> masks = _stages.Segment(image, [.. entries.Select(p => new SegmentationPrompt(p.Key.Point, p.Key.Selection))], _cancellation);
                for (int i = 0; i < entries.Length; i++)
                {
                    entries[i].Mask = masks[i];
                    _cache?.PutMask(entries[i].ImageSha, entries[i].Key.Point, entries[i].Key.Selection, masks[i]);
                }
            }
            catch (Exception e) when (IsItemProblem(e))
            {
                foreach (PromptEntry prompt in entries)
                {
                    prompt.Error = $"SAM2 on {image.Source}: {e.Message}";
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
        int length = ImageTokens.TokenCount * _stages.TokenWidth;
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
        int batch = BatchSizing.ItemsPerBatch(BatchSizing.ClipBytesPerImage, BatchRunner.MaxClipBatch, _options.MemoryBytes);
        _batchSizes["clip_images_per_call"] = batch;
        for (int first = 0; first < missing.Count; first += batch)
        {
            var slice = missing.GetRange(first, Math.Min(batch, missing.Count - first));
            try
            {
                float[] tokens = _stages.EncodeImages([.. slice.Select(s => s.Entry.Image!)], _cancellation);
                for (int i = 0; i < slice.Count; i++)
                {
                    slice[i].Entry.Tokens = tokens.AsSpan(i * length, length).ToArray();
                    _cache?.PutTokens(slice[i].Sha, slice[i].Entry.Tokens!, ImageTokens.TokenCount, _stages.TokenWidth);
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
        long start = Stopwatch.GetTimestamp();
        int width = _stages.TokenWidth;
        var live = new List<ItemWork>();
        var jobs = new List<EditJob>();
        foreach (ItemWork work in Live(chunk))
        {
            try
            {
                SegmentationResult remove = work.RemovePrompt!.Mask!, add = work.AddPrompt!.Mask!;
                var pair = new EditPair(new ImageTokens(work.Original!.Tokens!, width), new ImageTokens(work.Edited!.Tokens!, width),
                    new BinaryMask(remove.Mask, remove.Height, remove.Width), new BinaryMask(add.Mask, add.Height, add.Width));
                jobs.Add(new EditJob(pair, [.. work.Item.Settings.Select(s => s.Edit)]));
                live.Add(work);
            }
            catch (Exception e) when (IsItemProblem(e))
            {
                work.Fail($"edit: {e.Message}");
            }
        }
        // One call for the chunk: a sweep's settings share each region's eigendecomposition.
        try
        {
            IReadOnlyList<EditResult[]> edits = _stages.Edit(jobs, _cancellation);
            for (int i = 0; i < live.Count; i++)
            {
                live[i].Edits = edits[i];
            }
        }
        catch (Exception e) when (IsItemProblem(e))
        {
            foreach (ItemWork work in live)
            {
                work.Fail($"edit: {e.Message}");
            }
        }
        ShareTime(live, PipelineStage.Edit, start);
        _work.RegionDecompositions += 2 * live.Count(w => w.Edits is not null);
        _work.Edits += live.Sum(w => w.Edits?.Length ?? 0);
    }

    private void Map(List<ItemWork> chunk)
    {
        Report("map");
        var rows = new List<MappingRow>();
        int width = _stages.TokenWidth;
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
            int batch = BatchSizing.ItemsPerBatch(BatchSizing.MappingBytesPerRow(group.Key), BatchRunner.MaxMappingBatch, _options.MemoryBytes);
            _batchSizes["mapping_rows_per_call"] = batch;
            for (int first = 0; first < groupRows.Count; first += batch)
            {
                var slice = groupRows.GetRange(first, Math.Min(batch, groupRows.Count - first));
                long start = Stopwatch.GetTimestamp();
                try
                {
                    float[] input = [.. slice.SelectMany(r => r.Clip)];
                    float[] clap = _stages.Map(input, [.. slice.Select(r => r.Key)], group.Key, _cancellation);
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
                BatchSizing.AudioBytesPerClip(_stages.Audio.LatentFrames(audio.Duration), audio.Candidates, audio.Sampler.Guidance != 1.0), BatchRunner.MaxAudioBatch, _options.MemoryBytes);
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
                AudioClip[] clips = _stages.Audio.GenerateBatch(
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
