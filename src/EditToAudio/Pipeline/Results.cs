using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Networks;

namespace EditToAudio.Pipeline;

/// <summary>Seconds spent per stage.</summary>
public sealed class StageTimings
{
    private readonly Dictionary<PipelineStage, double> _seconds = [];

    /// <summary>Seconds per stage that ran, in pipeline order.</summary>
    public IReadOnlyDictionary<PipelineStage, double> Seconds => _seconds;

    /// <summary>Total seconds.</summary>
    public double Total => _seconds.Values.Sum();

    /// <summary>Adds <paramref name="seconds"/> to <paramref name="stage"/> (a share of work done for several runs at once).</summary>
    internal void Add(PipelineStage stage, double seconds) => _seconds[stage] = _seconds.GetValueOrDefault(stage) + seconds;

    internal T Measure<T>(PipelineStage stage, Func<T> work)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        T result = work();
        _seconds[stage] = _seconds.GetValueOrDefault(stage) + System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        return result;
    }
}

/// <summary>The embedding of one image edit and everything computed on the way.</summary>
/// <param name="RemoveMask">The removed objects' mask (original image): the one object's, or the union of several (<see cref="EditObjects.SideMask"/>).</param>
/// <param name="AddMask">The added objects' mask (edited image), likewise.</param>
/// <param name="OriginalTokens">CLIP tokens of the original image [257, 768], L2-normalized.</param>
/// <param name="EditedTokens">CLIP tokens of the edited image [257, 768], L2-normalized.</param>
/// <param name="Edit">The edited CLIP embedding and its parts.</param>
/// <param name="Clap">The CLAP embedding of the edited CLIP embedding [512].</param>
/// <param name="Provider">The ONNX Runtime provider that ran the networks.</param>
/// <param name="Timings">Seconds per stage.</param>
/// <param name="Warnings">Everything worth a look that did not stop the run.</param>
public sealed record EmbedResult(
    SegmentationResult RemoveMask,
    SegmentationResult AddMask,
    float[] OriginalTokens,
    float[] EditedTokens,
    EditResult Edit,
    float[] Clap,
    ExecutionProvider Provider,
    StageTimings Timings,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Where the edit math ran ("cpu" or "cuda").</summary>
    public string EditBackend { get; init; } = "cpu";

    /// <summary>Every object with its prompt (given or found), its mask and its role; null when the caller built the result from the masks alone.</summary>
    public EditObjects? Objects { get; init; }
}

/// <summary>A whole run's outputs.</summary>
/// <param name="Embedding">The embedding stages.</param>
/// <param name="Audio">The clip of the edited embedding.</param>
/// <param name="BaselineOriginal">The clip of the original image's plain CLIP embedding, when asked for.</param>
/// <param name="BaselineEdited">The clip of the edited image's plain CLIP embedding, when asked for.</param>
/// <param name="BaselineClap">CLAP embeddings of the two baselines [2, 512], when asked for.</param>
/// <param name="Warnings">The embedding's warnings and the audio's.</param>
public sealed record RunResult(EmbedResult Embedding, AudioClip Audio, AudioClip? BaselineOriginal, AudioClip? BaselineEdited, float[]? BaselineClap, IReadOnlyList<string> Warnings)
{
    /// <summary>Where the sampler's arithmetic ran ("cpu" or "cuda").</summary>
    public string DiffusionBackend { get; init; } = "cpu";
}
