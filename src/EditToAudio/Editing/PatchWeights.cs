using System.Globalization;
using EditToAudio.Images;

namespace EditToAudio.Editing;

/// <summary>
/// Maps an image-resolution mask onto CLIP's 16×16 patch grid (the research code's
/// <c>downsample_mask_to_patch_weights</c>): bilinear resize with align_corners=False, 14×14
/// average pooling, then <c>w ≥ 0.5</c>.
/// </summary>
public static class PatchWeights
{
    /// <summary>Threshold on a patch's mean mask value.</summary>
    public const double Threshold = 0.5;

    /// <summary>Returns the 256 binary patch weights (row-major 16×16) of <paramref name="mask"/>.</summary>
    public static float[] FromMask(BinaryMask mask, MaskAlignment alignment)
    {
        var weights = new float[ClipGeometry.PatchCount];
        FromMask(mask, alignment, weights);
        return weights;
    }

    /// <summary>Writes the 256 binary patch weights (row-major 16×16) of <paramref name="mask"/> into <paramref name="destination"/>.</summary>
    public static void FromMask(BinaryMask mask, MaskAlignment alignment, Span<float> destination)
    {
        if (destination.Length != ClipGeometry.PatchCount)
        {
            throw new ArgumentException($"Patch weights need {ClipGeometry.PatchCount} values, got {destination.Length}.", nameof(destination));
        }
        Span<double> means = stackalloc double[ClipGeometry.PatchCount];
        PooledMeans(mask, alignment, means);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = means[i] >= Threshold ? 1f : 0f;
        }
    }

    /// <summary>
    /// Throws unless <paramref name="weights"/> holds 256 values, each 0 or 1: the edit gives every
    /// selected row the same weight, which equals the reference only for a binary mask.
    /// </summary>
    internal static void CheckBinary(ReadOnlySpan<float> weights, string parameterName)
    {
        if (weights.Length != ClipGeometry.PatchCount)
        {
            throw new ArgumentException($"Patch weights need {ClipGeometry.PatchCount} values (16×16), got {weights.Length}.", parameterName);
        }
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] is not (0f or 1f))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Patch weight {i} (row {i / ClipGeometry.GridSize}, column {i % ClipGeometry.GridSize}) is {weights[i]}; patch weights must be 0 or 1."), parameterName);
            }
        }
    }

    /// <summary>The mean of the resized mask over each 14×14 patch, before the threshold.</summary>
    internal static void PooledMeans(BinaryMask mask, MaskAlignment alignment, Span<double> means)
    {
        ArgumentNullException.ThrowIfNull(mask);
        // Both alignments sample a 224×224 window of a virtually resized mask; they differ only in
        // the size of that resized mask and where the window sits.
        ClipGeometry window = alignment switch
        {
            MaskAlignment.Stretch => new ClipGeometry(ClipGeometry.InputSize, ClipGeometry.InputSize, 0, 0),
            MaskAlignment.Crop => ClipGeometry.For(mask.Width, mask.Height),
            _ => throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "Unknown mask alignment."),
        };

        Tap[] columns = BilinearTaps(mask.Width, window.ResizedWidth, window.CropLeft);
        Tap[] rows = BilinearTaps(mask.Height, window.ResizedHeight, window.CropTop);
        means.Clear();
        byte[] values = mask.Values;
        int width = mask.Width;
        for (int y = 0; y < ClipGeometry.InputSize; y++)
        {
            Tap row = rows[y];
            int upper = row.Index0 * width, lower = row.Index1 * width;
            int patchRow = y / ClipGeometry.PatchSize * ClipGeometry.GridSize;
            for (int x = 0; x < ClipGeometry.InputSize; x++)
            {
                Tap column = columns[x];
                double top = values[upper + column.Index0] * column.Weight0 + values[upper + column.Index1] * column.Weight1;
                double bottom = values[lower + column.Index0] * column.Weight0 + values[lower + column.Index1] * column.Weight1;
                means[patchRow + x / ClipGeometry.PatchSize] += top * row.Weight0 + bottom * row.Weight1;
            }
        }
        const double pixelsPerPatch = ClipGeometry.PatchSize * ClipGeometry.PatchSize;
        for (int i = 0; i < means.Length; i++)
        {
            means[i] /= pixelsPerPatch;
        }
    }

    /// <summary>Two source indices and their weights for one output coordinate.</summary>
    private readonly record struct Tap(int Index0, int Index1, double Weight0, double Weight1);

    /// <summary>
    /// PyTorch's bilinear source taps (align_corners=False) for output coordinates
    /// <c>offset … offset+223</c> of a resize from <paramref name="inputSize"/> to <paramref name="outputSize"/>.
    /// Coordinates and weights are computed in float32, as PyTorch does for float tensors, so that
    /// patches sitting exactly on the 0.5 threshold land on the same side.
    /// </summary>
    private static Tap[] BilinearTaps(int inputSize, int outputSize, int offset)
    {
        var taps = new Tap[ClipGeometry.InputSize];
        float scale = (float)inputSize / outputSize;
        for (int i = 0; i < taps.Length; i++)
        {
            float source = MathF.Max(scale * (offset + i + 0.5f) - 0.5f, 0f);
            int index0 = Math.Min((int)source, inputSize - 1);
            int index1 = Math.Min(index0 + 1, inputSize - 1);
            float lambda1 = source - index0;
            float lambda0 = 1f - lambda1;
            taps[i] = new Tap(index0, index1, lambda0, lambda1);
        }
        return taps;
    }
}
