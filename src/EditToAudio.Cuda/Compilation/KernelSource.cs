using System.Globalization;
using System.Text;

namespace EditToAudio.Cuda.Compilation;

/// <summary>A CUDA C++ source file embedded in the assembly.</summary>
/// <param name="Name">The file name, e.g. <c>edit.cu</c>.</param>
/// <param name="Text">The source text.</param>
public sealed record KernelSource(string Name, string Text)
{
    /// <summary>True for headers (<c>.cuh</c>), which are handed to every program rather than compiled alone.</summary>
    public bool IsHeader => Name.EndsWith(".cuh", StringComparison.Ordinal);

    /// <summary>The source with line numbers, as shown in compile errors.</summary>
    public string Numbered()
    {
        string[] lines = Text.Split('\n');
        var builder = new StringBuilder();
        for (int i = 0; i < lines.Length; i++)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{i + 1,4} | {lines[i].TrimEnd('\r')}").Append('\n');
        }
        return builder.ToString();
    }
}

/// <summary>The engine's kernel files, read once from the assembly's resources.</summary>
public static class KernelSources
{
    private const string Prefix = "kernels/";
    private static readonly Lazy<IReadOnlyList<KernelSource>> AllFiles = new(ReadAll);

    /// <summary>Every embedded file (sources and headers), ordered by name.</summary>
    public static IReadOnlyList<KernelSource> All => AllFiles.Value;

    /// <summary>The compilable sources (<c>.cu</c>).</summary>
    public static IReadOnlyList<KernelSource> Sources => [.. All.Where(f => !f.IsHeader)];

    /// <summary>The headers (<c>.cuh</c>).</summary>
    public static IReadOnlyList<KernelSource> Headers => [.. All.Where(f => f.IsHeader)];

    /// <summary>The source named <paramref name="name"/>.</summary>
    public static KernelSource Get(string name) =>
        All.FirstOrDefault(f => f.Name == name)
        ?? throw new ArgumentException($"no embedded kernel file named '{name}' (have: {string.Join(", ", All.Select(f => f.Name))})", nameof(name));

    private static List<KernelSource> ReadAll()
    {
        var assembly = typeof(KernelSources).Assembly;
        var files = new List<KernelSource>();
        foreach (string resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using Stream stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"embedded kernel resource '{resource}' could not be opened");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            files.Add(new KernelSource(resource[Prefix.Length..], reader.ReadToEnd()));
        }
        return files;
    }
}
