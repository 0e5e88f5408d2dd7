using System.Globalization;
using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Prompts;

namespace EditToAudio.Pipeline;

/// <summary>How an engine is opened.</summary>
public sealed record EngineOptions
{
    /// <summary>The model set folder; null for the bundled synthetic set.</summary>
    public string? ModelFolder { get; init; }

    /// <summary>
    /// Where every stage runs, networks included (a CUDA backend puts the networks on its device and
    /// stream); the CPU when null. The engine uses it but does not own it.
    /// </summary>
    public ComputeBackend? Backend { get; init; }

    /// <summary>ONNX Runtime intra-op threads per network; 0 lets ONNX Runtime choose.</summary>
    public int IntraOpThreads { get; init; }
}

/// <summary>
/// The image-edit → audio engine for one request at a time, with progress: a scheduler over the
/// stages of <see cref="PipelineStages"/>, each called as a batch of one. Created once from a model
/// set, it keeps one ONNX Runtime session per network and runs any number of requests. Thread-safe:
/// concurrent calls share the sessions and keep no other state.
/// </summary>
public sealed class EditToAudioEngine : IDisposable
{
    /// <summary>The warning every output made with a synthetic model set carries.</summary>
    internal const string SyntheticWarning = "The models are synthetic (analytic stand-ins or random weights that satisfy the real networks' contracts): the outputs test the pipeline, they are not real audio of the scene.";

    private readonly PipelineStages _stages;

    private EditToAudioEngine(PipelineStages stages) => _stages = stages;

    /// <summary>The model set in use.</summary>
    public ModelSet Models => _stages.Models;

    /// <summary>The ONNX Runtime provider that runs the networks.</summary>
    public ExecutionProvider Provider => _stages.Networks.Provider;

    /// <summary>Where the stages run ("cpu" or "cuda").</summary>
    public string Backend => _stages.Backend.Name;

    /// <summary>Opens the model set (the bundled synthetic one when none is named) on the options' backend.</summary>
    /// <exception cref="ModelSetException">The folder, its manifest or a file is missing or invalid.</exception>
    /// <exception cref="ExecutionProviderException">The backend's ONNX Runtime provider cannot be used.</exception>
    public static EditToAudioEngine Open(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ComputeBackend backend = options.Backend ?? CpuBackend.Default;
        return new EditToAudioEngine(backend.Open(LoadModelSet(options.ModelFolder), options.IntraOpThreads));
    }

    /// <summary>Loads the model set in <paramref name="folder"/>, or the bundled synthetic set when it is null.</summary>
    /// <exception cref="ModelSetException">The folder, its manifest or a file is missing or invalid.</exception>
    public static ModelSet LoadModelSet(string? folder) => ModelSet.Load(folder ?? ModelSet.FindSyntheticFolder()
        ?? throw new ModelSetException($"No model set was named and the bundled synthetic set ({ModelSet.SyntheticRelativeFolder}) was not found."));

    /// <summary>
    /// Segments every object (finding the objects of the sides left to the engine), encodes both images,
    /// edits, and maps the result to CLAP.
    /// </summary>
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

    private EmbedResult Embed(EmbedRequest request, StageTimings timings, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        request.Edit.Validate();
        List<string> warnings = RunOutputs.Warnings(Models, []);

        // Prompt problems (a point outside its image, a mask of another size) are refused before any network runs.
        EditPrompts prompts = EditObjects.Prepare(request.Prompts, request.Original, request.Edited);
        EditObjects objects = Stage(PipelineStage.Segmentation, timings, progress, () =>
            EditObjects.Resolve(request.Original, request.Edited, prompts, Segment(request.MaskSelection), request.Detection, cancellationToken));
        SegmentationResult remove = objects.SideMask(EditSide.Remove, request.Original.Width, request.Original.Height);
        SegmentationResult add = objects.SideMask(EditSide.Add, request.Edited.Width, request.Edited.Height);
        warnings.AddRange(MaskCoverage.Warnings(objects));
        warnings.AddRange(objects.Warnings);

        float[] tokens = Stage(PipelineStage.ClipTokens, timings, progress, () => _stages.EncodeImages([request.Original, request.Edited], cancellationToken));
        int width = _stages.TokenWidth, perImage = ImageTokens.TokenCount * width;
        float[] originalTokens = tokens[..perImage], editedTokens = tokens[perImage..];

        var pair = new EditPair(new ImageTokens(originalTokens, width), new ImageTokens(editedTokens, width),
            Masks(objects.Removed), Masks(objects.Added), request.Objects);
        EditResult edit = Stage(PipelineStage.Edit, timings, progress, () => _stages.Edit([new EditJob(pair, request.Edit)], cancellationToken)[0][0]);
        cancellationToken.ThrowIfCancellationRequested();
        float[] clap = Stage(PipelineStage.Mapping, timings, progress,
            () => _stages.Map(edit.Embedding, [new MappingKey(request.Seed, 0)], request.VarSamples, cancellationToken));

        warnings.AddRange(edit.Warnings);
        return new EmbedResult(remove, add, originalTokens, editedTokens, edit, clap, Provider, timings, warnings) { EditBackend = Backend, Objects = objects };
    }

    /// <summary>SAM2 through the backend's segmentation stage: one call per image, every prompt on it.</summary>
    private SegmentImage Segment(MaskSelection selection) => (image, prompts, cancellationToken) =>
        _stages.Segment(image, [.. prompts.Select(p => new SegmentationPrompt(p, selection))], cancellationToken);

    /// <summary>The objects' masks as the edit takes them.</summary>
    internal static BinaryMask[] Masks(IReadOnlyList<EditObject> objects) =>
        [.. objects.Select(o => new BinaryMask(o.Mask.Mask, o.Mask.Height, o.Mask.Width))];

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
            return new RunResult(embedding, clip, null, null, null, warnings) { DiffusionBackend = Backend };
        }

        // encode_image is CLS before normalization; tokens are normalized per token, so CLS is already L2(encode_image).
        int width = _stages.TokenWidth;
        float[] plain = [.. embedding.OriginalTokens.AsSpan(0, width), .. embedding.EditedTokens.AsSpan(0, width)];
        ulong seed = request.Embed.Seed;
        float[] baselineClap = timings.Measure(PipelineStage.Mapping, () =>
            _stages.Map(plain, [new MappingKey(seed, 1), new MappingKey(seed, 2)], request.Embed.VarSamples, cancellationToken));
        AudioClip original = Generate(PipelineStage.BaselineOriginal, baselineClap[..Ssv2aMapper.ClapWidth], audio, steps, timings, progress, cancellationToken);
        AudioClip edited = Generate(PipelineStage.BaselineEdited, baselineClap[Ssv2aMapper.ClapWidth..], audio, steps, timings, progress, cancellationToken);
        NoteAudio(original, "the original image's baseline", warnings);
        NoteAudio(edited, "the edited image's baseline", warnings);
        return new RunResult(embedding, clip, original, edited, baselineClap, warnings) { DiffusionBackend = Backend };
    }

    private AudioClip Generate(PipelineStage stage, float[] conditioning, AudioOptions options, int steps, StageTimings timings, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        int units = steps + DiffusionJob.DecodingUnits(Models.Has(NetworkKind.ClapAudio));
        IProgress<int>? stepProgress = progress is null ? null : new SynchronousProgress(progress, stage, units);
        return timings.Measure(stage, () => _stages.Audio.Generate(conditioning, options, stepProgress, cancellationToken));
    }

    /// <summary>Runs <paramref name="work"/> as <paramref name="stage"/>: progress (stage, 0, 1) before and (stage, 1, 1) after, its seconds added to the timings.</summary>
    private static T Stage<T>(PipelineStage stage, StageTimings timings, IProgress<PipelineProgress>? progress, Func<T> work)
    {
        progress?.Report(new PipelineProgress(stage, 0, 1));
        T result = timings.Measure(stage, work);
        progress?.Report(new PipelineProgress(stage, 1, 1));
        return result;
    }

    private void NoteAudio(AudioClip clip, string what, List<string> warnings) => NoteAudio(Models, clip, what, warnings);

    /// <summary>The warnings a clip's record carries: a clipped waveform, the latent clip, and an unranked candidate.</summary>
    internal static void NoteAudio(ModelSet models, AudioClip clip, string what, List<string> warnings)
    {
        double fullScale = clip.FullScaleFraction();
        if (fullScale > AudioClip.ClippedFraction)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
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

    /// <inheritdoc/>
    public void Dispose() => _stages.Dispose();

    /// <summary>Forwards sampler steps as pipeline progress on the calling thread (no synchronization context hop).</summary>
    private sealed class SynchronousProgress(IProgress<PipelineProgress> target, PipelineStage stage, int steps) : IProgress<int>
    {
        public void Report(int value) => target.Report(new PipelineProgress(stage, value, steps));
    }
}
