using EditToAudio.Backends;
using EditToAudio.Models;
using EditToAudio.SyntheticModels;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Models;

/// <summary>The repository's synthetic model set, generated once per test run when missing.</summary>
internal static class SyntheticSet
{
    private static readonly Lazy<ModelSet> Bundled = new(() =>
    {
        string folder = RepositoryPaths.Combine(ModelSet.SyntheticRelativeFolder);
        SyntheticModelSet.EnsureExists(folder);
        return ModelSet.Load(folder);
    });

    private static readonly Lazy<SyntheticWeights> DefaultWeights = new(() => SyntheticWeights.Create());

    // One CPU session per network for the whole test run, as an engine instance would hold them.
    private static readonly Lazy<EditToAudio.Networks.NetworkSet> SharedNetworks = new(() => new EditToAudio.Networks.NetworkSet(Bundled.Value));

    private static readonly Lazy<PipelineStages> SharedStages = new(() => CpuBackend.Default.Open(Bundled.Value));

    public static ModelSet Load() => Bundled.Value;

    public static EditToAudio.Networks.NetworkSet Networks => SharedNetworks.Value;

    public static SyntheticWeights Weights => DefaultWeights.Value;

    /// <summary>The stages on the CPU backend with sessions of their own, shared by the whole test run.</summary>
    public static PipelineStages Stages => SharedStages.Value;
}
