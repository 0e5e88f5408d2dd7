using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using EditToAudio.IO;

namespace EditToAudio.Models;

/// <summary>
/// Named CLAP text embeddings of sound labels ("a cat meowing"), the reference points of the
/// evaluation's label scores: a model set's table (<c>labels</c> in models.json) or a file of
/// embeddings computed elsewhere. Rows are kept as given; the scores are cosines, so only a row's
/// direction matters, and a zero or non-finite row is refused.
/// </summary>
public sealed class LabelTable
{
    /// <summary>Width of a CLAP embedding.</summary>
    public const int Width = 512;

    private readonly Dictionary<string, int> _rows;
    private readonly float[] _embeddings;

    private LabelTable(string source, string sha256, IReadOnlyList<string> names, float[] embeddings)
    {
        Source = source;
        Sha256 = sha256;
        Names = names;
        _embeddings = embeddings;
        _rows = names.Select((name, row) => (name, row)).ToDictionary(p => p.name, p => p.row, StringComparer.Ordinal);
    }

    /// <summary>Where the embeddings were read from.</summary>
    public string Source { get; }

    /// <summary>SHA-256 of the embeddings file, lowercase hex.</summary>
    public string Sha256 { get; }

    /// <summary>The labels, in row order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The embedding of <paramref name="label"/> (exact, case-sensitive match).</summary>
    /// <exception cref="KeyNotFoundException">Naming the label and listing the labels the table has.</exception>
    public ReadOnlySpan<float> Embedding(string label) => _rows.TryGetValue(label, out int row)
        ? _embeddings.AsSpan(row * Width, Width)
        : throw new KeyNotFoundException(UnknownMessage([label]));

    /// <summary>True when the table has <paramref name="label"/>.</summary>
    public bool Contains(string label) => _rows.ContainsKey(label);

    /// <summary>The message for labels the table does not have: which ones, and every label it has.</summary>
    public string UnknownMessage(IReadOnlyCollection<string> unknown) => string.Create(CultureInfo.InvariantCulture,
        $"{(unknown.Count == 1 ? "label" : "labels")} {string.Join(", ", unknown.Select(l => $"'{l}'"))} not in {Source}; it has {Names.Count}: {string.Join(", ", Names.Select(l => $"'{l}'"))}.");

    /// <summary>The label table of <paramref name="models"/>.</summary>
    /// <exception cref="ModelSetException">The set has no table, or its file does not match its names.</exception>
    public static LabelTable FromModelSet(ModelSet models)
    {
        ArgumentNullException.ThrowIfNull(models);
        ModelLabels labels = models.Manifest.Labels
            ?? throw new ModelSetException($"The model set '{models.Folder}' has no label table (no \"labels\" in {ModelSetManifest.FileName}); pass one with --labels FILE.npy|FILE.npz.");
        string path = Path.Combine(models.Folder, labels.File);
        try
        {
            NpyArray array = Npy.Read(path);
            return Create(path, Sha256Of(path), labels.Names, array, $"{ModelSetManifest.FileName} names {labels.Names.Count} labels");
        }
        catch (Exception e) when (e is NpyFormatException or IOException or InvalidDataException)
        {
            throw new ModelSetException($"The model set's label table {path} cannot be used: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads embeddings computed elsewhere: a <c>.npz</c> with one [512] (or [1, 512]) array per label,
    /// named by the label (<c>np.savez("labels.npz", **{"a cat meowing": e, …})</c>), or a <c>.npy</c>
    /// of [L, 512] whose labels are the lines of the <c>.txt</c> beside it with the same name.
    /// </summary>
    /// <exception cref="InvalidDataException">Naming the file and what is wrong with it.</exception>
    public static LabelTable Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The label file {full} does not exist.", full);
        }
        string extension = Path.GetExtension(full).ToLowerInvariant();
        if (extension == ".npz")
        {
            (List<string> archived, float[] embeddings) = ReadNpz(full);
            return Create(full, Sha256Of(full), archived, NpyArray.FromSingle(embeddings, archived.Count, Width), "the archive");
        }
        if (extension != ".npy")
        {
            throw new InvalidDataException($"{full}: label embeddings must be a .npy (with a .txt of names beside it) or a .npz (one array per label); got '{extension}'.");
        }
        string namesPath = Path.ChangeExtension(full, ".txt");
        if (!File.Exists(namesPath))
        {
            throw new FileNotFoundException($"{full} holds embeddings without names; put the labels, one a line in row order, in {namesPath} (or use a .npz with one array per label).", namesPath);
        }
        string[] names = [.. File.ReadAllLines(namesPath, Encoding.UTF8).Select(l => l.Trim()).Where(l => l.Length > 0)];
        return Create(full, Sha256Of(full), names, Npy.Read(full), $"{namesPath} names {names.Length} labels");
    }

    private static (List<string> Names, float[] Embeddings) ReadNpz(string path)
    {
        var names = new List<string>();
        var embeddings = new List<float>();
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} is not a readable .npz (zip) archive: {e.Message}", e);
        }
        using (archive)
        {
            foreach (ZipArchiveEntry entry in archive.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal)))
            {
                string name = entry.FullName[..^4];
                using Stream stream = entry.Open();
                NpyArray array = Npy.Read(stream, $"{path}:{entry.FullName}");
                if (array.Length != Width || array.Shape.Count > 2)
                {
                    throw new InvalidDataException($"{path}: the array '{name}' has shape {array.ShapeText}; each label needs one embedding of {Width} numbers, shape ({Width},) or (1, {Width}).");
                }
                names.Add(name);
                embeddings.AddRange(array.ToSingle());
            }
        }
        if (names.Count == 0)
        {
            throw new InvalidDataException($"{path} holds no arrays; save one [{Width}] embedding per label, named by the label.");
        }
        return (names, [.. embeddings]);
    }

    private static LabelTable Create(string source, string sha256, IReadOnlyList<string> names, NpyArray array, string namesSource)
    {
        if (array.Shape.Count != 2 || array.Shape[1] != Width || array.Shape[0] != names.Count)
        {
            throw new InvalidDataException($"{source} has shape {array.ShapeText}; {namesSource}, so it must be ({names.Count}, {Width}).");
        }
        if (names.Count == 0)
        {
            throw new InvalidDataException($"{source}: the table has no labels.");
        }
        string? repeated = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (repeated is not null)
        {
            throw new InvalidDataException($"{source}: the label '{repeated}' appears more than once.");
        }
        float[] embeddings = array.ToSingle();
        for (int row = 0; row < names.Count; row++)
        {
            ReadOnlySpan<float> values = embeddings.AsSpan(row * Width, Width);
            double squares = 0;
            foreach (float v in values)
            {
                if (!float.IsFinite(v))
                {
                    throw new InvalidDataException($"{source}: the embedding of '{names[row]}' (row {row}) holds a non-finite value.");
                }
                squares += (double)v * v;
            }
            if (squares == 0)
            {
                throw new InvalidDataException($"{source}: the embedding of '{names[row]}' (row {row}) is zero; a label needs a direction.");
            }
        }
        return new LabelTable(source, sha256, names, embeddings);
    }

    private static string Sha256Of(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
