using System.Text.Json;
using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Pipeline;
using EditToAudio.Samples;
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
                binding.BindInput("clip", input);
                binding.BindOutput(manifold.Contract.Outputs[0].Name, muValue);
                binding.BindOutput(manifold.Contract.Outputs[1].Name, logSigmaValue);
            }, TestContext.Current.CancellationToken);
        }

        using OrtValue plainInput = OrtValue.CreateTensorValueFromMemory(clip, [2, 768]);
        using IDisposableReadOnlyCollection<OrtValue> plain = manifold.Run(new Dictionary<string, OrtValue> { ["clip"] = plainInput }, TestContext.Current.CancellationToken);
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
        var backend = new RecordingDiffusion();
        var generator = new AudioGenerator(SyntheticSet.Networks, backend);
        var options = new AudioOptions { Sampler = new SamplerOptions { Steps = 4 }, Candidates = 3, Duration = 0.5 };
        float[][] conditionings = [Unit(1), Unit(2)];

        AudioClip[] clips = generator.GenerateBatch(conditionings, [42UL, 43UL], options, cancellationToken: TestContext.Current.CancellationToken);
        AudioClip[] plain = new AudioGenerator(SyntheticSet.Networks).GenerateBatch(conditionings, [42UL, 43UL], options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("recording", generator.Backend);
        Assert.Equal([clips[0].Candidate, 3 + clips[1].Candidate], backend.RowsRead);
        Assert.True(backend.Disposed, "the candidates' memory is released once the clips are read");
        for (int j = 0; j < clips.Length; j++)
        {
            Assert.Equal(plain[j].Waveform, clips[j].Waveform);
            Assert.Equal(plain[j].Scores, clips[j].Scores);
        }
    }

    [Fact]
    public async Task The_engine_runs_its_embedding_and_diffusion_backends_and_records_them()
    {
        var embedding = new RecordingEmbedding();
        var diffusion = new RecordingDiffusion();
        using EditToAudioEngine engine = EditToAudioEngine.Open(new EngineOptions { EmbeddingBackend = embedding, DiffusionBackend = diffusion });
        RunRequest request = Request();

        RunResult result = await engine.RunAsync(request, cancellationToken: TestContext.Current.CancellationToken);
        using var folder = new TemporaryFolder();
        RunOutputs.WriteRun(folder.Path, request, result, new RunInputs("original.png", "edited.png", new string('0', 64), new string('1', 64)), engine.Models);

        Assert.Equal(1, embedding.Calls);
        Assert.Equal(2, embedding.Segmentations);
        Assert.Equal("recording-edit", result.Embedding.EditBackend);
        Assert.Equal("recording", result.DiffusionBackend);
        Assert.Equal("recording", engine.DiffusionBackend);
        Assert.True(result.Embedding.Timings.Seconds.ContainsKey(PipelineStage.Mapping));
        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.Path, RunOutputs.RecordFile)));
        Assert.Equal("recording-edit", record.RootElement.GetProperty("edit_backend").GetString());
        Assert.Equal("recording", record.RootElement.GetProperty("diffusion_backend").GetString());
    }

    [Fact]
    public void An_edit_backend_beside_an_embedding_backend_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => EditToAudioEngine.Open(new EngineOptions { EmbeddingBackend = new RecordingEmbedding(), EditBackend = new CpuEditBackend() }));
        Assert.Contains("EditBackend", error.Message, StringComparison.Ordinal);
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

    /// <summary>The CPU backend, counting what the generator reads back.</summary>
    private sealed class RecordingDiffusion : IDiffusionBackend
    {
        public List<int> RowsRead { get; } = [];

        public bool Disposed { get; private set; }

        public string Name => "recording";

        public DecodedCandidates Generate(NetworkSet networks, DiffusionJob job, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
            new Recorded(CpuDiffusionBackend.Instance.Generate(networks, job, progress, cancellationToken), this);

        private sealed class Recorded(DecodedCandidates inner, RecordingDiffusion owner) : DecodedCandidates(inner.Rows, inner.Samples, [.. inner.Clipped], inner.ClapEmbeddings)
        {
            public override void ReadWave(int row, Span<float> destination)
            {
                owner.RowsRead.Add(row);
                inner.ReadWave(row, destination);
            }

            protected override void Dispose(bool disposing)
            {
                inner.Dispose();
                owner.Disposed = true;
                base.Dispose(disposing);
            }
        }
    }

    /// <summary>The host backend under another name, counting calls.</summary>
    private sealed class RecordingEmbedding : IEmbeddingBackend
    {
        private readonly HostEmbeddingBackend _host = new();

        public int Calls { get; private set; }

        public int Segmentations { get; private set; }

        public string EditName => "recording-edit";

        public SegmentationResult Segment(NetworkSet networks, RgbImage image, IReadOnlyList<PromptPoint> points, MaskSelection selection, CancellationToken cancellationToken = default)
        {
            Segmentations++;
            return _host.Segment(networks, image, points, selection, cancellationToken);
        }

        public EmbeddingStages Embed(NetworkSet networks, EmbeddingInput input, IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            return _host.Embed(networks, input, progress, cancellationToken);
        }
    }
}
