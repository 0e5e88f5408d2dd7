using System.Diagnostics;
using System.Globalization;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Pipeline;

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
}
