namespace EditToAudio.Tests.Support;

/// <summary>Locates files of the repository from the test binaries.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Engine.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"Engine.sln not found above {AppContext.BaseDirectory}.");
    }
}
