using System.Diagnostics;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Networks;

namespace EditToAudio.Pipeline;

/// <summary>What the stages after segmentation work on.</summary>
/// <param name="Original">The original image.</param>
/// <param name="Edited">The edited image.</param>
/// <param name="Remove">SAM2's mask of the removed object (original image).</param>
/// <param name="Add">SAM2's mask of the added object (edited image).</param>
/// <param name="Edit">Edit hyperparameters.</param>
/// <param name="Seed">Seed of the mapping's draws.</param>
/// <param name="VarSamples">Draws averaged by each SSV2A stage.</param>
public sealed record EmbeddingInput(RgbImage Original, RgbImage Edited, SegmentationResult Remove, SegmentationResult Add, EditParameters Edit, ulong Seed, int VarSamples);

/// <summary>What the stages after segmentation produce.</summary>
/// <param name="OriginalTokens">CLIP tokens of the original image [257, 768], L2-normalized.</param>
/// <param name="EditedTokens">CLIP tokens of the edited image [257, 768], L2-normalized.</param>
/// <param name="Edit">The edited CLIP embedding and its parts.</param>
/// <param name="Clap">The CLAP embedding of the edited CLIP embedding [512].</param>
/// <param name="Seconds">Seconds spent in <see cref="PipelineStage.ClipTokens"/>, <see cref="PipelineStage.Edit"/> and <see cref="PipelineStage.Mapping"/>.</param>
public sealed record EmbeddingStages(float[] OriginalTokens, float[] EditedTokens, EditResult Edit, float[] Clap, IReadOnlyDictionary<PipelineStage, double> Seconds);

/// <summary>
/// Where the embedding stages (SAM2's masks, CLIP's tokens, the edit and the SSV2A mapping) run, and
/// where their tensors live between the networks: host arrays (<see cref="HostEmbeddingBackend"/>),
/// or the GPU's memory in <c>EditToAudio.Cuda</c>. Both give the same results within float
/// tolerance. Implementations are thread-safe.
/// </summary>
public interface IEmbeddingBackend
{
    /// <summary>Where the edit math runs ("cpu" or "cuda"), as run records name it.</summary>
    string EditName { get; }

    /// <summary>SAM2's mask of the object <paramref name="points"/> mark on <paramref name="image"/> (encoder, then decoder).</summary>
    /// <exception cref="ArgumentException">When there are no points, none is positive, or a point lies outside the image.</exception>
    SegmentationResult Segment(NetworkSet networks, RgbImage image, IReadOnlyList<PromptPoint> points, MaskSelection selection, CancellationToken cancellationToken = default);

    /// <summary>Encodes both images, edits and maps the result to CLAP with the networks of <paramref name="networks"/>.</summary>
    /// <param name="networks">CLIP tokens, SSV2A manifold and generator.</param>
    /// <param name="input">Images, masks and parameters.</param>
    /// <param name="progress">Receives each stage's start and end.</param>
    /// <param name="cancellationToken">Checked between stages and inside the long ones.</param>
    EmbeddingStages Embed(NetworkSet networks, EmbeddingInput input, IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default);
}

/// <summary>
/// The stages with host tensors: SAM2 and CLIP preprocessing on the CPU, ONNX Runtime on whatever
/// provider the set uses (inputs and outputs copied through host memory), the edit on <see cref="IEditBackend"/>.
/// </summary>
/// <param name="edit">Where the edit math runs; one CPU thread when null. Not owned.</param>
public sealed class HostEmbeddingBackend(IEditBackend? edit = null) : IEmbeddingBackend
{
    private readonly IEditBackend _edit = edit ?? new CpuEditBackend(maxDegreeOfParallelism: 1);

    /// <inheritdoc/>
    public string EditName => _edit.Name;

    /// <inheritdoc/>
    public SegmentationResult Segment(NetworkSet networks, RgbImage image, IReadOnlyList<PromptPoint> points, MaskSelection selection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(networks);
        ArgumentNullException.ThrowIfNull(image);
        return new Segmenter(networks).Segment(Sam2Preprocessor.ToInput(image), image.Width, image.Height, points, selection, cancellationToken);
    }

    /// <inheritdoc/>
    public EmbeddingStages Embed(NetworkSet networks, EmbeddingInput input, IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(networks);
        ArgumentNullException.ThrowIfNull(input);
        var clock = new StageClock(progress);
        var clip = new ClipTokenEncoder(networks);
        float[] tokens = clock.Measure(PipelineStage.ClipTokens, () =>
        {
            var pixels = new float[2 * ClipTokenEncoder.PixelsPerImage];
            ClipPreprocessor.ToPixelValues(input.Original, pixels.AsSpan(0, ClipTokenEncoder.PixelsPerImage));
            ClipPreprocessor.ToPixelValues(input.Edited, pixels.AsSpan(ClipTokenEncoder.PixelsPerImage));
            return clip.Encode(pixels, 2, cancellationToken);
        });
        int perImage = clip.Tokens * clip.Width;
        float[] originalTokens = tokens[..perImage], editedTokens = tokens[perImage..];

        var pair = new EditPair(
            new ImageTokens(originalTokens, clip.Width), new ImageTokens(editedTokens, clip.Width),
            new BinaryMask(input.Remove.Mask, input.Remove.Height, input.Remove.Width), new BinaryMask(input.Add.Mask, input.Add.Height, input.Add.Width));
        EditResult edit = clock.Measure(PipelineStage.Edit, () => _edit.Edit([pair], input.Edit, cancellationToken)[0]);

        cancellationToken.ThrowIfCancellationRequested();
        float[] clap = clock.Measure(PipelineStage.Mapping, () => new Ssv2aMapper(networks).Map(edit.Embedding, input.Seed, input.VarSamples, 0, cancellationToken));
        return new EmbeddingStages(originalTokens, editedTokens, edit, clap, clock.Seconds);
    }
}

/// <summary>Seconds per stage, with the stage's start and end reported as progress.</summary>
/// <param name="progress">Receives (stage, 0, 1) before and (stage, 1, 1) after each measured stage.</param>
public sealed class StageClock(IProgress<PipelineProgress>? progress)
{
    private readonly Dictionary<PipelineStage, double> _seconds = [];

    /// <summary>Seconds per measured stage.</summary>
    public IReadOnlyDictionary<PipelineStage, double> Seconds => _seconds;

    /// <summary>Runs <paramref name="work"/> as <paramref name="stage"/>.</summary>
    public T Measure<T>(PipelineStage stage, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        progress?.Report(new PipelineProgress(stage, 0, 1));
        long start = Stopwatch.GetTimestamp();
        T result = work();
        _seconds[stage] = _seconds.GetValueOrDefault(stage) + Stopwatch.GetElapsedTime(start).TotalSeconds;
        progress?.Report(new PipelineProgress(stage, 1, 1));
        return result;
    }
}
