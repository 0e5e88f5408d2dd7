using System.Diagnostics;
using EditToAudio.ChangeDetection;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Pipeline;
using EditToAudio.Prompts;

namespace EditToAudio.Batch;

// The per-image work of a chunk: each distinct image decoded, segmented per distinct prompt and CLIP-encoded once, the cache first.
internal sealed partial class BatchRun
{
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
        }
        // Points and boxes inside their images, ready masks read and of their image's size.
        Parallel.ForEach(Live(chunk), _parallel, work =>
        {
            try
            {
                work.Prompts = EditObjects.Prepare(work.Item.Prompts, work.Original!.Image!, work.Edited!.Image!);
            }
            catch (ArgumentException e)
            {
                work.Fail(ErrorMessages.Plain(e).Replace("." + Environment.NewLine, "; ", StringComparison.Ordinal).Replace(Environment.NewLine, "; ", StringComparison.Ordinal));
            }
        });
    }

    /// <summary>
    /// Every item's objects. The given prompts of the whole chunk are segmented first, one call per image
    /// with its distinct prompts (the cache first), as SAM2 encodes each image once per call; then each
    /// item's objects are resolved from those masks, and an item with a side left to the engine runs the
    /// change detector and segments the prompts it proposes on its own images.
    /// </summary>
    private void Segment(List<ItemWork> chunk, Dictionary<string, ImageEntry> images)
    {
        Report("segment");
        long start = Stopwatch.GetTimestamp();
        List<ItemWork> live = Live(chunk);
        var prompts = new Dictionary<PromptKey, PromptEntry>();
        foreach (ItemWork work in live)
        {
            MaskSelection selection = work.Item.Parameters.MaskSelection;
            foreach (EditSide side in Enum.GetValues<EditSide>())
            {
                (string path, string sha) = side == EditSide.Remove ? (work.Item.OriginalPath, work.OriginalSha) : (work.Item.EditedPath, work.EditedSha);
                foreach (ObjectPrompt prompt in work.Prompts![side].Objects.Where(p => !p.HasMask))
                {
                    Prompt(prompts, path, prompt.Sam2Points, selection, sha);
                }
            }
        }
        SegmentMissing(images, [.. prompts.Values]);
        Parallel.ForEach(live, _parallel, work =>
        {
            RgbImage original = work.Original!.Image!, edited = work.Edited!.Image!;
            MaskSelection selection = work.Item.Parameters.MaskSelection;
            // The given prompts are served from the chunk's masks; the change detector's region prompts are the item's own.
            var own = new Dictionary<PromptKey, PromptEntry>();
            IReadOnlyList<SegmentationResult> SegmentImage(RgbImage image, IReadOnlyList<IReadOnlyList<PromptPoint>> sam2Prompts, CancellationToken token)
            {
                (string path, string sha) = ReferenceEquals(image, original) ? (work.Item.OriginalPath, work.OriginalSha) : (work.Item.EditedPath, work.EditedSha);
                PromptEntry[] entries = [.. sam2Prompts.Select(p =>
                    prompts.TryGetValue(new PromptKey(path, FeatureCache.PointsKey(p), selection), out PromptEntry? shared) ? shared : Prompt(own, path, p, selection, sha))];
                SegmentMissing(images, [.. entries.Where(e => e.Mask is null && e.Error is null).Distinct()]);
                return [.. entries.Select(e => e.Mask ?? throw new InvalidOperationException(e.Error ?? "SAM2 returned no mask"))];
            }
            try
            {
                EditObjects objects = EditObjects.Resolve(original, edited, work.Prompts!, SegmentImage, work.Item.Parameters.Detection, _cancellation);
                work.Objects = objects;
                work.RemoveMask = objects.SideMask(EditSide.Remove, original.Width, original.Height);
                work.AddMask = objects.SideMask(EditSide.Add, edited.Width, edited.Height);
            }
            catch (Exception e) when (IsItemProblem(e))
            {
                work.Fail(e is ChangeDetectionException or InvalidOperationException ? e.Message : $"SAM2: {e.Message}");
            }
        });
        ShareTime(live, PipelineStage.Segmentation, start);
    }

    /// <summary>Fills the masks of <paramref name="missing"/> (distinct entries without one): the cache first, then one SAM2 call per image.</summary>
    private void SegmentMissing(Dictionary<string, ImageEntry> images, IReadOnlyList<PromptEntry> missing)
    {
        if (_cache is not null)
        {
            foreach (PromptEntry prompt in missing)
            {
                prompt.Mask = _cache.TryGetMask(prompt.ImageSha, prompt.Points, prompt.Key.Selection);
            }
            lock (_gate)
            {
                _work.MasksFromCache += missing.Count(p => p.Mask is not null);
            }
        }
        var byImage = missing.Where(p => p.Mask is null).GroupBy(p => p.Key.ImagePath, StringComparer.Ordinal).ToArray();
        Parallel.ForEach(byImage, _parallel, group =>
        {
            RgbImage image = images[group.Key].Image!;
            PromptEntry[] batch = [.. group];
            try
            {
                IReadOnlyList<SegmentationResult> masks = _stages.Segment(image, [.. batch.Select(p => new SegmentationPrompt(p.Points, p.Key.Selection))], _cancellation);
                for (int i = 0; i < batch.Length; i++)
                {
                    _cache?.PutMask(batch[i].ImageSha, batch[i].Points, batch[i].Key.Selection, masks[i]);
                    batch[i].Mask = masks[i];
                }
            }
            catch (Exception e) when (IsItemProblem(e))
            {
                foreach (PromptEntry prompt in batch)
                {
                    prompt.Error = $"SAM2 on {image.Source}: {e.Message}";
                }
            }
            lock (_gate)
            {
                _work.MasksSegmented += batch.Count(p => p.Mask is not null);
            }
        });
    }

    private static PromptEntry Prompt(Dictionary<PromptKey, PromptEntry> prompts, string path, IReadOnlyList<PromptPoint> points, MaskSelection selection, string imageSha)
    {
        var key = new PromptKey(path, FeatureCache.PointsKey(points), selection);
        if (!prompts.TryGetValue(key, out PromptEntry? entry))
        {
            entry = new PromptEntry(key, points, imageSha);
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
}
