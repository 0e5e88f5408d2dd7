using System.Globalization;
using System.Text.Json;
using EditToAudio.Audio;
using EditToAudio.Batch;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Models;
using EditToAudio.Tests.Cli;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Batch;

public sealed class BatchRunnerTests : IDisposable
{
    private readonly BatchScenes _scenes = new();

    public void Dispose() => _scenes.Dispose();

    [Fact]
    public async Task Items_are_written_as_run_writes_them_and_failures_are_recorded_while_the_rest_go_on()
    {
        string manifest = _scenes.WriteManifest(
            _scenes.Line("a", "a"),
            _scenes.Line("b", "b", ", \"baselines\": true"),
            _scenes.Line("c", "a").Replace("a/original.png", "a/missing.png", StringComparison.Ordinal),
            _scenes.Line("d", "a", remove: (500, 10)).Replace(
                string.Create(CultureInfo.InvariantCulture, $"\"add_point\": [{_scenes.SceneA.AddPoint.X}, {_scenes.SceneA.AddPoint.Y}]"), "\"add_point\": [10, 900]", StringComparison.Ordinal));
        var batch = await CliRunner.RunAsync(["batch", manifest, "--out", _scenes.Folder.File("out"), .. BatchScenes.FastArguments]);
        (int x, int y) = _scenes.SceneA.RemovePoint;
        var run = await CliRunner.RunAsync(["run", "--original", _scenes.Folder.File("a/original.png"), "--edited", _scenes.Folder.File("a/edited.png"),
            "--remove-point", $"{x},{y}", "--add-point", $"{_scenes.SceneA.AddPoint.X},{_scenes.SceneA.AddPoint.Y}", "--out", _scenes.Folder.File("run"), .. BatchScenes.FastArguments]);

        Assert.Equal(3, batch.ExitCode); // ExitCodes.PartialFailure
        Assert.Contains("failed: c (manifest line 3): original image: ", batch.Error, StringComparison.Ordinal);
        Assert.Equal(0, run.ExitCode);
        BatchItemResult[] results = _scenes.Results("out");
        Assert.Equal(["a:ok", "b:ok", "c:failed", "d:failed"], results.Select(r => $"{r.Id}:{r.Status}"));
        Assert.Contains("missing.png does not exist", results[2].Error, StringComparison.Ordinal);
        Assert.Contains("remove object 1: the point (500, 10) lies outside", results[3].Error, StringComparison.Ordinal);
        Assert.Contains("160×120", results[3].Error, StringComparison.Ordinal);
        // Every problem of the item, on one line.
        Assert.Contains("160×120 pixels; add object 1: the point (10, 900) lies outside", results[3].Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_scenes.Folder.File("out/c")));

        // The same files as `run`, listed in results.jsonl, and the same numbers.
        string[] runFiles = [.. Directory.GetFiles(_scenes.Folder.File("run")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        string[] itemFiles = [.. Directory.GetFiles(_scenes.Folder.File("out/a")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        Assert.Equal(runFiles, itemFiles);
        Assert.Equal(itemFiles.Select(f => $"a/{f}").Order(StringComparer.Ordinal), results[0].Outputs.Order(StringComparer.Ordinal));
        Assert.Contains("b/baseline_edited.wav", results[1].Outputs);
        double[] expected = Npy.Read(_scenes.Folder.File("run/clap.npy")).ToDouble();
        Tolerance.AssertClose(expected, Npy.Read(_scenes.Folder.File("out/a/clap.npy")).ToSingle(), 1e-6, 0, "CLAP of the batch item vs run");
        (float[] runWave, _) = WaveFile.Read(_scenes.Folder.File("run/manipulated_audio.wav"));
        (float[] itemWave, _) = WaveFile.Read(_scenes.Folder.File("out/a/manipulated_audio.wav"));
        Tolerance.AssertClose([.. runWave.Select(v => (double)v)], itemWave, 1e-4, 0, "waveform of the batch item vs run");
        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(_scenes.Folder.File("out/b/run.json")));
        Assert.True(record.RootElement.GetProperty("parameters").GetProperty("baselines").GetBoolean());
    }

    [Fact]
    public async Task Steps_beyond_the_model_sets_schedule_are_refused_by_line_before_any_work()
    {
        BatchManifest manifest = _scenes.Manifest(_scenes.Line("a", "a"), _scenes.Line("b", "b", ", \"steps\": 1001"));

        var error = await Assert.ThrowsAsync<ManifestException>(() => _scenes.RunAsync(manifest, "out"));

        Assert.Equal([2], error.Errors.Select(e => e.Line));
        Assert.Contains("steps 1001 exceed the model set's 1000 training steps", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_scenes.Folder.File("out")), "nothing may be written");
        Assert.All(_scenes.Networks.CallCounts.Values, calls => Assert.Equal(0, calls));
    }

    [Fact]
    public async Task A_batch_where_every_item_runs_exits_zero_and_prints_the_network_calls()
    {
        string manifest = _scenes.WriteManifest(_scenes.Line("a", "a"), _scenes.Line("b", "b"));
        var batch = await CliRunner.RunAsync(["batch", manifest, "--out", _scenes.Folder.File("out"), "--embed-only", "--workers", "2",
            "--sweep", "alpha=0.05,0.1", .. BatchScenes.FastArguments]);

        Assert.True(batch.ExitCode == 0, batch.Error);
        Assert.Contains("2 ok, 0 failed, 0 skipped", batch.Output, StringComparison.Ordinal);
        Assert.Contains("network calls: sam2_encoder 4, sam2_decoder 4, clip_tokens 1, ssv2a_manifold 1, ssv2a_generator 1", batch.Output, StringComparison.Ordinal);
        Assert.Contains("SYNTHETIC", batch.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(_scenes.Folder.File("out/b/sweep_clap.npy")));
    }

    [Fact]
    public async Task A_rerun_skips_complete_items_and_redoes_changed_or_incomplete_ones()
    {
        string a = _scenes.Line("a", "a"), b = _scenes.Line("b", "b");
        BatchSummary first = await _scenes.RunAsync(_scenes.Manifest(a, b), "out");
        BatchSummary second = await _scenes.RunAsync(_scenes.Manifest(a, b), "out");
        string[] secondResults = [.. _scenes.Results("out").Select(r => $"{r.Id}:{r.Status}")];
        File.Delete(_scenes.Folder.File("out/b/E_bg.npy"));
        BatchSummary third = await _scenes.RunAsync(_scenes.Manifest(a, b), "out");
        BatchSummary fourth = await _scenes.RunAsync(_scenes.Manifest(_scenes.Line("a", "a", ", \"k\": 4"), b), "out");
        string[] fourthResults = [.. _scenes.Results("out").Select(r => $"{r.Id}:{r.Status}")];
        File.WriteAllText(_scenes.Folder.File("out/b/run.json"), "{\"kind\": \"run\",");
        BatchSummary fifth = await _scenes.RunAsync(_scenes.Manifest(_scenes.Line("a", "a", ", \"k\": 4"), b), "out");

        Assert.Equal((2, 0), (first.Ok, first.Skipped));
        Assert.Equal((0, 2), (second.Ok, second.Skipped));
        Assert.All(second.NetworkCalls.Values, calls => Assert.Equal(0, calls));
        Assert.Equal(["a:skipped", "b:skipped"], secondResults);
        Assert.Equal((1, 1), (third.Ok, third.Skipped));
        Assert.Equal(2, BatchScenes.Calls(third, NetworkKind.Sam2Encoder)); // only b's two images
        Assert.Equal((1, 1), (fourth.Ok, fourth.Skipped));
        Assert.Equal(["a:ok", "b:skipped"], fourthResults);
        Assert.Equal((1, 1), (fifth.Ok, fifth.Skipped));
        Assert.Equal(["a:skipped", "b:ok"], _scenes.Results("out").Select(r => $"{r.Id}:{r.Status}"));
        // A skipped item still lists its outputs and timings, read from its record.
        Assert.Contains("a/manipulated_audio.wav", _scenes.Results("out")[0].Outputs);
        Assert.NotEmpty(_scenes.Results("out")[0].TimingsSeconds);
    }

    [Fact]
    public async Task A_second_batch_over_the_same_images_takes_masks_and_tokens_from_the_cache()
    {
        BatchManifest manifest = _scenes.Manifest(_scenes.Line("a", "a"), _scenes.Line("b", "b"), _scenes.Line("a2", "a", ", \"seed\": 3"));
        BatchSummary cold = await _scenes.RunAsync(manifest, "out1", embedOnly: true, cache: "cache");
        BatchSummary warm = await _scenes.RunAsync(manifest, "out2", embedOnly: true, cache: "cache");

        // Four images, four distinct prompts (a2 repeats a's): each network once per image or prompt.
        Assert.Equal((4L, 4L, 1L), (BatchScenes.Calls(cold, NetworkKind.Sam2Encoder), BatchScenes.Calls(cold, NetworkKind.Sam2Decoder), BatchScenes.Calls(cold, NetworkKind.ClipTokens)));
        Assert.Equal((4, 4, 0, 0), (cold.Work.MasksSegmented, cold.Work.TokensEncoded, cold.Work.MasksFromCache, cold.Work.TokensFromCache));
        Assert.Equal((0L, 0L, 0L), (BatchScenes.Calls(warm, NetworkKind.Sam2Encoder), BatchScenes.Calls(warm, NetworkKind.Sam2Decoder), BatchScenes.Calls(warm, NetworkKind.ClipTokens)));
        Assert.Equal((0, 0, 4, 4), (warm.Work.MasksSegmented, warm.Work.TokensEncoded, warm.Work.MasksFromCache, warm.Work.TokensFromCache));
        Assert.Equal(1, BatchScenes.Calls(warm, NetworkKind.Ssv2aManifold));
        foreach (string file in new[] { "a/clap.npy", "a/remove_mask.npy", "b/edited_tokens.npy", "a2/clap.npy" })
        {
            Assert.True(File.ReadAllBytes(_scenes.Folder.File($"out1/{file}")).AsSpan().SequenceEqual(File.ReadAllBytes(_scenes.Folder.File($"out2/{file}"))), $"{file} differs with the cache");
        }
        Assert.False(File.ReadAllBytes(_scenes.Folder.File("out1/a/clap.npy")).AsSpan().SequenceEqual(File.ReadAllBytes(_scenes.Folder.File("out1/a2/clap.npy"))), "another seed must change the CLAP embedding");

        // A damaged entry is a miss: recomputed and rewritten, never an error.
        foreach (string entry in Directory.GetFiles(_scenes.Folder.File("cache/tokens"), "*.npy"))
        {
            File.WriteAllText(entry, "not an array");
        }
        File.WriteAllBytes(Directory.GetFiles(_scenes.Folder.File("cache/masks"), "*.meta.npy")[0], [0x93, (byte)'N', (byte)'U']);
        BatchSummary repaired = await _scenes.RunAsync(manifest, "out3", embedOnly: true, cache: "cache");
        Assert.Equal((3, 0), (repaired.Ok, repaired.Failed));
        Assert.Equal((4, 0, 1, 3), (repaired.Work.TokensEncoded, repaired.Work.TokensFromCache, repaired.Work.MasksSegmented, repaired.Work.MasksFromCache));
        Assert.True(File.ReadAllBytes(_scenes.Folder.File("out1/a/clap.npy")).AsSpan().SequenceEqual(File.ReadAllBytes(_scenes.Folder.File("out3/a/clap.npy"))));
    }

    [Fact]
    public async Task A_sweep_costs_the_networks_of_each_pair_once_plus_one_edit_and_clip_per_setting()
    {
        const int pairs = 2, settings = 8;
        BatchManifest manifest = BatchManifest.Load(
            _scenes.WriteManifest(_scenes.Line("a", "a"), _scenes.Line("b", "b")), BatchScenes.Fast,
            SweepGrid.Parse(["k=5,10", "alpha=0.05,0.1", "beta=1.5,2"]));
        BatchSummary summary = await _scenes.RunAsync(manifest, "out");

        int steps = DdimSchedule.Create(_scenes.Networks.Models.Constants.BetaSchedule, 5, 1.0).Count;
        Assert.Equal(pairs, summary.Ok);
        // Networks of the pairs once: 2 images and 2 prompts per pair, CLIP and SSV2A in one batched call each.
        Assert.Equal(2 * pairs, BatchScenes.Calls(summary, NetworkKind.Sam2Encoder));
        Assert.Equal(2 * pairs, BatchScenes.Calls(summary, NetworkKind.Sam2Decoder));
        Assert.Equal(1, BatchScenes.Calls(summary, NetworkKind.ClipTokens));
        Assert.Equal(1, BatchScenes.Calls(summary, NetworkKind.Ssv2aManifold));
        Assert.Equal(1, BatchScenes.Calls(summary, NetworkKind.Ssv2aGenerator));
        // S×P edits and clips, one eigendecomposition per (image, mask).
        Assert.Equal(2 * pairs, summary.Work.RegionDecompositions);
        Assert.Equal(settings * pairs, summary.Work.Edits);
        Assert.Equal(settings * pairs, summary.Work.MappedEmbeddings);
        Assert.Equal(settings * pairs, summary.Work.Clips);
        // The clips go through the audio networks in batches sized from memory: one UNet call per step per batch.
        int perCall = summary.BatchSizes["clips_per_audio_call"];
        int audioCalls = (settings * pairs + perCall - 1) / perCall;
        Assert.Equal(audioCalls * steps, BatchScenes.Calls(summary, NetworkKind.UNet));
        Assert.Equal(audioCalls, BatchScenes.Calls(summary, NetworkKind.VaeDecoder));
        Assert.Equal(audioCalls, BatchScenes.Calls(summary, NetworkKind.Vocoder));
        Assert.Equal(audioCalls, BatchScenes.Calls(summary, NetworkKind.ClapAudio));

        // The record on disk says the same, and every setting has its own complete run folder.
        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(_scenes.Folder.File("out/batch.json")));
        Assert.Equal(4, record.RootElement.GetProperty("network_calls").GetProperty("sam2_encoder").GetInt32());
        // No memory given: planned from host memory, measured as each call is sized.
        Assert.Equal("host", record.RootElement.GetProperty("memory_source").GetString());
        string[] folders = [.. Directory.GetDirectories(_scenes.Folder.File("out/a")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        Assert.Equal(settings, folders.Length);
        Assert.Contains("k10_a0.05_b1.5_m0.2-0.5-0.3", folders);
        using JsonDocument run = JsonDocument.Parse(File.ReadAllText(_scenes.Folder.File("out/a/k10_a0.05_b1.5_m0.2-0.5-0.3/run.json")));
        JsonElement parameters = run.RootElement.GetProperty("parameters");
        Assert.Equal((10, 0.05, 1.5), (parameters.GetProperty("k").GetInt32(), parameters.GetProperty("alpha").GetDouble(), parameters.GetProperty("beta").GetDouble()));

        BatchSummary again = await _scenes.RunAsync(manifest, "out");
        Assert.Equal(pairs, again.Skipped);
    }

    [Fact]
    public async Task Batch_sizes_follow_the_memory_budget_and_do_not_change_the_results()
    {
        BatchManifest manifest = _scenes.Manifest(_scenes.Line("a", "a"), _scenes.Line("b", "b", ", \"seed\": 9"));
        BatchSummary small = await _scenes.RunAsync(manifest, "small", memoryBytes: 1L << 20);
        BatchSummary large = await _scenes.RunAsync(manifest, "large", memoryBytes: 64L << 30, memorySource: PlanningMemorySource.Device);

        Assert.Equal((1, 1, 1), (small.BatchSizes["clip_images_per_call"], small.BatchSizes["mapping_rows_per_call"], small.BatchSizes["clips_per_audio_call"]));
        // The record says where the planning memory came from.
        Assert.Equal((PlanningMemorySource.Option, PlanningMemorySource.Device), (small.MemorySource, large.MemorySource));
        using (JsonDocument record = JsonDocument.Parse(File.ReadAllText(_scenes.Folder.File("large/batch.json"))))
        {
            Assert.Equal("device", record.RootElement.GetProperty("memory_source").GetString());
        }
        Assert.Equal((4L, 2L, 2L), (BatchScenes.Calls(small, NetworkKind.ClipTokens), BatchScenes.Calls(small, NetworkKind.Ssv2aManifold), BatchScenes.Calls(small, NetworkKind.Vocoder)));
        Assert.Equal((BatchRunner.MaxClipBatch, BatchRunner.MaxAudioBatch), (large.BatchSizes["clip_images_per_call"], large.BatchSizes["clips_per_audio_call"]));
        Assert.Equal((1L, 1L, 1L), (BatchScenes.Calls(large, NetworkKind.ClipTokens), BatchScenes.Calls(large, NetworkKind.Ssv2aManifold), BatchScenes.Calls(large, NetworkKind.Vocoder)));
        foreach (string item in new[] { "a", "b" })
        {
            Tolerance.AssertClose(Npy.Read(_scenes.Folder.File($"small/{item}/clap.npy")).ToDouble(), Npy.Read(_scenes.Folder.File($"large/{item}/clap.npy")).ToSingle(), 1e-6, 0, $"{item}: CLAP, batch of 1 vs 2");
            (float[] one, _) = WaveFile.Read(_scenes.Folder.File($"small/{item}/manipulated_audio.wav"));
            (float[] two, _) = WaveFile.Read(_scenes.Folder.File($"large/{item}/manipulated_audio.wav"));
            Tolerance.AssertClose([.. one.Select(v => (double)v)], two, 1e-4, 0, $"{item}: waveform, batch of 1 vs 2");
        }
    }

    [Fact]
    public async Task An_embed_only_sweep_writes_the_embeddings_of_a_pair_as_one_array_with_an_index()
    {
        BatchManifest manifest = _scenes.Manifest(_scenes.Line("a", "a", ", \"sweep\": \"k=2,10 mix=0.2/0.5/0.3,0/1/0\", \"mask_align\": \"crop\""));
        BatchSummary summary = await _scenes.RunAsync(manifest, "out", embedOnly: true);

        Assert.Equal(1, summary.Ok);
        Assert.Equal(0, BatchScenes.Calls(summary, NetworkKind.UNet));
        NpyArray clip = Npy.Read(_scenes.Folder.File("out/a/sweep_clip.npy")), clap = Npy.Read(_scenes.Folder.File("out/a/sweep_clap.npy"));
        Assert.Equal([4, 768], clip.Shape);
        Assert.Equal([4, 512], clap.Shape);
        string[] index = File.ReadAllLines(_scenes.Folder.File("out/a/sweep_index.csv"));
        Assert.Equal("row,name,k,alpha,beta,a,b,g", index[0]);
        Assert.Equal("3,k10_a0.1_b2_m0-1-0,10,0.1,2,0,1,0", index[4]);

        // Each row is the single edit of its setting on the tokens and masks written beside it.
        var original = new ImageTokens(Npy.Read(_scenes.Folder.File("out/a/original_tokens.npy")).ToSingle(), 768);
        var edited = new ImageTokens(Npy.Read(_scenes.Folder.File("out/a/edited_tokens.npy")).ToSingle(), 768);
        NpyArray remove = Npy.Read(_scenes.Folder.File("out/a/remove_mask.npy")), add = Npy.Read(_scenes.Folder.File("out/a/add_mask.npy"));
        float[] rows = clip.ToSingle();
        for (int row = 0; row < 4; row++)
        {
            string[] fields = index[row + 1].Split(',');
            var parameters = new EditParameters
            {
                K = int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture),
                Mix = new MixWeights(double.Parse(fields[5], System.Globalization.CultureInfo.InvariantCulture), double.Parse(fields[6], System.Globalization.CultureInfo.InvariantCulture), double.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture)),
                MaskAlignment = MaskAlignment.Crop,
            };
            EditResult single = EmbeddingEditor.Edit(original, edited,
                new BinaryMask(remove.ToBytes(), remove.Shape[0], remove.Shape[1]), new BinaryMask(add.ToBytes(), add.Shape[0], add.Shape[1]), parameters);
            Assert.Equal(single.Embedding, rows.AsSpan(row * 768, 768).ToArray());
        }
        Assert.Equal(1, (await _scenes.RunAsync(manifest, "out", embedOnly: true)).Skipped);
    }

    [Fact]
    public async Task Shards_split_the_manifest_exactly_once_and_merge_into_one_results_file()
    {
        string[] lines = [.. Enumerable.Range(0, 6).Select(i => _scenes.Line($"pair-{i}", i % 2 == 0 ? "a" : "b", $", \"seed\": {i}"))];
        BatchManifest manifest = _scenes.Manifest(lines);
        for (int shard = 0; shard < 3; shard++)
        {
            await _scenes.RunAsync(manifest, "out", embedOnly: true, shard: new ShardSpec(shard, 3));
        }
        string[][] slices = [.. Enumerable.Range(0, 3).Select(s => _scenes.Results("out", new ShardSpec(s, 3)).Select(r => r.Id).ToArray())];
        Assert.Equal(manifest.Items.Select(i => i.Id).Order(), slices.SelectMany(s => s).Order());

        var merge = await CliRunner.RunAsync("batch-merge", _scenes.Folder.File("out"), "--out", _scenes.Folder.File("out"));
        Assert.True(merge.ExitCode == 0, merge.Error);
        Assert.Equal(manifest.Items.Select(i => i.Id), _scenes.Results("out").Select(r => r.Id));
        Assert.All(_scenes.Results("out"), r => Assert.Equal(ItemStatus.Ok, r.Status));
        Assert.True(File.Exists(Path.Combine(_scenes.Folder.File("out"), _scenes.Results("out")[0].Outputs[0])));
        using JsonDocument total = JsonDocument.Parse(File.ReadAllText(_scenes.Folder.File("out/batch.json")));
        Assert.Equal(6, total.RootElement.GetProperty("ok").GetInt32());
        Assert.Equal("host", total.RootElement.GetProperty("memory_source").GetString());

        // The same shard twice (an id in two results files) and a missing shard are refused.
        Directory.CreateDirectory(_scenes.Folder.File("copy"));
        foreach (string file in Directory.GetFiles(_scenes.Folder.File("out"), "*-shard-1-of-3.*"))
        {
            File.Copy(file, Path.Combine(_scenes.Folder.File("copy"), Path.GetFileName(file)));
        }
        var duplicate = await CliRunner.RunAsync("batch-merge", _scenes.Folder.File("out"), _scenes.Folder.File("copy"), "--out", _scenes.Folder.File("merged"));
        Assert.Equal(2, duplicate.ExitCode);
        Assert.Contains("shard 1/3 is present 2 times", duplicate.Error, StringComparison.Ordinal);
        Assert.Contains($"id '{slices[1][0]}' appears in", duplicate.Error, StringComparison.Ordinal);
        var missing = await CliRunner.RunAsync("batch-merge", _scenes.Folder.File("copy"), "--out", _scenes.Folder.File("merged"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("shards 0, 2 of 3 are missing", missing.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_scenes.Folder.File("merged/results.jsonl")));
    }

    [Fact]
    public async Task An_interrupted_batch_keeps_what_finished_and_the_rerun_resumes()
    {
        BatchManifest manifest = _scenes.Manifest(_scenes.Line("a", "a"), _scenes.Line("b", "b"), _scenes.Line("c", "a", ", \"seed\": 5"));
        using var cancellation = new CancellationTokenSource();
        var progress = new InlineProgress(p =>
        {
            if (p.Done == 1)
            {
                cancellation.Cancel();
            }
        });
        var options = new BatchOptions { OutputFolder = _scenes.Folder.File("out"), ItemsPerChunk = 1 };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new BatchRunner(_scenes.Stages).RunAsync(manifest, options, progress, cancellation.Token));
        BatchItemResult[] kept = _scenes.Results("out");
        using (JsonDocument record = JsonDocument.Parse(File.ReadAllText(_scenes.Folder.File("out/batch.json"))))
        {
            Assert.True(record.RootElement.GetProperty("cancelled").GetBoolean());
        }
        BatchSummary resumed = await new BatchRunner(_scenes.Stages).RunAsync(manifest, options, cancellationToken: TestContext.Current.CancellationToken);

        BatchItemResult finished = Assert.Single(kept);
        Assert.Equal(ItemStatus.Ok, finished.Status);
        Assert.Equal((1, 2, 0), (resumed.Skipped, resumed.Ok, resumed.Failed));
        Assert.Equal(ItemStatus.Skipped, _scenes.Results("out").Single(r => r.Id == finished.Id).Status);
    }

    private sealed class InlineProgress(Action<BatchProgress> report) : IProgress<BatchProgress>
    {
        public void Report(BatchProgress value) => report(value);
    }
}
