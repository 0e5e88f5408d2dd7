using System.Globalization;
using System.Text.Json;
using EditToAudio.Batch;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Networks;

namespace EditToAudio.Evaluation;

/// <summary>The three clips of a pair.</summary>
public enum ClipRole
{
    /// <summary>From the edited embedding.</summary>
    Manipulated,

    /// <summary>From the original image's plain CLIP embedding.</summary>
    BaselineOriginal,

    /// <summary>From the edited image's plain CLIP embedding.</summary>
    BaselineEdited,
}

/// <summary>The edit hyperparameters that tell a pair's setting apart (a sweep's axes).</summary>
/// <param name="K">k.</param>
/// <param name="Alpha">α.</param>
/// <param name="Beta">β.</param>
/// <param name="Mix">(a, b, g).</param>
public sealed record SettingParameters(int K, double Alpha, double Beta, double[] Mix)
{
    /// <summary>The setting's name, as batch folders spell it (k10_a0.1_b2_m0.2-0.5-0.3).</summary>
    public string Name => SweepSetting.NameOf(new EditParameters { K = K, Alpha = Alpha, Beta = Beta, Mix = new MixWeights(Mix[0], Mix[1], Mix[2]) });
}

/// <summary>What a pair's folder holds, read and checked.</summary>
internal sealed class PairData
{
    public required PairLocation Location { get; init; }

    public required SettingParameters Parameters { get; init; }

    /// <summary>The edited CLIP embedding E [768].</summary>
    public required float[] EditedClip { get; init; }

    /// <summary>The original image's plain CLIP embedding: its CLS token, L2-normalized (encode_image, as the baselines use it).</summary>
    public required float[] OriginalClip { get; init; }

    /// <summary>The edited image's plain CLIP embedding.</summary>
    public required float[] EditedImageClip { get; init; }

    /// <summary>The conditioning CLAP embedding of the manipulated clip [512].</summary>
    public required float[] Clap { get; init; }

    /// <summary>The baselines' conditioning CLAP embeddings (original, edited), when the run made baselines.</summary>
    public float[]? BaselineOriginalClap { get; init; }

    /// <summary>The edited image's baseline conditioning.</summary>
    public float[]? BaselineEditedClap { get; init; }

    /// <summary>Full paths of the clips the record lists.</summary>
    public required IReadOnlyDictionary<ClipRole, string> Clips { get; init; }

    /// <summary>What the pair does not have, by design of its run (named in the report, never skipped silently).</summary>
    public required IReadOnlyList<string> Absent { get; init; }

    /// <summary>SHA-256 of each network of the set that made the pair, as its record lists them.</summary>
    public required IReadOnlyDictionary<string, string> ModelHashes { get; init; }
}

/// <summary>A pair's folder lacks a file its record lists, or a file does not hold what the run writes.</summary>
internal sealed class PairReadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads a pair's record and the embeddings and clip paths it lists.</summary>
internal static class PairReader
{
    private const int ClipWidth = 768;

    private static readonly Dictionary<string, ClipRole> ClipKeys = new(StringComparer.Ordinal)
    {
        ["manipulated"] = ClipRole.Manipulated,
        ["baseline_original"] = ClipRole.BaselineOriginal,
        ["baseline_edited"] = ClipRole.BaselineEdited,
    };

    /// <summary>The key a run record gives <paramref name="role"/>'s clip.</summary>
    public static string Key(ClipRole role) => ClipKeys.First(p => p.Value == role).Key;

    public static PairData Read(PairLocation pair)
    {
        string recordPath = Path.Combine(pair.Folder, pair.RecordFile);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(recordPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new PairReadException($"{recordPath} cannot be read: {e.Message}", e);
        }
        using (document)
        {
            try
            {
                return Read(pair, recordPath, document.RootElement);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
            {
                throw new PairReadException($"{recordPath} is not a record this engine writes: {e.Message}", e);
            }
        }
    }

    private static PairData Read(PairLocation pair, string recordPath, JsonElement record)
    {
        var outputs = new HashSet<string>(record.GetProperty("outputs").EnumerateArray().Select(o => o.GetString()!), StringComparer.Ordinal);
        string kind = record.GetProperty("kind").GetString()!;
        var absent = new List<string>();
        string Need(string file)
        {
            if (!outputs.Contains(file))
            {
                throw new PairReadException($"{recordPath} does not list {file}, which every {kind} record has.");
            }
            string path = Path.Combine(pair.Folder, file);
            return File.Exists(path) ? path : throw new PairReadException($"{path} is missing ({pair.RecordFile} lists it).");
        }

        float[] originalClip = PlainClip(Need("original_tokens.npy"));
        float[] editedImageClip = PlainClip(Need("edited_tokens.npy"));
        SettingParameters parameters = Parameters(record.GetProperty("parameters"));
        float[] editedClip, clap;
        float[]? baselineClap = null;
        var clips = new Dictionary<ClipRole, string>();
        if (pair.Row is int row)
        {
            editedClip = Row(Need(BatchRunner.SweepClipFile), row, ClipWidth);
            clap = Row(Need(BatchRunner.SweepClapFile), row, ClapAudioEncoder.Width);
            JsonElement setting = record.GetProperty("settings").EnumerateArray().First(s => s.GetProperty("row").GetInt32() == row);
            parameters = parameters with
            {
                K = setting.GetProperty("k").GetInt32(),
                Alpha = setting.GetProperty("alpha").GetDouble(),
                Beta = setting.GetProperty("beta").GetDouble(),
                Mix = [.. setting.GetProperty("mix").EnumerateArray().Select(v => v.GetDouble())],
            };
            absent.Add("clips and baselines (an embed-only sweep)");
        }
        else
        {
            editedClip = Vector(Need("edited_clip.npy"), ClipWidth);
            clap = Vector(Need("clap.npy"), ClapAudioEncoder.Width);
            if (outputs.Contains("baseline_clap.npy"))
            {
                baselineClap = Matrix(Need("baseline_clap.npy"), 2, ClapAudioEncoder.Width);
            }
            if (record.TryGetProperty("audio", out JsonElement audio) && audio.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty clip in audio.EnumerateObject())
                {
                    if (ClipKeys.TryGetValue(clip.Name, out ClipRole role))
                    {
                        clips[role] = Need(clip.Value.GetProperty("file").GetString()!);
                    }
                }
            }
            if (!clips.ContainsKey(ClipRole.Manipulated))
            {
                absent.Add(kind == "embed" ? "clips (an embed run, no audio)" : "the manipulated clip (the record lists none)");
            }
            else if (!clips.ContainsKey(ClipRole.BaselineOriginal) || !clips.ContainsKey(ClipRole.BaselineEdited))
            {
                absent.Add("baselines (the run was made without --baselines)");
            }
            else if (baselineClap is null)
            {
                absent.Add("the baselines' CLAP embeddings (the record lists no baseline_clap.npy)");
            }
        }

        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (record.TryGetProperty("models", out JsonElement models) && models.TryGetProperty("sha256", out JsonElement sha) && sha.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty network in sha.EnumerateObject())
            {
                hashes[network.Name] = network.Value.GetString() ?? "";
            }
        }
        return new PairData
        {
            Location = pair,
            Parameters = parameters,
            EditedClip = editedClip,
            OriginalClip = originalClip,
            EditedImageClip = editedImageClip,
            Clap = clap,
            BaselineOriginalClap = baselineClap?[..ClapAudioEncoder.Width],
            BaselineEditedClap = baselineClap?[ClapAudioEncoder.Width..],
            Clips = clips,
            Absent = absent,
            ModelHashes = hashes,
        };
    }

    private static SettingParameters Parameters(JsonElement parameters) => new(
        parameters.GetProperty("k").GetInt32(),
        parameters.GetProperty("alpha").GetDouble(),
        parameters.GetProperty("beta").GetDouble(),
        [.. parameters.GetProperty("mix").EnumerateArray().Select(v => v.GetDouble())]);

    /// <summary>Token 0 of a [257, 768] token file, L2-normalized.</summary>
    private static float[] PlainClip(string path)
    {
        float[] tokens = Load(path, ImageTokens.TokenCount, ClipWidth);
        float[] cls = tokens[..ClipWidth];
        double norm = Math.Sqrt(cls.Sum(v => (double)v * v));
        if (!(norm > 0))
        {
            throw new PairReadException($"{path}: the CLS token (row 0) is zero.");
        }
        return [.. cls.Select(v => (float)(v / norm))];
    }

    private static float[] Vector(string path, int width) => Load(path, width);

    private static float[] Matrix(string path, int rows, int width) => Load(path, rows, width);

    private static float[] Row(string path, int row, int width)
    {
        NpyArray array = ReadArray(path);
        if (array.Shape.Count != 2 || array.Shape[1] != width || row >= array.Shape[0])
        {
            throw new PairReadException(string.Create(CultureInfo.InvariantCulture, $"{path} has shape {array.ShapeText}; row {row} of (S, {width}) was expected."));
        }
        return Finite(path, array.ToSingle().AsSpan(row * width, width).ToArray());
    }

    private static float[] Load(string path, params int[] shape)
    {
        NpyArray array = ReadArray(path);
        if (!array.Shape.SequenceEqual(shape))
        {
            throw new PairReadException($"{path} has shape {array.ShapeText}; {NpyHeaderShape(shape)} was expected.");
        }
        return Finite(path, array.ToSingle());
    }

    private static NpyArray ReadArray(string path)
    {
        try
        {
            return Npy.Read(path);
        }
        catch (Exception e) when (e is NpyFormatException or IOException or UnauthorizedAccessException)
        {
            throw new PairReadException(e.Message, e);
        }
    }

    private static float[] Finite(string path, float[] values)
    {
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        return bad < 0 ? values : throw new PairReadException(string.Create(CultureInfo.InvariantCulture, $"{path} holds {values[bad]} at element {bad}."));
    }

    private static string NpyHeaderShape(int[] shape) => NpyHeader.FormatShape(shape);
}
