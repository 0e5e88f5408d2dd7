using System.Security.Cryptography;

namespace EditToAudio.Models;

/// <summary>
/// A model set on disk: a folder with <c>models.json</c> and one ONNX file per network. Loading
/// checks the manifest and that every named file exists; <see cref="ContractChecker"/> checks the
/// files against their contracts.
/// </summary>
public sealed class ModelSet
{
    /// <summary>The bundled synthetic set's folder, relative to the repository root.</summary>
    public const string SyntheticRelativeFolder = "models/synthetic";

    private readonly Dictionary<NetworkKind, string> _hashes = [];

    private ModelSet(string folder, ModelSetManifest manifest)
    {
        Folder = folder;
        Manifest = manifest;
    }

    /// <summary>Full path of the set's folder.</summary>
    public string Folder { get; }

    /// <summary>The parsed manifest.</summary>
    public ModelSetManifest Manifest { get; }

    /// <summary>The set's name from the manifest.</summary>
    public string Name => Manifest.Name;

    /// <summary>True for generated analytic models: every output made with them must say so.</summary>
    public bool IsSynthetic => Manifest.IsSynthetic;

    /// <summary>The set's constants.</summary>
    public ModelSetConstants Constants => Manifest.Constants;

    /// <summary>True when the set has a file for <paramref name="kind"/>.</summary>
    public bool Has(NetworkKind kind) => Manifest.Networks.ContainsKey(kind);

    /// <summary>Full path of the ONNX file of <paramref name="kind"/>.</summary>
    /// <exception cref="ModelSetException">When the set has no such network.</exception>
    public string PathOf(NetworkKind kind) => Manifest.Networks.TryGetValue(kind, out string? file)
        ? Path.Combine(Folder, file)
        : throw new ModelSetException($"Model set '{Folder}' has no {NetworkContracts.For(kind).Key} network.");

    /// <summary>SHA-256 of the ONNX file of <paramref name="kind"/>, lowercase hex (computed once).</summary>
    public string Sha256Of(NetworkKind kind)
    {
        lock (_hashes)
        {
            if (!_hashes.TryGetValue(kind, out string? hash))
            {
                using var stream = File.OpenRead(PathOf(kind));
                hash = Convert.ToHexStringLower(SHA256.HashData(stream));
                _hashes[kind] = hash;
            }
            return hash;
        }
    }

    /// <summary>Reads <c>models.json</c> in <paramref name="folder"/> and checks that every named file exists.</summary>
    /// <exception cref="ModelSetException">Naming the folder, manifest or file that is missing or invalid.</exception>
    public static ModelSet Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new ModelSetException($"Model set folder '{folder}' does not exist.");
        }
        string manifestPath = Path.Combine(full, ModelSetManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            throw new ModelSetException($"Model set folder '{folder}' has no {ModelSetManifest.FileName} (the manifest naming each network's ONNX file and the set's constants).");
        }
        var manifest = ModelSetManifest.Parse(File.ReadAllBytes(manifestPath), manifestPath);
        foreach (var (kind, file) in manifest.Networks)
        {
            string path = Path.GetFullPath(Path.Combine(full, file));
            if (!File.Exists(path))
            {
                throw new ModelSetException($"{manifestPath}: networks.{NetworkContracts.For(kind).Key} names '{file}', which does not exist ({path}).");
            }
        }
        if (manifest.Labels is { } labels && !File.Exists(Path.Combine(full, labels.File)))
        {
            throw new ModelSetException($"{manifestPath}: labels.file names '{labels.File}', which does not exist ({Path.GetFullPath(Path.Combine(full, labels.File))}).");
        }
        return new ModelSet(full, manifest);
    }

    /// <summary>
    /// Finds the bundled synthetic set: <c>models/synthetic</c> under the current directory or
    /// one of its parents, then under the application's folder or one of its parents.
    /// </summary>
    /// <returns>The folder, or null when none has a manifest.</returns>
    public static string? FindSyntheticFolder()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, SyntheticRelativeFolder);
                if (File.Exists(Path.Combine(candidate, ModelSetManifest.FileName)))
                {
                    return candidate;
                }
            }
        }
        return null;
    }
}
