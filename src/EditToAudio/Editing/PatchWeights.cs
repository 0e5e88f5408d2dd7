using System.Collections.Concurrent;
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
    /// <remarks>
    /// Resize and pooling are linear and separable: mean[py, px] = Σ_r Σ_c R[py, r]·C[px, c]·mask[r, c],
    /// where R and C sum PyTorch's bilinear taps over the 14 output rows (columns) of each patch. For a
    /// binary mask, Σ_c C[px, c]·mask[r, c] is a difference of prefix sums of C at the ends of each run
    /// of ones, so the work grows with the runs in a row rather than with its pixels.
    /// </remarks>
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

        AxisWeights columns = AxisWeights.For(mask.Width, window.ResizedWidth, window.CropLeft);
        AxisWeights rows = AxisWeights.For(mask.Height, window.ResizedHeight, window.CropTop);
        means.Clear();
        ReadOnlySpan<byte> values = mask.Values.Span;
        int width = mask.Width;
        Span<double> rowSums = stackalloc double[ClipGeometry.GridSize];
        int firstPatchRow = 0;
        for (int row = rows.First; row <= rows.Last; row++)
        {
            ReadOnlySpan<byte> line = values.Slice(row * width, width);
            int start = line.IndexOf((byte)1);
            if (start < 0)
            {
                continue;
            }
            rowSums.Clear();
            while (start >= 0)
            {
                int length = line[start..].IndexOfAnyExcept((byte)1);
                int end = length < 0 ? width : start + length;
                columns.AddRun(start, end, rowSums);
                int next = end < width ? line[end..].IndexOf((byte)1) : -1;
                start = next < 0 ? -1 : end + next;
            }
            // The patch rows that sample this source row: contiguous, and moving down with it.
            while (rows.BandEnd(firstPatchRow) < row)
            {
                firstPatchRow++;
            }
            for (int patchRow = firstPatchRow; patchRow < ClipGeometry.GridSize && rows.BandStart(patchRow) <= row; patchRow++)
            {
                double weight = rows.Weight(patchRow, row);
                if (weight != 0)
                {
                    Span<double> target = means.Slice(patchRow * ClipGeometry.GridSize, ClipGeometry.GridSize);
                    for (int patchColumn = 0; patchColumn < target.Length; patchColumn++)
                    {
                        target[patchColumn] += weight * rowSums[patchColumn];
                    }
                }
            }
        }
        const double pixelsPerPatch = ClipGeometry.PatchSize * ClipGeometry.PatchSize;
        for (int i = 0; i < means.Length; i++)
        {
            means[i] /= pixelsPerPatch;
        }
    }

    /// <summary>
    /// One axis of the resize-and-pool: for each of the 16 patches, the summed bilinear weight of every
    /// source index (a contiguous band) and its prefix sums. Shared between masks of one size.
    /// </summary>
    private sealed class AxisWeights
    {
        private static readonly ConcurrentDictionary<(int Input, int Output, int Offset), AxisWeights> Cache = new();
        private const int CacheLimit = 64;

        private readonly int[] _bandStart = new int[ClipGeometry.GridSize];
        private readonly double[][] _weights = new double[ClipGeometry.GridSize][];   // weight of source index bandStart + t
        private readonly double[][] _prefix = new double[ClipGeometry.GridSize][];    // Σ of the first t weights
        private readonly int[] _firstPatchReaching;                                     // per source index: the first patch whose band ends at or after it

        /// <summary>The first source index any patch samples.</summary>
        public int First => _bandStart[0];

        /// <summary>The last source index any patch samples.</summary>
        public int Last => BandEnd(ClipGeometry.GridSize - 1);

        public static AxisWeights For(int inputSize, int outputSize, int offset)
        {
            var key = (inputSize, outputSize, offset);
            if (Cache.TryGetValue(key, out AxisWeights? known))
            {
                return known;
            }
            if (Cache.Count >= CacheLimit)
            {
                Cache.Clear();
            }
            return Cache.GetOrAdd(key, new AxisWeights(inputSize, outputSize, offset));
        }

        private AxisWeights(int inputSize, int outputSize, int offset)
        {
            Tap[] taps = BilinearTaps(inputSize, outputSize, offset);
            for (int patch = 0; patch < ClipGeometry.GridSize; patch++)
            {
                ReadOnlySpan<Tap> patchTaps = taps.AsSpan(patch * ClipGeometry.PatchSize, ClipGeometry.PatchSize);
                int start = patchTaps[0].Index0, end = patchTaps[^1].Index1;   // taps are nondecreasing
                var weights = new double[end - start + 1];
                foreach (Tap tap in patchTaps)
                {
                    weights[tap.Index0 - start] += tap.Weight0;
                    weights[tap.Index1 - start] += tap.Weight1;
                }
                var prefix = new double[weights.Length + 1];
                for (int t = 0; t < weights.Length; t++)
                {
                    prefix[t + 1] = prefix[t] + weights[t];
                }
                _bandStart[patch] = start;
                _weights[patch] = weights;
                _prefix[patch] = prefix;
            }
            _firstPatchReaching = new int[inputSize];
            for (int index = 0, patch = 0; index < inputSize; index++)
            {
                while (patch < ClipGeometry.GridSize - 1 && BandEnd(patch) < index)
                {
                    patch++;
                }
                _firstPatchReaching[index] = patch;
            }
        }

        /// <summary>The first source index <paramref name="patch"/> samples.</summary>
        public int BandStart(int patch) => _bandStart[patch];

        /// <summary>The last source index <paramref name="patch"/> samples.</summary>
        public int BandEnd(int patch) => _bandStart[patch] + _weights[patch].Length - 1;

        /// <summary>The summed weight of source index <paramref name="index"/> in <paramref name="patch"/>.</summary>
        public double Weight(int patch, int index)
        {
            int t = index - _bandStart[patch];
            double[] weights = _weights[patch];
            return (uint)t < (uint)weights.Length ? weights[t] : 0;
        }

        /// <summary>Adds the weights of source indices [<paramref name="start"/>, <paramref name="end"/>) to each patch's sum.</summary>
        public void AddRun(int start, int end, Span<double> sums)
        {
            // Bands are ordered: only the patches from the first one reaching `start` to the last one starting before `end`.
            for (int patch = _firstPatchReaching[start]; patch < ClipGeometry.GridSize && _bandStart[patch] < end; patch++)
            {
                double[] prefix = _prefix[patch];
                int bandStart = _bandStart[patch];
                int from = Math.Clamp(start - bandStart, 0, prefix.Length - 1);
                int to = Math.Clamp(end - bandStart, 0, prefix.Length - 1);
                if (to > from)
                {
                    sums[patch] += prefix[to] - prefix[from];
                }
            }
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
