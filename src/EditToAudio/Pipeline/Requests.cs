using EditToAudio.Audio;
using EditToAudio.ChangeDetection;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Prompts;

namespace EditToAudio.Pipeline;

/// <summary>One image edit to embed: the two images, the prompts of the removed and added objects and the hyperparameters.</summary>
/// <param name="Original">The original image (the removed objects are in it).</param>
/// <param name="Edited">The edited image (the added objects are in it).</param>
/// <param name="Prompts">Each side's objects (points, boxes, ready masks) or <see cref="SidePrompts.Auto"/> (found from what changed).</param>
public sealed record EmbedRequest(RgbImage Original, RgbImage Edited, EditPrompts Prompts)
{
    /// <summary>One point on the removed object and one on the added object: the research workflow's request.</summary>
    /// <param name="original">The original image.</param>
    /// <param name="edited">The edited image.</param>
    /// <param name="removePoint">A point on the removed object, in original-image pixels.</param>
    /// <param name="addPoint">A point on the added object, in edited-image pixels.</param>
    public EmbedRequest(RgbImage original, RgbImage edited, PromptPoint removePoint, PromptPoint addPoint)
        : this(original, edited, EditPrompts.FromPoints(removePoint, addPoint))
    {
    }

    /// <summary>How several objects of one side enter the edit: each its own edit (the means), or their union.</summary>
    public ObjectCombination Objects { get; init; } = ObjectCombination.Each;

    /// <summary>The change detector's settings, for sides left to it; its defaults when null.</summary>
    public ChangeDetectionOptions? Detection { get; init; }

    /// <summary>Edit hyperparameters.</summary>
    public EditParameters Edit { get; init; } = new();

    /// <summary>SAM2's single mask (the seed's setting) or the best of three.</summary>
    public MaskSelection MaskSelection { get; init; } = MaskSelection.SingleMask;

    /// <summary>Seed of the mapping's draws (and of the sampler in a run).</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Draws averaged by each SSV2A stage.</summary>
    public int VarSamples { get; init; } = Ssv2aMapper.DefaultVarSamples;
}

/// <summary>A whole run: the embedding, then the audio.</summary>
/// <param name="Embed">What to embed.</param>
public sealed record RunRequest(EmbedRequest Embed)
{
    /// <summary>Sampler, candidates, duration and ranking. The sampler's seed is <see cref="EmbedRequest.Seed"/>.</summary>
    public AudioOptions Audio { get; init; } = new();

    /// <summary>Also generate audio from the plain CLIP embedding of each image.</summary>
    public bool Baselines { get; init; }
}

/// <summary>Progress of a pipeline: the stage and, for the sampler, the step within it.</summary>
/// <param name="Stage">The stage now running.</param>
/// <param name="Step">Steps finished in this stage.</param>
/// <param name="Steps">Steps in this stage (1 for single-shot stages; for audio, the sampler's steps and then one per decoding network).</param>
public readonly record struct PipelineProgress(PipelineStage Stage, int Step, int Steps);

/// <summary>The stages of a run, in order.</summary>
public enum PipelineStage
{
    /// <summary>SAM2 masks of every object (and, for sides left to the engine, finding them).</summary>
    Segmentation,

    /// <summary>CLIP tokens of both images.</summary>
    ClipTokens,

    /// <summary>The SVD edit and combination.</summary>
    Edit,

    /// <summary>SSV2A: CLIP → CLAP.</summary>
    Mapping,

    /// <summary>Diffusion, decoding and vocoding of the edited embedding.</summary>
    Audio,

    /// <summary>Audio of the original image's plain CLIP embedding.</summary>
    BaselineOriginal,

    /// <summary>Audio of the edited image's plain CLIP embedding.</summary>
    BaselineEdited,
}
