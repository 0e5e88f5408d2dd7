using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Networks;

namespace EditToAudio.Pipeline;

/// <summary>One image edit to embed: the two images, a point on each object and the hyperparameters.</summary>
/// <param name="Original">The original image (the removed object is in it).</param>
/// <param name="Edited">The edited image (the added object is in it).</param>
/// <param name="RemovePoint">A point on the removed object, in original-image pixels.</param>
/// <param name="AddPoint">A point on the added object, in edited-image pixels.</param>
public sealed record EmbedRequest(RgbImage Original, RgbImage Edited, PromptPoint RemovePoint, PromptPoint AddPoint)
{
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
    /// <summary>SAM2 masks of both objects.</summary>
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
