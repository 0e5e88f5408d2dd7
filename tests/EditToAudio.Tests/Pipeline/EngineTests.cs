using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Pipeline;
using EditToAudio.Prompts;
using EditToAudio.Samples;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Pipeline;

/// <summary>The whole pipeline on the generated demo scene with the bundled synthetic models.</summary>
public sealed class EngineTests : IDisposable
{
    private static readonly DemoImages Scene = DemoScene.Create();
    private static readonly RgbImage Original = new(Scene.Width, Scene.Height, Scene.OriginalRgb, "original");
    private static readonly RgbImage Edited = new(Scene.Width, Scene.Height, Scene.EditedRgb, "edited");

    private readonly EditToAudioEngine _engine = EditToAudioEngine.Open(new EngineOptions());

    private static EmbedRequest Request(ulong seed = 42) => new(
        Original, Edited, new PromptPoint(Scene.RemovePoint.X, Scene.RemovePoint.Y), new PromptPoint(Scene.AddPoint.X, Scene.AddPoint.Y)) { Seed = seed };

    private static RunRequest ShortRun(bool baselines = false) => new(Request())
    {
        Audio = new AudioOptions { Sampler = new SamplerOptions { Steps = 10 }, Candidates = 2, Duration = 1.0 },
        Baselines = baselines,
    };

    [Fact]
    public async Task Embedding_the_engine_in_a_program()
    {
        // Open once per model set (sessions are created once and reused), then run any number of requests.
        using EditToAudioEngine engine = EditToAudioEngine.Open(new EngineOptions { ModelFolder = null /* the bundled synthetic set */ });
        var request = new RunRequest(new EmbedRequest(Original, Edited, new PromptPoint(179, 264), new PromptPoint(179, 264)))
        {
            Audio = new AudioOptions { Sampler = new SamplerOptions { Steps = 10 }, Candidates = 1, Duration = 0.5 },
        };
        var stages = new List<PipelineStage>();
        RunResult result = await engine.RunAsync(request, new InlineProgress(p => stages.Add(p.Stage)), TestContext.Current.CancellationToken);

        Assert.Equal(8000, result.Audio.Waveform.Length);
        Assert.Equal(16000, result.Audio.SampleRate);
        Assert.Equal(ExecutionProvider.Cpu, result.Embedding.Provider);
        Assert.Equal([PipelineStage.Segmentation, PipelineStage.ClipTokens, PipelineStage.Edit, PipelineStage.Mapping, PipelineStage.Audio], stages.Distinct());
        Assert.Contains(result.Warnings, w => w.Contains("synthetic", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sam2_finds_the_removed_and_the_added_shape()
    {
        EmbedResult result = await _engine.EmbedAsync(Request(), cancellationToken: TestContext.Current.CancellationToken);
        double removed = MaskMetrics.IoU(result.RemoveMask.Mask, Scene.RemoveMask), added = MaskMetrics.IoU(result.AddMask.Mask, Scene.AddMask);
        Assert.True(removed >= 0.95, $"removed object IoU {removed:F3}");
        Assert.True(added >= 0.95, $"added object IoU {added:F3}");
    }

    [Fact]
    public async Task The_embedding_is_the_edit_math_of_its_tokens_and_masks_and_is_deterministic()
    {
        EmbedResult first = await _engine.EmbedAsync(Request(), cancellationToken: TestContext.Current.CancellationToken);
        EmbedResult second = await _engine.EmbedAsync(Request(), cancellationToken: TestContext.Current.CancellationToken);
        EmbedResult otherSeed = await _engine.EmbedAsync(Request(seed: 7), cancellationToken: TestContext.Current.CancellationToken);

        EditResult expected = EmbeddingEditor.Edit(
            new ImageTokens(first.OriginalTokens, 768), new ImageTokens(first.EditedTokens, 768),
            new BinaryMask(first.RemoveMask.Mask, Scene.Height, Scene.Width), new BinaryMask(first.AddMask.Mask, Scene.Height, Scene.Width),
            new EditParameters());
        Assert.Equal(expected.Embedding, first.Edit.Embedding);
        Assert.Equal(first.Clap, second.Clap);
        Assert.Equal(first.Edit.Embedding, otherSeed.Edit.Embedding);
        Assert.NotEqual(first.Clap, otherSeed.Clap);
        Assert.Equal(1.0, Math.Sqrt(first.Clap.Sum(v => (double)v * v)), 5);
    }

    [Fact]
    public async Task A_run_is_reproducible_bit_for_bit_and_keeps_the_best_candidate()
    {
        RunResult a = await _engine.RunAsync(ShortRun(baselines: true), cancellationToken: TestContext.Current.CancellationToken);
        RunResult b = await _engine.RunAsync(ShortRun(baselines: true), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(a.Audio.Waveform, b.Audio.Waveform);
        Assert.Equal(16000, a.Audio.Waveform.Length);
        Assert.Equal(2, a.Audio.Scores.Count);
        Assert.Equal(a.Audio.Scores.Select((s, i) => (s, i)).Max().i, a.Audio.Candidate);
        Assert.NotNull(a.BaselineOriginal);
        Assert.NotNull(a.BaselineEdited);
        Assert.NotEqual(a.Audio.Waveform, a.BaselineOriginal.Waveform);
        Assert.NotEqual(a.BaselineOriginal.Waveform, a.BaselineEdited.Waveform);
        Assert.All(a.Audio.Waveform, v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public async Task Ranking_against_the_empty_string_scores_differently()
    {
        RunRequest conditioning = ShortRun();
        RunRequest empty = conditioning with { Audio = conditioning.Audio with { RankAgainst = RankTarget.Empty } };
        RunResult a = await _engine.RunAsync(conditioning, cancellationToken: TestContext.Current.CancellationToken);
        RunResult b = await _engine.RunAsync(empty, cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotEqual(a.Audio.Scores, b.Audio.Scores);
    }

    [Fact]
    public async Task A_cancelled_run_stops_within_one_step()
    {
        using var cancellation = new CancellationTokenSource();
        int lastStep = 0;
        var progress = new InlineProgress(p =>
        {
            if (p.Stage == PipelineStage.Audio)
            {
                lastStep = p.Step;
                if (p.Step == 2)
                {
                    cancellation.Cancel();
                }
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _engine.RunAsync(ShortRun(), progress, cancellation.Token));
        Assert.Equal(2, lastStep);
    }

    // The vocoder of this set runs for a minute or more; the timeout only guards against a hang.
    [Fact(Timeout = 60_000)]
    public async Task A_run_cancelled_inside_a_long_network_call_stops_there()
    {
        using var folder = new TemporaryFolder();
        foreach (string file in Directory.GetFiles(_engine.Models.Folder))
        {
            File.Copy(file, folder.File(Path.GetFileName(file)));
        }
        SlowNetwork.Write(Path.Combine(_engine.Models.Folder, "vocoder.onnx"), folder.File("vocoder.onnx"), "wave");
        using EditToAudioEngine engine = EditToAudioEngine.Open(new EngineOptions { ModelFolder = folder.Path });
        // Linked to the test's token only so that a timeout stops the vocoder too (xUnit fails a timed-out test either way).
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        RunRequest request = ShortRun();
        int steps = request.Audio.Sampler.Steps;
        var progress = new InlineProgress(p =>
        {
            if (p.Stage == PipelineStage.Audio && p.Step == steps)
            {
                // The sampler is done; the VAE decoder takes milliseconds, so this lands inside the vocoder.
                cancellation.CancelAfter(TimeSpan.FromMilliseconds(300));
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.RunAsync(request, progress, cancellation.Token));
    }

    [Fact]
    public async Task Without_a_clap_audio_encoder_candidate_zero_is_kept_and_the_record_says_so()
    {
        using var folder = new TemporaryFolder();
        string set = folder.File("no-clap");
        Directory.CreateDirectory(set);
        foreach (string file in Directory.GetFiles(_engine.Models.Folder).Where(f => !f.EndsWith("clap_audio.onnx", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(set, Path.GetFileName(file)));
        }
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(set, "models.json")))!;
        manifest["networks"]!.AsObject().Remove("clap_audio");
        File.WriteAllText(Path.Combine(set, "models.json"), manifest.ToJsonString());
        using EditToAudioEngine engine = EditToAudioEngine.Open(new EngineOptions { ModelFolder = set });

        RunResult result = await engine.RunAsync(ShortRun(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Audio.Candidate);
        Assert.Empty(result.Audio.Scores);
        Assert.Contains(result.Warnings, w => w.Contains("no CLAP audio encoder: candidate 0", StringComparison.Ordinal));
        // With the encoder, the same request ranks both candidates.
        RunResult ranked = await _engine.RunAsync(ShortRun(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, ranked.Audio.Scores.Count);
        Assert.DoesNotContain(ranked.Warnings, w => w.Contains("no CLAP audio encoder", StringComparison.Ordinal));
    }

    [Fact]
    public void Steps_the_schedule_cannot_run_are_refused_before_any_network_runs()
    {
        RunRequest request = ShortRun() with { Audio = ShortRun().Audio with { Sampler = new SamplerOptions { Steps = 1001 } } };

        // Thrown by the call itself, not by the task: nothing was segmented or encoded first.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = _engine.RunAsync(request, cancellationToken: TestContext.Current.CancellationToken); });
        Assert.Contains("at most the model set's 1000 training steps", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_write_leaves_neither_its_files_nor_an_earlier_record()
    {
        using var folder = new TemporaryFolder();
        RunRequest request = ShortRun();
        RunResult result = await _engine.RunAsync(request, cancellationToken: TestContext.Current.CancellationToken);
        var inputs = new RunInputs("original.png", "edited.png", new string('0', 64), new string('1', 64));
        RunOutputs.WriteRun(folder.Path, request, result, inputs, _engine.Models);
        Assert.Contains(RunOutputs.RecordFile, folder.Files());

        // A NaN sample is refused by the WAV writer after the masks, tokens and embeddings were written.
        float[] broken = [.. result.Audio.Waveform];
        broken[7] = float.NaN;
        RunResult bad = result with { Audio = result.Audio with { Waveform = broken } };
        using var second = new TemporaryFolder();
        Assert.ThrowsAny<Exception>(() => RunOutputs.WriteRun(second.Path, request, bad, inputs, _engine.Models));
        Assert.Empty(second.Files());

        // Over a complete folder, the old record must not survive to vouch for a mix of old and new files.
        Assert.ThrowsAny<Exception>(() => RunOutputs.WriteRun(folder.Path, request, bad, inputs, _engine.Models));
        Assert.DoesNotContain(RunOutputs.RecordFile, folder.Files());
    }

    [Fact]
    public async Task Points_outside_the_image_are_named_with_the_image_size()
    {
        EmbedRequest request = Request() with { Prompts = Request().Prompts with { Add = SidePrompts.Of(ObjectPrompt.FromPoint(new PromptPoint(700, 10))) } };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _engine.EmbedAsync(request, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("700", error.Message, StringComparison.Ordinal);
        Assert.Contains("640", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _engine.Dispose();

    private sealed class InlineProgress(Action<PipelineProgress> report) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => report(value);
    }
}
