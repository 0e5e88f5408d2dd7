using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EditToAudio.IO;
using EditToAudio.Networks;

namespace EditToAudio.Batch;

/// <summary>
/// Disk cache of the per-image network results, so a second batch over the same images skips
/// SAM2 and CLIP: masks keyed by (image content hash, prompt, mask selection, model set hash) and
/// tokens keyed by (image content hash, model set hash), both with the engine version. Entries are
/// .npy files written atomically (the metadata file last, so its presence means the entry is
/// whole); an entry that cannot be read is a miss and is overwritten. Safe for concurrent
/// processes sharing the folder: the worst case is computing an entry twice. Thread-safe.
/// </summary>
public sealed class FeatureCache
{
    private long _hits;
    private long _misses;

    /// <summary>Uses (and creates) <paramref name="folder"/>.</summary>
    public FeatureCache(string folder, string modelSetHash)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelSetHash);
        Folder = Path.GetFullPath(folder);
        ModelSetHash = modelSetHash;
        Directory.CreateDirectory(Path.Combine(Folder, "masks"));
        Directory.CreateDirectory(Path.Combine(Folder, "tokens"));
    }

    /// <summary>The cache folder.</summary>
    public string Folder { get; }

    /// <summary>The model set hash every key includes.</summary>
    public string ModelSetHash { get; }

    /// <summary>Entries found so far.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Entries looked for and not found (or unreadable) so far.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The cached mask of a prompt on an image, or null.</summary>
    public SegmentationResult? TryGetMask(string imageSha256, IReadOnlyList<PromptPoint> points, MaskSelection selection)
    {
        string stem = MaskStem(imageSha256, points, selection);
        try
        {
            if (!File.Exists(stem + ".meta.npy"))
            {
                return Miss<SegmentationResult>();
            }
            double[] meta = Npy.Read(stem + ".meta.npy").ToDouble();
            if (meta.Length != 5)
            {
                return Miss<SegmentationResult>();
            }
            NpyArray mask = Npy.Read(stem + ".mask.npy");
            float[] logits = Npy.Read(stem + ".logits.npy").ToSingle();
            int width = (int)meta[3], height = (int)meta[4];
            if (mask.DType != NpyDType.UInt8 || mask.Length != (long)width * height)
            {
                return Miss<SegmentationResult>();
            }
            Interlocked.Increment(ref _hits);
            return new SegmentationResult(mask.ToBytes(), width, height, logits, (int)meta[0], (float)meta[1], meta[2]);
        }
        catch (Exception e) when (e is IOException or NpyFormatException or InvalidDataException or UnauthorizedAccessException or InvalidCastException)
        {
            return Miss<SegmentationResult>();
        }
    }

    /// <summary>Stores a mask (atomically; the metadata last).</summary>
    public void PutMask(string imageSha256, IReadOnlyList<PromptPoint> points, MaskSelection selection, SegmentationResult mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        string stem = MaskStem(imageSha256, points, selection);
        Npy.Write(stem + ".mask.npy", NpyArray.FromBytes(mask.Mask, NpyDType.UInt8, mask.Height, mask.Width));
        Npy.Write(stem + ".logits.npy", mask.LowResLogits, [mask.LowResLogits.Length]);
        Npy.Write(stem + ".meta.npy", NpyArray.FromDouble([mask.MaskIndex, mask.PredictedIou, mask.StabilityScore, mask.Width, mask.Height], 5));
    }

    /// <summary>The cached CLIP tokens [257·768] of an image, or null.</summary>
    public float[]? TryGetTokens(string imageSha256, int expectedLength)
    {
        string path = TokensPath(imageSha256);
        try
        {
            if (!File.Exists(path))
            {
                return Miss<float[]>();
            }
            float[] tokens = Npy.Read(path).ToSingle();
            if (tokens.Length != expectedLength)
            {
                return Miss<float[]>();
            }
            Interlocked.Increment(ref _hits);
            return tokens;
        }
        catch (Exception e) when (e is IOException or NpyFormatException or InvalidDataException or UnauthorizedAccessException or InvalidCastException)
        {
            return Miss<float[]>();
        }
    }

    /// <summary>Stores the tokens of an image atomically.</summary>
    public void PutTokens(string imageSha256, float[] tokens, int tokenCount, int width)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        Npy.Write(TokensPath(imageSha256), tokens, [tokenCount, width]);
    }

    private T? Miss<T>() where T : class
    {
        Interlocked.Increment(ref _misses);
        return null;
    }

    private string MaskStem(string imageSha256, IReadOnlyList<PromptPoint> points, MaskSelection selection) =>
        Path.Combine(Folder, "masks", Key($"sam2|{imageSha256}|{PointsKey(points)}|{selection}|{ModelSetHash}|{EngineInfo.Version}"));

    /// <summary>A SAM2 prompt's points (box corners included) as text: "x,y,label" each, joined by ';'.</summary>
    internal static string PointsKey(IReadOnlyList<PromptPoint> points) =>
        string.Join(';', points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.X:R},{p.Y:R},{(int)p.Label}")));

    private string TokensPath(string imageSha256) =>
        Path.Combine(Folder, "tokens", Key($"clip|{imageSha256}|{ModelSetHash}|{EngineInfo.Version}") + ".npy");

    private static string Key(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
