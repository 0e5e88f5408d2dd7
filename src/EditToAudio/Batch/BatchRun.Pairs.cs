using System.Diagnostics;
using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Pipeline;

namespace EditToAudio.Batch;

// The per-item work of a chunk: one edit call (each item's job carries its sweep), the mapping in memory-sized slices, the clips grouped by sampler settings.
internal sealed partial class BatchRun
{
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
                EditObjects objects = work.Objects!;
                var pair = new EditPair(new ImageTokens(work.Original!.Tokens!, width), new ImageTokens(work.Edited!.Tokens!, width),
                    EditToAudioEngine.Masks(objects.Removed), EditToAudioEngine.Masks(objects.Added), work.Item.Parameters.Objects);
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
        // One region per side, or one per object.
        _work.RegionDecompositions += jobs.Where((job, i) => live[i].Edits is not null)
            .Sum(job => job.Pair.IsOneRegionPerSide ? 2 : job.Pair.RemoveMasks.Count + job.Pair.AddMasks.Count);
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
}
