using System.Globalization;
using EditToAudio.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace EditToAudio.ChangeDetection;

/// <summary>
/// Finds what changed between an original image and its edit: both are brought into one working
/// frame (the original's aspect, longer side at most <see cref="ChangeDetectionOptions.WorkingSize"/>;
/// the edited image scaled to it), a small camera shift is searched for and undone, each pixel's
/// CIEDE2000 colour difference is smoothed by a Gaussian and thresholded (Otsu's threshold, never
/// below a floor that keeps lighting and compression changes out), opened (specks and the thin edge
/// strips of a moved camera go) and closed (an object's parts join), holes are filled, and the
/// 8-connected regions smaller than a minimum are dropped. Identical images, images whose aspect
/// ratios differ, and images where most of the frame changed are refused with the reason.
/// </summary>
public static class ChangeDetector
{
    /// <summary>Compares the two images.</summary>
    /// <exception cref="ChangeDetectionException">The images are identical, cannot be aligned, or show a different scene.</exception>
    public static ChangeMap Detect(RgbImage original, RgbImage edited, ChangeDetectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(edited);
        options ??= new ChangeDetectionOptions();
        options.Validate();

        double originalAspect = (double)original.Width / original.Height, editedAspect = (double)edited.Width / edited.Height;
        if (Math.Abs(editedAspect / originalAspect - 1) > options.MaxAspectMismatch)
        {
            throw new ChangeDetectionException(ChangeRefusal.AspectMismatch, string.Create(CultureInfo.InvariantCulture,
                $"The images have different aspect ratios ({original.Source} is {original.Width}×{original.Height}, {edited.Source} is {edited.Width}×{edited.Height}), so what changed cannot be found by aligning them; give the prompts of each side instead."));
        }
        if (original.Width == edited.Width && original.Height == edited.Height && original.Pixels.AsSpan().SequenceEqual(edited.Pixels))
        {
            throw new ChangeDetectionException(ChangeRefusal.Identical, $"The images are identical (every pixel of {original.Source} equals {edited.Source}'s): there is no edit to find.");
        }

        double scale = Math.Min(1.0, (double)options.WorkingSize / Math.Max(original.Width, original.Height));
        int width = Math.Max(1, (int)Math.Round(original.Width * scale)), height = Math.Max(1, (int)Math.Round(original.Height * scale));
        int longer = Math.Max(width, height);
        float[] originalLab = ColorDifference.ToLab(Resize(original, width, height));
        float[] editedLab = ColorDifference.ToLab(Resize(edited, width, height));
        cancellationToken.ThrowIfCancellationRequested();

        (int dx, int dy) = EstimateShift(originalLab, editedLab, width, height, (int)Math.Round(options.MaxShift * longer));
        var difference = new float[width * height];
        var overlap = new bool[width * height];
        for (int y = 0; y < height; y++)
        {
            int ey = y + dy;
            if (ey < 0 || ey >= height)
            {
                continue;
            }
            for (int x = 0; x < width; x++)
            {
                int ex = x + dx;
                if (ex >= 0 && ex < width)
                {
                    int i = y * width + x;
                    overlap[i] = true;
                    difference[i] = (float)ColorDifference.Ciede2000(originalLab, i, editedLab, ey * width + ex);
                }
            }
        }
        cancellationToken.ThrowIfCancellationRequested();

        float[] smoothed = GaussianBlur(difference, width, height, options.SmoothingSigma * longer);
        int compared = 0;
        float max = 0;
        for (int i = 0; i < smoothed.Length; i++)
        {
            if (overlap[i])
            {
                compared++;
                max = Math.Max(max, smoothed[i]);
            }
            else
            {
                smoothed[i] = 0;
            }
        }
        if (max < options.IdenticalBelow)
        {
            string shifted = (dx, dy) == (0, 0) ? "" : string.Create(CultureInfo.InvariantCulture, $", after undoing a camera shift of ({dx}, {dy}) working pixels,");
            throw new ChangeDetectionException(ChangeRefusal.Identical, string.Create(CultureInfo.InvariantCulture,
                $"The images look identical (the largest smoothed colour difference{shifted} is ΔE00 {max:F2}, below {options.IdenticalBelow:G3}, which is not seen at a glance): there is no edit to find."));
        }

        double otsu = Otsu(smoothed, overlap, max);
        (double threshold, string rule) = options.Threshold is double given ? (given, "given")
            : otsu >= options.MinimumThreshold ? (otsu, "otsu") : (options.MinimumThreshold, "minimum");
        var changed = new byte[width * height];
        int changedCount = 0;
        for (int i = 0; i < changed.Length; i++)
        {
            if (overlap[i] && smoothed[i] > threshold)
            {
                changed[i] = 1;
                changedCount++;
            }
        }
        double changedFraction = (double)changedCount / Math.Max(compared, 1);
        if (changedFraction > options.MaxChangedFraction)
        {
            throw new ChangeDetectionException(ChangeRefusal.DifferentScene, string.Create(CultureInfo.InvariantCulture,
                $"{changedFraction:P0} of the frame changed between {original.Source} and {edited.Source} (above ΔE00 {threshold:F1}; at most {options.MaxChangedFraction:P0} is an edit): this looks like a different scene, not an edit of the same one."));
        }

        byte[] cleaned = BinaryMorphology.Open(changed, width, height, options.OpeningRadius * longer);
        cleaned = BinaryMorphology.Close(cleaned, width, height, options.ClosingRadius * longer);
        cleaned = BinaryMorphology.FillHoles(cleaned, width, height);
        ConnectedRegions.Labelling labelling = ConnectedRegions.Label(cleaned, width, height);
        int minimumArea = (int)Math.Ceiling(options.MinRegionFraction * width * height);
        var kept = labelling.Regions.Where(r => r.Area >= minimumArea).OrderBy(r => r.Left).ThenBy(r => r.Top).ToList();
        var regions = new List<ChangedRegion>(kept.Count);
        foreach (PixelRegion region in kept)
        {
            var mask = new byte[width * height];
            for (int i = 0; i < mask.Length; i++)
            {
                mask[i] = labelling.Labels[i] == region.Label ? (byte)1 : (byte)0;
            }
            regions.Add(new ChangedRegion(regions.Count + 1, region.Area, region.Left, region.Top, region.Right, region.Bottom, mask));
        }

        return new ChangeMap(width, height, original.Width, original.Height, edited.Width, edited.Height)
        {
            Shift = (dx, dy),
            Threshold = threshold,
            ThresholdRule = rule,
            OtsuThreshold = otsu,
            MaxDifference = max,
            ChangedFraction = changedFraction,
            Regions = regions,
            DroppedRegions = labelling.Regions.Count - kept.Count,
            Difference = smoothed,
            OriginalLab = originalLab,
            EditedLab = editedLab,
        };
    }

    /// <summary>The image's pixels at <paramref name="width"/>×<paramref name="height"/> (ImageSharp's triangle filter, widened when shrinking), or its own pixels at its own size.</summary>
    private static byte[] Resize(RgbImage image, int width, int height)
    {
        if (image.Width == width && image.Height == height)
        {
            return image.Pixels;
        }
        using Image<Rgb24> picture = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        picture.Mutate(context => context.Resize(width, height, KnownResamplers.Triangle));
        var pixels = new byte[width * height * 3];
        picture.CopyPixelDataTo(pixels);
        return pixels;
    }

    /// <summary>
    /// The whole-pixel shift within ±<paramref name="maxShift"/> that best lines the edited image up
    /// with the original (least mean |ΔL*| over the overlap, every second pixel), kept only when it
    /// beats no shift by 10%, so an edit of a still camera is never shifted.
    /// </summary>
    internal static (int Dx, int Dy) EstimateShift(float[] originalLab, float[] editedLab, int width, int height, int maxShift)
    {
        if (maxShift <= 0)
        {
            return (0, 0);
        }
        double Cost(int dx, int dy)
        {
            double sum = 0;
            int count = 0;
            for (int y = Math.Max(0, -dy); y < Math.Min(height, height - dy); y += 2)
            {
                for (int x = Math.Max(0, -dx); x < Math.Min(width, width - dx); x += 2)
                {
                    sum += Math.Abs(originalLab[3 * (y * width + x)] - editedLab[3 * ((y + dy) * width + x + dx)]);
                    count++;
                }
            }
            return count == 0 ? double.PositiveInfinity : sum / count;
        }
        double still = Cost(0, 0);
        (int Dx, int Dy) best = (0, 0);
        double bestCost = still;
        for (int dy = -maxShift; dy <= maxShift; dy++)
        {
            for (int dx = -maxShift; dx <= maxShift; dx++)
            {
                double cost = Cost(dx, dy);
                if (cost < bestCost)
                {
                    (best, bestCost) = ((dx, dy), cost);
                }
            }
        }
        return bestCost < 0.9 * still ? best : (0, 0);
    }

    /// <summary>Separable Gaussian blur with edge samples repeated; the kernel reaches 3σ.</summary>
    internal static float[] GaussianBlur(float[] values, int width, int height, double sigma)
    {
        int radius = (int)Math.Ceiling(3 * sigma);
        if (radius < 1)
        {
            return (float[])values.Clone();
        }
        var kernel = new double[2 * radius + 1];
        for (int k = -radius; k <= radius; k++)
        {
            kernel[k + radius] = Math.Exp(-k * k / (2 * sigma * sigma));
        }
        double total = kernel.Sum();
        for (int k = 0; k < kernel.Length; k++)
        {
            kernel[k] /= total;
        }
        var across = new float[values.Length];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double sum = 0;
                for (int k = -radius; k <= radius; k++)
                {
                    sum += kernel[k + radius] * values[y * width + Math.Clamp(x + k, 0, width - 1)];
                }
                across[y * width + x] = (float)sum;
            }
        }
        var result = new float[values.Length];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double sum = 0;
                for (int k = -radius; k <= radius; k++)
                {
                    sum += kernel[k + radius] * across[Math.Clamp(y + k, 0, height - 1) * width + x];
                }
                result[y * width + x] = (float)sum;
            }
        }
        return result;
    }

    /// <summary>Otsu's threshold of the values where <paramref name="use"/> holds, over 256 bins from 0 to <paramref name="max"/>: the split that maximizes the between-class variance.</summary>
    internal static double Otsu(float[] values, bool[] use, double max)
    {
        const int Bins = 256;
        if (max <= 0)
        {
            return 0;
        }
        var histogram = new long[Bins];
        long count = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (use[i])
            {
                histogram[Math.Min((int)(values[i] / max * Bins), Bins - 1)]++;
                count++;
            }
        }
        double totalMean = 0;
        for (int b = 0; b < Bins; b++)
        {
            totalMean += (b + 0.5) * histogram[b];
        }
        totalMean /= count;
        double weight = 0, meanSum = 0, bestVariance = -1;
        int bestBin = 0;
        for (int b = 0; b < Bins - 1; b++)
        {
            weight += (double)histogram[b] / count;
            meanSum += (b + 0.5) * histogram[b] / count;
            if (weight <= 0 || weight >= 1)
            {
                continue;
            }
            double difference = totalMean * weight - meanSum;
            double variance = difference * difference / (weight * (1 - weight));
            if (variance > bestVariance)
            {
                bestVariance = variance;
                bestBin = b;
            }
        }
        // Values in bins 0..bestBin are below the threshold: it is the upper edge of bestBin.
        return (bestBin + 1) * max / Bins;
    }
}
