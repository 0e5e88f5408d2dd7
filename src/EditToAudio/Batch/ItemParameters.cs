using EditToAudio.Audio;
using EditToAudio.ChangeDetection;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Pipeline;
using EditToAudio.Prompts;

namespace EditToAudio.Batch;

/// <summary>
/// Every parameter of one batch item: the command line's values, overridden per manifest line.
/// The same settings <c>run</c> takes, so an item's outputs equal a <c>run</c> with them.
/// </summary>
public sealed record ItemParameters
{
    /// <summary>Edit hyperparameters (k, α, β, mix, mask alignment).</summary>
    public EditParameters Edit { get; init; } = new();

    /// <summary>SAM2's single mask or the best of three.</summary>
    public MaskSelection MaskSelection { get; init; } = MaskSelection.SingleMask;

    /// <summary>How several objects of one side enter the edit.</summary>
    public ObjectCombination Objects { get; init; } = ObjectCombination.Each;

    /// <summary>The change detector's settings, for sides left to it; its defaults when null.</summary>
    public ChangeDetectionOptions? Detection { get; init; }

    /// <summary>Seed of the mapping's and the sampler's draws.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Draws averaged by each SSV2A stage.</summary>
    public int VarSamples { get; init; } = Ssv2aMapper.DefaultVarSamples;

    /// <summary>Sampler, candidates, duration and ranking (the sampler's seed is <see cref="Seed"/>).</summary>
    public AudioOptions Audio { get; init; } = new();

    /// <summary>Also generate the two baseline clips.</summary>
    public bool Baselines { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid parameter.</summary>
    public void Validate()
    {
        Edit.Validate();
        Audio.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(VarSamples, 1, "var_samples");
        if (!Enum.IsDefined(MaskSelection))
        {
            throw new ArgumentOutOfRangeException(nameof(MaskSelection), MaskSelection, "Unknown mask selection.");
        }
        if (!Enum.IsDefined(Objects))
        {
            throw new ArgumentOutOfRangeException(nameof(Objects), Objects, "Unknown object combination.");
        }
    }

    /// <summary>The embed request these parameters describe, with <paramref name="edit"/> as the edit.</summary>
    public EmbedRequest EmbedRequest(RgbImage original, RgbImage edited, EditPrompts prompts, EditParameters edit) =>
        new(original, edited, prompts) { Edit = edit, MaskSelection = MaskSelection, Objects = Objects, Detection = Detection, Seed = Seed, VarSamples = VarSamples };

    /// <summary>The run request these parameters describe around <paramref name="embed"/>.</summary>
    public RunRequest RunRequest(EmbedRequest embed)
    {
        ArgumentNullException.ThrowIfNull(embed);
        return new RunRequest(embed)
        {
            Audio = Audio with { Sampler = Audio.Sampler with { Seed = Seed } },
            Baselines = Baselines,
        };
    }
}
