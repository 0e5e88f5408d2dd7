using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Pipeline;
using EditToAudio.Prompts;

namespace EditToAudio.Batch;

// The state of the items, images and prompts a batch has in flight.

/// <summary>One SAM2 prompt on one image; <see cref="Points"/> is <see cref="FeatureCache.PointsKey"/> of the prompt's points.</summary>
internal readonly record struct PromptKey(string ImagePath, string Points, MaskSelection Selection);

internal sealed class PromptEntry(PromptKey key, IReadOnlyList<PromptPoint> points, string imageSha)
{
    public PromptKey Key { get; } = key;

    public IReadOnlyList<PromptPoint> Points { get; } = points;

    public string ImageSha { get; } = imageSha;

    public SegmentationResult? Mask { get; set; }

    public string? Error { get; set; }
}

internal sealed class ImageEntry(string path)
{
    public string Path { get; } = path;

    public RgbImage? Image { get; set; }

    public float[]? Tokens { get; set; }

    public string? Error { get; set; }
}

internal readonly record struct MappingRow(ItemWork Work, int Setting, float[] Clip, MappingKey Key);

internal sealed record ClipJob(ItemWork Work, int Clip, float[] Conditioning, PipelineStage Stage);

/// <summary>One item in flight: what has been computed for it so far.</summary>
internal sealed class ItemWork(ManifestItem item)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<PipelineStage, double> _seconds = [];
    private string? _error;

    public int Remaining;

    public ManifestItem Item { get; } = item;

    public string OriginalSha { get; set; } = "";

    public string EditedSha { get; set; } = "";

    public ImageEntry? Original { get; set; }

    public ImageEntry? Edited { get; set; }

    /// <summary>The item's prompts with its ready masks read (<see cref="EditObjects.Prepare"/>).</summary>
    public EditPrompts? Prompts { get; set; }

    /// <summary>Every object of the item, with its mask.</summary>
    public EditObjects? Objects { get; set; }

    public SegmentationResult? RemoveMask { get; set; }

    public SegmentationResult? AddMask { get; set; }

    public EditResult[]? Edits { get; set; }

    public float[][]? Clap { get; set; }

    public float[]? BaselineClap { get; set; }

    public AudioClip[]? Clips { get; set; }

    public List<string> Outputs { get; set; } = [];

    public List<string> Warnings { get; } = [];

    public MaskRecord? Masks { get; set; }

    public IReadOnlyList<ObjectRecord>? ObjectRecords { get; set; }

    public bool Recorded { get; set; }

    public string? Error
    {
        get
        {
            lock (_gate)
            {
                return _error;
            }
        }
    }

    /// <summary>Keeps the first failure: later ones are consequences.</summary>
    public void Fail(string message)
    {
        lock (_gate)
        {
            _error ??= message;
        }
    }

    public void AddTime(PipelineStage stage, double seconds)
    {
        lock (_gate)
        {
            _seconds[stage] = _seconds.GetValueOrDefault(stage) + seconds;
        }
    }

    /// <summary>
    /// The timings of one of <paramref name="settings"/> settings: the item's seconds per stage
    /// split evenly, except the baselines, which every setting shares in full.
    /// </summary>
    public StageTimings TimingsFor(int settings)
    {
        var timings = new StageTimings();
        lock (_gate)
        {
            foreach ((PipelineStage stage, double seconds) in _seconds)
            {
                bool shared = stage is not (PipelineStage.BaselineOriginal or PipelineStage.BaselineEdited);
                timings.Add(stage, shared ? seconds / settings : seconds);
            }
        }
        return timings;
    }

    /// <summary>Drops the large arrays once the item is written.</summary>
    public void Release()
    {
        Original = null;
        Edited = null;
        Prompts = null;
        Objects = null;
        RemoveMask = null;
        AddMask = null;
        Edits = null;
        Clap = null;
        BaselineClap = null;
        Clips = null;
    }
}
