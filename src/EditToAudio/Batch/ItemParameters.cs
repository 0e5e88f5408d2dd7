using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Pipeline;

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
    }

    /// <summary>The embed request these parameters describe, with <paramref name="edit"/> as the edit.</summary>
    public EmbedRequest EmbedRequest(RgbImage original, RgbImage edited, PromptPoint remove, PromptPoint add, EditParameters edit) =>
        new(original, edited, remove, add) { Edit = edit, MaskSelection = MaskSelection, Seed = Seed, VarSamples = VarSamples };

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
