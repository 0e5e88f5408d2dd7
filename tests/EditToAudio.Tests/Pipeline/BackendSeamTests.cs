using System.Text.Json;
using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.Batch;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Pipeline;
using EditToAudio.Samples;
using EditToAudio.Tests.Batch;
using EditToAudio.Tests.Models;
using EditToAudio.Tests.Support;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Tests.Pipeline;

/// <summary>
/// The seams the CUDA side plugs into, exercised with host memory: the CUDA provider's options,
/// runs through an I/O binding, and the embedding and diffusion backends as the engine uses them.
/// </summary>
public class BackendSeamTests
{
    [Fact]
    public void The_cuda_provider_gets_the_engines_stream_as_a_decimal_address()
    {
        Assert.Equal(new Dictionary<string, string> { ["device_id"] = "1", ["use_tf32"] = "0" }, NetworkSet.CudaProviderOptions(new NetworkOptions(ExecutionProvider.Cuda, DeviceId: 1)));

        var shared = new NetworkOptions(ExecutionProvider.Cuda) { ComputeStream = unchecked((nint)0x7f12_3456_7890) };
        Dictionary<string, string> options = NetworkSet.CudaProviderOptions(shared);

        Assert.Equal("0", options["device_id"]);
        Assert.Equal("1", options["has_user_compute_stream"]);
        Assert.Equal("139716164221072", options["user_compute_stream"]);
        Assert.Equal("0", options["use_tf32"]);
        Assert.Equal("1", NetworkSet.CudaProviderOptions(shared with { AllowTf32 = true })["use_tf32"]);
    }

    [Fact]
    public void A_bound_run_writes_into_the_callers_buffers_what_a_plain_run_returns()
    {
        ModelSession manifold = SyntheticSet.Networks.Get(NetworkKind.Ssv2aManifold);
        var random = new Random(3);
        float[] clip = [.. Enumerable.Range(0, 2 * 768).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] mu = new float[2 * 768], logSigma = new float[2 * 768];
        long callsBefore = manifold.Calls;

        using (OrtValue input = OrtValue.CreateTensorValueFromMemory(clip, [2, 768]))
        using (OrtValue muValue = OrtValue.CreateTensorValueFromMemory(mu, [2, 768]))
        using (OrtValue logSigmaValue = OrtValue.CreateTensorValueFromMemory(logSigma, [2, 768]))
        {
            manifold.RunBound(binding =>
            {
                binding.BindInput(NetworkContracts.Ssv2aManifold.Clip.Name, input);
                binding.BindOutput(NetworkContracts.Ssv2aManifold.Mu.Name, muValue);
                binding.BindOutput(NetworkContracts.Ssv2aManifold.LogSigma.Name, logSigmaValue);
            }, TestContext.Current.CancellationToken);
        }

        using OrtValue plainInput = OrtValue.CreateTensorValueFromMemory(clip, [2, 768]);
        using IDisposableReadOnlyCollection<OrtValue> plain = manifold.Run(new Dictionary<string, OrtValue> { [NetworkContracts.Ssv2aManifold.Clip.Name] = plainInput }, TestContext.Current.CancellationToken);
        Assert.Equal(plain[0].GetTensorDataAsSpan<float>().ToArray(), mu);
        Assert.Equal(plain[1].GetTensorDataAsSpan<float>().ToArray(), logSigma);
        Assert.Equal(callsBefore + 2, manifold.Calls);
        Assert.Contains(mu, v => v != 0);
    }

    [Fact]
    public void A_bound_run_on_a_cancelled_token_does_not_start()
    {
        ModelSession vocoder = SyntheticSet.Networks.Get(NetworkKind.Vocoder);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        long callsBefore = vocoder.Calls;

        Assert.ThrowsAny<OperationCanceledException>(() => vocoder.RunBound(_ => { }, cancelled.Token));
        Assert.Equal(callsBefore, vocoder.Calls);
    }

    [Fact]
    public void The_generator_reads_back_only_the_kept_candidates_and_names_its_backend()
    {
        var backend = new RecordingBackend();
        using PipelineStages stages = backend.Open(SyntheticSet.Load());
        AudioGenerator generator = stages.Audio;
        var options = new AudioOptions { Sampler = new SamplerOptions { Steps = 4 }, Candidates = 3, Duration = 0.5 };
        float[][] conditionings = [Unit(1), Unit(2)];

        AudioClip[] clips = generator.GenerateBatch(conditionings, [42UL, 43UL], options, cancellationToken: TestContext.Current.CancellationToken);
        AudioClip[] plain = SyntheticSet.Stages.Audio.GenerateBatch(conditionings, [42UL, 43UL], options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("recording", generator.Backend);
        Assert.Equal([clips[0].Candidate, 3 + clips[1].Candidate], backend.RowsRead);
        Assert.True(backend.CandidatesDisposed, "the candidates' memory is released once the clips are read");
        for (int j = 0; j < clips.Length; j++)
        {
            Assert.Equal(plain[j].Waveform, clips[j].Waveform);
            Assert.Equal(plain[j].Scores, clips[j].Scores);
        }
    }

    [Fact]
    public async Task The_engine_runs_every_stage_on_its_backend_and_records_it()
    {
        var backend = new RecordingBackend();
        using EditToAudioEngine engine = EditToAudioEngine.Open(new EngineOptions { Backend = backend });
        RunRequest request = Request();

        RunResult result = await engine.RunAsync(request, cancellationToken: TestContext.Current.CancellationToken);
        using var folder = new TemporaryFolder();
        RunOutputs.WriteRun(folder.Path, request, result, new RunInputs("original.png", "edited.png", new string('0', 64), new string('1', 64)), engine.Models);

        // A run is a batch of one: one call per image to segment, one to encode both images, one edit, one mapping, one sampling.
        Assert.Equal(2, backend.CallsOf("segment"));
        Assert.Equal(1, backend.CallsOf("encode"));
        Assert.Equal(2, backend.ItemsOf("encode"));
        Assert.Equal(1, backend.CallsOf("edit"));
        Assert.Equal(1, backend.CallsOf("map"));
        Assert.Equal(1, backend.CallsOf("sample"));
        Assert.Equal("recording", result.Embedding.EditBackend);
        Assert.Equal("recording", result.DiffusionBackend);
        Assert.Equal("recording", engine.Backend);
        Assert.True(result.Embedding.Timings.Seconds.ContainsKey(PipelineStage.Mapping));
        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.Path, RunOutputs.RecordFile)));
        Assert.Equal("recording", record.RootElement.GetProperty("edit_backend").GetString());
        Assert.Equal("recording", record.RootElement.GetProperty("diffusion_backend").GetString());
    }

    [Fact]
    public async Task A_batch_runs_every_stage_on_its_backend_and_equals_the_cpu_batch()
    {
        // The batch scheduler calls the same stage operations as the engine: with host memory, a recording backend
        // sees every image, prompt, edit, mapping row and clip the batch's record counts, and the outputs are the CPU's.
        using var scenes = new BatchScenes();
        var backend = new RecordingBackend();
        using PipelineStages stages = backend.Open(SyntheticSet.Load());
        BatchManifest manifest = scenes.Manifest(
            scenes.Line("one", "a", """, "sweep": "k=5,10 alpha=0.05,0.1", "baselines": true"""),
            scenes.Line("two", "b"));
        var options = new BatchOptions { OutputFolder = scenes.Folder.File("recorded"), Workers = 2, MemoryBytes = 4L << 30 };

        BatchSummary summary = await new BatchRunner(stages).RunAsync(manifest, options, cancellationToken: TestContext.Current.CancellationToken);
        BatchSummary cpu = await scenes.RunAsync(manifest, "cpu", memoryBytes: 4L << 30);

        Assert.Equal(2, summary.Ok);
        Assert.Equal(summary.Work.MasksSegmented, backend.ItemsOf("segment"));
        Assert.Equal(summary.Work.TokensEncoded, backend.ItemsOf("encode"));
        Assert.Equal(2, backend.ItemsOf("edit"));
        Assert.Equal(1, backend.CallsOf("edit"));
        Assert.Equal(4 + 1, summary.Work.Edits);
        Assert.Equal(summary.Work.MappedEmbeddings, backend.ItemsOf("map"));
        Assert.Equal(summary.Work.Clips, backend.ItemsOf("sample"));
        Assert.Equal(cpu.Work, summary.Work);
        Assert.Equal(cpu.NetworkCalls, summary.NetworkCalls);
        foreach (string file in Directory.GetFiles(scenes.Folder.File("cpu"), "*.npy", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(scenes.Folder.File("cpu"), file);
            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(options.OutputFolder, relative))), $"{relative} differs from the CPU backend's");
        }
        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(Path.Combine(options.OutputFolder, "two", RunOutputs.RecordFile)));
        Assert.Equal("recording", record.RootElement.GetProperty("edit_backend").GetString());
        Assert.Equal("recording", record.RootElement.GetProperty("diffusion_backend").GetString());
    }

    private static RunRequest Request()
    {
        DemoImages scene = DemoScene.Create();
        return new RunRequest(new EmbedRequest(new RgbImage(scene.Width, scene.Height, scene.OriginalRgb, "original"), new RgbImage(scene.Width, scene.Height, scene.EditedRgb, "edited"),
            new PromptPoint(scene.RemovePoint.X, scene.RemovePoint.Y), new PromptPoint(scene.AddPoint.X, scene.AddPoint.Y)))
        {
            Audio = new AudioOptions { Sampler = new SamplerOptions { Steps = 4 }, Candidates = 2, Duration = 0.5 },
        };
    }

    private static float[] Unit(int seed)
    {
        var random = new Random(seed);
        float[] v = [.. Enumerable.Range(0, 512).Select(_ => (float)random.NextDouble() - 0.5f)];
        double norm = Math.Sqrt(v.Sum(x => (double)x * x));
        return [.. v.Select(x => (float)(x / norm))];
    }
}
