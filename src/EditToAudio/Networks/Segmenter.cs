using System.Globalization;
using EditToAudio.Images;
using EditToAudio.Models;

namespace EditToAudio.Networks;

/// <summary>What a prompt point tells SAM2; the values are SAM2's point labels.</summary>
public enum PromptLabel
{
    /// <summary>"Not this object" (label 0).</summary>
    Negative = 0,

    /// <summary>"This object" (label 1).</summary>
    Positive = 1,

    /// <summary>The top-left corner of a box prompt (label 2); SAM2's predictor turns a box into this corner and the next.</summary>
    BoxTopLeft = 2,

    /// <summary>The bottom-right corner of a box prompt (label 3).</summary>
    BoxBottomRight = 3,
}

/// <summary>A prompt point in its image's pixel coordinates.</summary>
/// <param name="X">Column, 0 ≤ X &lt; width (a box corner may lie on the right edge, X = width).</param>
/// <param name="Y">Row, 0 ≤ Y &lt; height (a box corner may lie on the bottom edge, Y = height).</param>
/// <param name="Label">Positive, negative, or one corner of a box.</param>
public readonly record struct PromptPoint(double X, double Y, PromptLabel Label = PromptLabel.Positive)
{
    /// <summary>True for "this object" (label 1).</summary>
    public bool IsPositive => Label == PromptLabel.Positive;

    /// <summary>True for either corner of a box.</summary>
    public bool IsBoxCorner => Label is PromptLabel.BoxTopLeft or PromptLabel.BoxBottomRight;

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({X}, {Y}) {Label switch
    {
        PromptLabel.Positive => "positive",
        PromptLabel.Negative => "negative",
        PromptLabel.BoxTopLeft => "box top-left",
        _ => "box bottom-right",
    }}");
}

/// <summary>Which of SAM2's masks to keep.</summary>
public enum MaskSelection
{
    /// <summary>
    /// SAM2 with multimask_output=False: the single-mask output, unless its stability score
    /// is below 0.98, in which case the multi-mask output with the best predicted IoU (as SAM2 does).
    /// </summary>
    SingleMask,

    /// <summary>multimask_output=True: of the three multi-mask outputs, the one with the highest predicted IoU.</summary>
    BestOfThree,
}

/// <summary>One object to segment: its prompt points and which of SAM2's masks to keep.</summary>
/// <param name="Points">Points in the image's pixels; at least one positive.</param>
/// <param name="Selection">SAM2's single mask or the best of three.</param>
public sealed record SegmentationPrompt(IReadOnlyList<PromptPoint> Points, MaskSelection Selection = MaskSelection.SingleMask)
{
    /// <summary>One positive point.</summary>
    public SegmentationPrompt(PromptPoint point, MaskSelection selection = MaskSelection.SingleMask) : this([point], selection)
    {
    }
}

/// <summary>SAM2 encoder outputs for one image, reused for every prompt on it.</summary>
public sealed class Sam2ImageEmbedding
{
    internal Sam2ImageEmbedding(int width, int height, float[] imageEmbed, float[] highResFeats0, float[] highResFeats1)
    {
        Width = width;
        Height = height;
        ImageEmbed = imageEmbed;
        HighResFeats0 = highResFeats0;
        HighResFeats1 = highResFeats1;
    }

    /// <summary>Original image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Original image height in pixels.</summary>
    public int Height { get; }

    internal float[] ImageEmbed { get; }

    internal float[] HighResFeats0 { get; }

    internal float[] HighResFeats1 { get; }
}

/// <summary>One segmentation: the binary mask at the image's resolution and how it was chosen.</summary>
/// <param name="Mask">Row-major H×W, 1 inside, 0 outside.</param>
/// <param name="Width">Image width.</param>
/// <param name="Height">Image height.</param>
/// <param name="LowResLogits">The chosen 256×256 logits before upsampling.</param>
/// <param name="MaskIndex">Index of the chosen mask among the decoder's outputs.</param>
/// <param name="PredictedIou">The decoder's IoU prediction for the chosen mask.</param>
/// <param name="StabilityScore">Stability of the single-mask output (area(logits &gt; 0.05) / area(logits &gt; −0.05)); NaN when not computed.</param>
public sealed record SegmentationResult(byte[] Mask, int Width, int Height, float[] LowResLogits, int MaskIndex, float PredictedIou, double StabilityScore)
{
    /// <summary>Number of pixels inside the mask.</summary>
    public int Area => Mask.Count(v => v != 0);
}

/// <summary>
/// SAM2 segmentation prompted by points and boxes: the encoder runs once per image (<see cref="Encode"/>), the
/// decoder once per prompt (<see cref="Segment(Sam2ImageEmbedding, IReadOnlyList{PromptPoint}, MaskSelection, CancellationToken)"/>).
/// The chosen low-resolution logits are upsampled bilinearly (align_corners=False) straight to
/// H×W and thresholded at 0, as SAM2's predictor does. Thread-safe: it holds no state besides the sessions.
/// </summary>
public sealed class Segmenter
{
    /// <summary>Side of SAM2's low-resolution mask logits.</summary>
    public const int LowResSize = 256;

    /// <summary>SAM2's stability offset for the single-mask fallback.</summary>
    public const double StabilityDelta = 0.05;

    /// <summary>SAM2's stability threshold for the single-mask fallback.</summary>
    public const double StabilityThreshold = 0.98;

    private readonly NetworkSet _networks;

    /// <summary>Uses the SAM2 encoder and decoder of <paramref name="networks"/>.</summary>
    public Segmenter(NetworkSet networks)
    {
        ArgumentNullException.ThrowIfNull(networks);
        _networks = networks;
    }

    /// <summary>Runs the encoder on a preprocessed image ([3,1024,1024], ImageNet-normalized) of an original <paramref name="width"/>×<paramref name="height"/> image.</summary>
    public Sam2ImageEmbedding Encode(float[] image, int width, int height, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (image.Length != Sam2Preprocessor.ValueCount)
        {
            throw new ArgumentException($"The SAM2 input must have {Sam2Preprocessor.ValueCount} values ([3,1024,1024], see {nameof(Sam2Preprocessor)}), got {image.Length}.", nameof(image));
        }
        var session = _networks.Get(NetworkKind.Sam2Encoder);
        using var input = OrtTensors.Wrap(image, 1, 3, Sam2Preprocessor.InputSize, Sam2Preprocessor.InputSize);
        using var outputs = session.Run(new Dictionary<string, Microsoft.ML.OnnxRuntime.OrtValue> { [NetworkContracts.Sam2Encoder.Image.Name] = input }, cancellationToken);
        return new Sam2ImageEmbedding(width, height,
            OrtTensors.Read(outputs[0], "SAM2 image_embed", 1, 256, 64, 64),
            OrtTensors.Read(outputs[1], "SAM2 high_res_feats_0", 1, 32, 256, 256),
            OrtTensors.Read(outputs[2], "SAM2 high_res_feats_1", 1, 64, 128, 128));
    }

    /// <summary>Encodes and segments in one call.</summary>
    public SegmentationResult Segment(float[] image, int width, int height, IReadOnlyList<PromptPoint> points, MaskSelection selection = MaskSelection.SingleMask, CancellationToken cancellationToken = default)
    {
        ValidatePoints(points, width, height);
        return Segment(Encode(image, width, height, cancellationToken), points, selection, cancellationToken);
    }

    /// <summary>Segments the object the points (and the box, as its two corners ahead of them) describe.</summary>
    /// <exception cref="ArgumentException">When there are no points, none is positive and there is no box, a box is malformed, or a point lies outside the image (the message names the point and the image size).</exception>
    public SegmentationResult Segment(Sam2ImageEmbedding embedding, IReadOnlyList<PromptPoint> points, MaskSelection selection = MaskSelection.SingleMask, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        (float[] coords, float[] labels) = PromptInputs(points, embedding.Width, embedding.Height);
        int count = points.Count;

        var session = _networks.Get(NetworkKind.Sam2Decoder);
        using var imageEmbed = OrtTensors.Wrap(embedding.ImageEmbed, 1, 256, 64, 64);
        using var feats0 = OrtTensors.Wrap(embedding.HighResFeats0, 1, 32, 256, 256);
        using var feats1 = OrtTensors.Wrap(embedding.HighResFeats1, 1, 64, 128, 128);
        using var pointCoords = OrtTensors.Wrap(coords, 1, count, 2);
        using var pointLabels = OrtTensors.Wrap(labels, 1, count);
        using var maskInput = OrtTensors.Wrap(new float[LowResSize * LowResSize], 1, 1, LowResSize, LowResSize);
        using var hasMaskInput = OrtTensors.Wrap(new float[1], 1);
        Sam2DecoderContract contract = NetworkContracts.Sam2Decoder;
        using var outputs = session.Run(new Dictionary<string, Microsoft.ML.OnnxRuntime.OrtValue>
        {
            [contract.ImageEmbed.Name] = imageEmbed,
            [contract.HighResFeats0.Name] = feats0,
            [contract.HighResFeats1.Name] = feats1,
            [contract.PointCoords.Name] = pointCoords,
            [contract.PointLabels.Name] = pointLabels,
            [contract.MaskInput.Name] = maskInput,
            [contract.HasMaskInput.Name] = hasMaskInput,
        }, cancellationToken);
        return FromDecoderOutputs(outputs[0], outputs[1], embedding.Width, embedding.Height, selection);
    }

    /// <summary>
    /// The decoder's prompt inputs for <paramref name="points"/> on a <paramref name="width"/>×<paramref name="height"/>
    /// image: coordinates in SAM2's 1024 frame ([N, 2]) and SAM2's labels (1 positive, 0 negative, 2 and 3 a box's corners).
    /// </summary>
    /// <exception cref="ArgumentException">When there are no points, none is positive and there is no box, a box is malformed, or a point lies outside the image.</exception>
    public static (float[] Coordinates, float[] Labels) PromptInputs(IReadOnlyList<PromptPoint> points, int width, int height)
    {
        ValidatePoints(points, width, height);
        var coords = new float[points.Count * 2];
        var labels = new float[points.Count];
        for (int i = 0; i < points.Count; i++)
        {
            (coords[2 * i], coords[2 * i + 1]) = Sam2Preprocessor.ScalePoint(width, height, points[i].X, points[i].Y);
            labels[i] = (float)points[i].Label;
        }
        return (coords, labels);
    }

    /// <summary>
    /// The mask from the decoder's outputs (<paramref name="masks"/> [1, M, 256, 256] logits,
    /// <paramref name="ious"/> [1, M]): SAM2's choice among them, upsampled to the image and thresholded.
    /// </summary>
    public static SegmentationResult FromDecoderOutputs(Microsoft.ML.OnnxRuntime.OrtValue masks, Microsoft.ML.OnnxRuntime.OrtValue ious, int width, int height, MaskSelection selection)
    {
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(ious);
        long[] maskShape = OrtTensors.Shape(masks);
        if (maskShape.Length != 4 || maskShape[0] != 1 || maskShape[2] != LowResSize || maskShape[3] != LowResSize)
        {
            throw new InvalidOperationException($"SAM2 decoder returned masks of shape [{string.Join(",", maskShape)}], expected [1,M,256,256].");
        }
        int count = (int)maskShape[1];
        float[] logits = OrtTensors.Read(masks, "SAM2 masks", 1, count, LowResSize, LowResSize);
        float[] scores = OrtTensors.Read(ious, "SAM2 iou_predictions", 1, count);

        var (index, stability) = Choose(logits, scores, count, selection);
        float[] chosen = logits.AsSpan(index * LowResSize * LowResSize, LowResSize * LowResSize).ToArray();
        byte[] mask = UpsampleAndThreshold(chosen, LowResSize, LowResSize, width, height);
        return new SegmentationResult(mask, width, height, chosen, index, scores[index], stability);
    }

    /// <summary>
    /// Picks the mask. With 4 masks (index 0 single-mask, 1..3 multi-mask) both selections work
    /// as SAM2 does; a decoder exported with only the single mask (M = 1) or only the three
    /// multi-mask outputs (M = 3) supports the matching selection.
    /// </summary>
    internal static (int Index, double Stability) Choose(float[] logits, float[] ious, int masks, MaskSelection selection)
    {
        int plane = LowResSize * LowResSize;
        int BestOf(int first, int last)
        {
            int best = first;
            for (int i = first + 1; i <= last; i++)
            {
                if (ious[i] > ious[best])
                {
                    best = i;
                }
            }
            return best;
        }
        switch (masks, selection)
        {
            case (4, MaskSelection.BestOfThree):
                return (BestOf(1, 3), double.NaN);
            case (3, MaskSelection.BestOfThree):
                return (BestOf(0, 2), double.NaN);
            case (4, MaskSelection.SingleMask):
                double stability = StabilityScore(logits.AsSpan(0, plane));
                return (stability >= StabilityThreshold ? 0 : BestOf(1, 3), stability);
            case (1, MaskSelection.SingleMask):
                return (0, StabilityScore(logits.AsSpan(0, plane)));
            default:
                throw new InvalidOperationException($"The SAM2 decoder returns {masks} masks; selection {selection} needs 4 (single + three multi-mask outputs){(selection == MaskSelection.SingleMask ? " or 1" : " or 3")}.");
        }
    }

    /// <summary>SAM2's stability score: area(logits &gt; δ) / area(logits &gt; −δ), 1 when the latter is empty.</summary>
    public static double StabilityScore(ReadOnlySpan<float> logits)
    {
        int intersection = 0, union = 0;
        foreach (float v in logits)
        {
            if (v > StabilityDelta)
            {
                intersection++;
            }
            if (v > -StabilityDelta)
            {
                union++;
            }
        }
        return union == 0 ? 1.0 : (double)intersection / union;
    }

    /// <summary>
    /// Bilinear resize of <paramref name="logits"/> (inWidth×inHeight, row-major) to outWidth×outHeight with align_corners=False
    /// (PyTorch's convention: source = (dest + ½)·in/out − ½, clamped at 0), then logits &gt; 0 → 1.
    /// </summary>
    public static byte[] UpsampleAndThreshold(ReadOnlySpan<float> logits, int inWidth, int inHeight, int outWidth, int outHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outHeight);
        if (logits.Length != (long)inWidth * inHeight)
        {
            throw new ArgumentException($"{inWidth}x{inHeight} logits need {(long)inWidth * inHeight} values, got {logits.Length}.", nameof(logits));
        }
        var (x0, x1, wx) = Taps(inWidth, outWidth);
        var (y0, y1, wy) = Taps(inHeight, outHeight);
        var mask = new byte[outWidth * outHeight];
        for (int y = 0; y < outHeight; y++)
        {
            int rowA = y0[y] * inWidth, rowB = y1[y] * inWidth;
            float fy = wy[y];
            for (int x = 0; x < outWidth; x++)
            {
                float fx = wx[x];
                float top = logits[rowA + x0[x]] * (1 - fx) + logits[rowA + x1[x]] * fx;
                float bottom = logits[rowB + x0[x]] * (1 - fx) + logits[rowB + x1[x]] * fx;
                mask[y * outWidth + x] = top * (1 - fy) + bottom * fy > 0 ? (byte)1 : (byte)0;
            }
        }
        return mask;
    }

    private static (int[] Low, int[] High, float[] Weight) Taps(int inSize, int outSize)
    {
        var low = new int[outSize];
        var high = new int[outSize];
        var weight = new float[outSize];
        float scale = (float)inSize / outSize;
        for (int i = 0; i < outSize; i++)
        {
            float source = Math.Max((i + 0.5f) * scale - 0.5f, 0f);
            int l = Math.Min((int)source, inSize - 1);
            low[i] = l;
            high[i] = Math.Min(l + 1, inSize - 1);
            weight[i] = source - l;
        }
        return (low, high, weight);
    }

    private static void ValidatePoints(IReadOnlyList<PromptPoint> points, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0)
        {
            throw new ArgumentException("SAM2 needs at least one prompt point or a box.", nameof(points));
        }
        int corners = points.Count(p => p.IsBoxCorner);
        if (corners == 0 && !points.Any(p => p.IsPositive))
        {
            throw new ArgumentException("SAM2 needs at least one positive prompt point (on the object) or a box.", nameof(points));
        }
        // SAM2's predictor takes one box per prompt, as its two corners ahead of the points.
        if (corners != 0 && !(corners == 2 && points[0].Label == PromptLabel.BoxTopLeft && points[1].Label == PromptLabel.BoxBottomRight))
        {
            throw new ArgumentException("A box prompt is one top-left and one bottom-right corner, in that order, ahead of the points (SAM2 takes one box per object).", nameof(points));
        }
        if (corners == 2 && !(points[0].X < points[1].X && points[0].Y < points[1].Y))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The box ({points[0].X}, {points[0].Y}, {points[1].X}, {points[1].Y}) is empty: x0 < x1 and y0 < y1 are needed."), nameof(points));
        }
        foreach (var p in points)
        {
            // A box may reach the far edges (its corners bound pixels); a point must lie on a pixel.
            bool inside = p.IsBoxCorner
                ? p.X >= 0 && p.X <= width && p.Y >= 0 && p.Y <= height
                : p.X >= 0 && p.X < width && p.Y >= 0 && p.Y < height;
            if (!inside)
            {
                string message = p.IsBoxCorner
                    ? string.Create(CultureInfo.InvariantCulture, $"Box corner ({p.X}, {p.Y}) is outside the {width}×{height} image (x must be in [0, {width}], y in [0, {height}]).")
                    : string.Create(CultureInfo.InvariantCulture, $"Point ({p.X}, {p.Y}) is outside the {width}×{height} image (x must be in [0, {width}), y in [0, {height})).");
                throw new ArgumentException(message, nameof(points));
            }
        }
    }
}
