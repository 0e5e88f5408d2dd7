using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Models;
using EditToAudio.Networks;

namespace EditToAudio.Pipeline;

/// <summary>How an engine is opened.</summary>
public sealed record EngineOptions
{
    /// <summary>The model set folder; null for the bundled synthetic set.</summary>
    public string? ModelFolder { get; init; }

    /// <summary>ONNX Runtime options: provider (CPU by default, CUDA on request, never a silent fallback), device and threads.</summary>
    public NetworkOptions Networks { get; init; } = new();

    /// <summary>
    /// Where the edit math runs when the embedding stages keep their tensors on the host; the CPU when
    /// null. Not used with <see cref="EmbeddingBackend"/>. The engine uses it but does not own it.
    /// </summary>
    public IEditBackend? EditBackend { get; init; }

    /// <summary>
    /// Where CLIP's tokens, the edit and the mapping run with their tensors (on the host with
    /// <see cref="EditBackend"/> when null). The engine uses it but does not own it.
    /// </summary>
    public IEmbeddingBackend? EmbeddingBackend { get; init; }

    /// <summary>Where the sampler's arithmetic runs; the CPU when null. The engine uses it but does not own it.</summary>
    public IDiffusionBackend? DiffusionBackend { get; init; }
}

/// <summary>
/// The image-edit → audio engine: created once from a model set, it keeps one ONNX Runtime
/// session per network and runs any number of requests. Thread-safe: concurrent calls share the
/// sessions (ONNX Runtime sessions are safe for concurrent runs) and keep no other state.
/// </summary>
public sealed class EditToAudioEngine : IDisposable
{
    /// <summary>The warning every output made with a synthetic model set carries.</summary>
    internal const string SyntheticWarning = "The models are synthetic (analytic stand-ins or random weights that satisfy the real networks' contracts): the outputs test the pipeline, they are not real audio of the scene.";

    private readonly NetworkSet _networks;
    private readonly ClipTokenEncoder _clip;
    private readonly Ssv2aMapper _mapper;
    private readonly AudioGenerator _audio;
    private readonly IEmbeddingBackend _embedding;

    private EditToAudioEngine(ModelSet models, EngineOptions options)
    {
        Models = models;
        _embedding = options.EmbeddingBackend ?? new HostEmbeddingBackend(options.EditBackend);
        _networks = new NetworkSet(models, options.Networks);
        _clip = new ClipTokenEncoder(_networks);
        _mapper = new Ssv2aMapper(_networks);
        _audio = new AudioGenerator(_networks, options.DiffusionBackend);
    }

    /// <summary>The model set in use.</summary>
    public ModelSet Models { get; }

    /// <summary>The ONNX Runtime provider that runs the networks.</summary>
    public ExecutionProvider Provider => _networks.Provider;

    /// <summary>Where the edit math runs ("cpu" or "cuda").</summary>
    public string EditBackend => _embedding.EditName;

    /// <summary>Where the sampler's arithmetic runs ("cpu" or "cuda").</summary>
    public string DiffusionBackend => _audio.Backend;

    /// <summary>Opens the model set (the bundled synthetic one when none is named).</summary>
    /// <exception cref="ModelSetException">The folder, its manifest or a file is missing or invalid.</exception>
    public static EditToAudioEngine Open(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.EmbeddingBackend is not null && options.EditBackend is not null)
        {
            throw new ArgumentException("EditBackend applies to host-side embedding only; with an EmbeddingBackend, that backend decides where the edit runs.", nameof(options));
        }
        return new EditToAudioEngine(LoadModelSet(options.ModelFolder), options);
    }

    /// <summary>Loads the model set in <paramref name="folder"/>, or the bundled synthetic set when it is null.</summary>
    /// <exception cref="ModelSetException">The folder, its manifest or a file is missing or invalid.</exception>
    public static ModelSet LoadModelSet(string? folder) => ModelSet.Load(folder ?? ModelSet.FindSyntheticFolder()
        ?? throw new ModelSetException($"No model set was named and the bundled synthetic set ({ModelSet.SyntheticRelativeFolder}) was not found."));

    /// <summary>Segments both objects, encodes both images, edits, and maps the result to CLAP.</summary>
    public Task<EmbedResult> EmbedAsync(EmbedRequest request, IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.Run(() => Embed(request, new StageTimings(), progress, cancellationToken), cancellationToken);
    }

    /// <summary>Embeds, then generates the clip (and the baselines when asked).</summary>
    public Task<RunResult> RunAsync(RunRequest request, IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Audio.Validate();
        // Built here so that steps the model set's schedule cannot run are refused before any network runs.
        int steps = DdimSchedule.Create(Models.Constants.BetaSchedule, request.Audio.Sampler.Steps, request.Audio.Sampler.Eta).Count;
        return Task.Run(() => Run(request, steps, progress, cancellationToken), cancellationToken);
    }

    private RunResult Run(RunRequest request, int steps, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        var timings = new StageTimings();
        EmbedResult embedding = Embed(request.Embed, timings, progress, cancellationToken);
        AudioOptions audio = request.Audio with { Sampler = request.Audio.Sampler with { Seed = request.Embed.Seed } };
        AudioClip clip = Generate(PipelineStage.Audio, embedding.Clap, audio, steps, timings, progress, cancellationToken);
        var warnings = new List<string>(embedding.Warnings);
        NoteAudio(clip, "the edited embedding", warnings);
        if (!request.Baselines)
        {
            return new RunResult(embedding, clip, null, null, null, warnings) { DiffusionBackend = _audio.Backend };
        }

        // encode_image is CLS before normalization; tokens are normalized per token, so CLS is already L2(encode_image).
        int width = _clip.Width;
        float[] plain = [.. embedding.OriginalTokens.AsSpan(0, width), .. embedding.EditedTokens.AsSpan(0, width)];
        float[] baselineClap = timings.Measure(PipelineStage.Mapping, () =>
            _mapper.MapBatch(plain, 2, request.Embed.Seed, request.Embed.VarSamples, firstIndex: 1, cancellationToken));
        AudioClip original = Generate(PipelineStage.BaselineOriginal, baselineClap[..Ssv2aMapper.ClapWidth], audio, steps, timings, progress, cancellationToken);
        AudioClip edited = Generate(PipelineStage.BaselineEdited, baselineClap[Ssv2aMapper.ClapWidth..], audio, steps, timings, progress, cancellationToken);
        NoteAudio(original, "the original image's baseline", warnings);
        NoteAudio(edited, "the edited image's baseline", warnings);
        return new RunResult(embedding, clip, original, edited, baselineClap, warnings) { DiffusionBackend = _audio.Backend };
    }

    private AudioClip Generate(PipelineStage stage, float[] conditioning, AudioOptions options, int steps, StageTimings timings, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        IProgress<int>? stepProgress = progress is null ? null : new SynchronousProgress(progress, stage, steps);
        return timings.Measure(stage, () => _audio.Generate(conditioning, options, stepProgress, cancellationToken));
    }

    private void NoteAudio(AudioClip clip, string what, List<string> warnings) => NoteAudio(Models, clip, what, warnings);

    /// <summary>The warnings a clip's record carries: a clipped waveform, the latent clip, and an unranked candidate.</summary>
    internal static void NoteAudio(ModelSet models, AudioClip clip, string what, List<string> warnings)
    {
        double fullScale = clip.FullScaleFraction();
        if (fullScale > AudioClip.ClippedFraction)
        {
            warnings.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The clip of {what} clips: {fullScale * 100:F1}% of its samples are at full scale, so it sounds distorted."));
        }
        if (clip.LatentClipped)
        {
            warnings.Add($"The latent of {what} exceeded |100| and was clipped to [−10, 10].");
        }
        if (clip.Scores.Count == 0 && clip.Candidate == 0 && !models.Has(NetworkKind.ClapAudio))
        {
            warnings.Add($"The model set has no CLAP audio encoder: candidate 0 of {what} was kept without ranking.");
        }
    }

    private EmbedResult Embed(EmbedRequest request, StageTimings timings, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        request.Edit.Validate();
        List<string> warnings = RunOutputs.Warnings(Models, []);

        progress?.Report(new PipelineProgress(PipelineStage.Segmentation, 0, 2));
        (SegmentationResult remove, SegmentationResult add) = timings.Measure(PipelineStage.Segmentation, () =>
        {
            var removeMask = _embedding.Segment(_networks, request.Original, [request.RemovePoint], request.MaskSelection, cancellationToken);
            progress?.Report(new PipelineProgress(PipelineStage.Segmentation, 1, 2));
            var addMask = _embedding.Segment(_networks, request.Edited, [request.AddPoint], request.MaskSelection, cancellationToken);
            return (removeMask, addMask);
        });
        progress?.Report(new PipelineProgress(PipelineStage.Segmentation, 2, 2));
        warnings.AddRange(MaskCoverage.Warnings(remove, add));

        EmbeddingStages stages = _embedding.Embed(_networks,
            new EmbeddingInput(request.Original, request.Edited, remove, add, request.Edit, request.Seed, request.VarSamples), progress, cancellationToken);
        foreach ((PipelineStage stage, double seconds) in stages.Seconds)
        {
            timings.Add(stage, seconds);
        }
        warnings.AddRange(stages.Edit.Warnings);
        return new EmbedResult(remove, add, stages.OriginalTokens, stages.EditedTokens, stages.Edit, stages.Clap, Provider, timings, warnings) { EditBackend = _embedding.EditName };
    }

    /// <inheritdoc/>
    public void Dispose() => _networks.Dispose();

    /// <summary>Forwards sampler steps as pipeline progress on the calling thread (no synchronization context hop).</summary>
    private sealed class SynchronousProgress(IProgress<PipelineProgress> target, PipelineStage stage, int steps) : IProgress<int>
    {
        public void Report(int value) => target.Report(new PipelineProgress(stage, value, steps));
    }
}
