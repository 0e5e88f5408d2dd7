using EditToAudio.Models;
using EditToAudio.SyntheticModels;

namespace EditToAudio.Tests.Models;

/// <summary>The repository's synthetic model set, generated once per test run when missing.</summary>
internal static class SyntheticSet
{
    private static readonly Lazy<ModelSet> Bundled = new(() =>
    {
        string folder = Path.Combine(RepositoryRoot(), ModelSet.SyntheticRelativeFolder);
        SyntheticModelSet.EnsureExists(folder);
        return ModelSet.Load(folder);
    });

    private static readonly Lazy<SyntheticWeights> DefaultWeights = new(() => SyntheticWeights.Create());

    // One CPU session per network for the whole test run, as an engine instance would hold them.
    private static readonly Lazy<EditToAudio.Networks.NetworkSet> SharedNetworks = new(() => new EditToAudio.Networks.NetworkSet(Bundled.Value));

    public static ModelSet Load() => Bundled.Value;

    public static EditToAudio.Networks.NetworkSet Networks => SharedNetworks.Value;

    public static SyntheticWeights Weights => DefaultWeights.Value;

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Engine.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No Engine.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A temporary folder deleted at the end of a test.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edit2audio-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
