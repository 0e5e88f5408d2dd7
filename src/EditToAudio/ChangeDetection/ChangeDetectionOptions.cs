namespace EditToAudio.ChangeDetection;

/// <summary>
/// Settings of the change detector and of the decision of what each changed region holds. Lengths
/// and areas are fractions of the working image (the original scaled so its longer side is at most
/// <see cref="WorkingSize"/>), so the same settings suit any image size.
/// </summary>
public sealed record ChangeDetectionOptions
{
    /// <summary>Longer side, in pixels, of the frame the images are compared in (larger images are scaled down).</summary>
    public int WorkingSize { get; init; } = 512;

    /// <summary>Largest relative difference of the two aspect ratios that is still aligned by scaling.</summary>
    public double MaxAspectMismatch { get; init; } = 0.02;

    /// <summary>Largest camera shift searched for, as a fraction of the longer side (0 turns the search off).</summary>
    public double MaxShift { get; init; } = 0.02;

    /// <summary>Standard deviation of the Gaussian that smooths the ΔE00 map, as a fraction of the longer side.</summary>
    public double SmoothingSigma { get; init; } = 0.003;

    /// <summary>ΔE00 threshold of the smoothed map; null chooses it by Otsu's method (never below <see cref="MinimumThreshold"/>).</summary>
    public double? Threshold { get; init; }

    /// <summary>The automatic threshold's floor: differences below it are lighting, noise or compression, not objects.</summary>
    public double MinimumThreshold { get; init; } = 8;

    /// <summary>Largest smoothed ΔE00 between two images that still counts as identical (below 2 a difference is not seen at a glance).</summary>
    public double IdenticalBelow { get; init; } = 2;

    /// <summary>More of the frame than this changed: a different scene, not an edit.</summary>
    public double MaxChangedFraction { get; init; } = 0.5;

    /// <summary>Radius of the opening that removes specks and thin strips (edges of a slightly moved camera), as a fraction of the longer side.</summary>
    public double OpeningRadius { get; init; } = 0.005;

    /// <summary>Radius of the closing that joins the parts of one object, as a fraction of the longer side.</summary>
    public double ClosingRadius { get; init; } = 0.01;

    /// <summary>Regions smaller than this fraction of the frame are dropped (half a CLIP patch by default).</summary>
    public double MinRegionFraction { get; init; } = 0.002;

    /// <summary>A side holds an object only where at least this fraction of the region looks unlike the region's surroundings.</summary>
    public double MinObjectFraction { get; init; } = 0.1;

    /// <summary>SAM2's mask is kept only when at least this fraction of it lies inside the (slightly widened) region.</summary>
    public double MinInsideFraction { get; init; } = 0.8;

    /// <summary>SAM2's mask is kept only when its predicted IoU is at least this.</summary>
    public double MinPredictedIou { get; init; } = 0.5;

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(WorkingSize, 32, nameof(WorkingSize));
        Fraction(MaxAspectMismatch, nameof(MaxAspectMismatch));
        Fraction(MaxShift, nameof(MaxShift), max: 0.25);
        Fraction(SmoothingSigma, nameof(SmoothingSigma), max: 0.1);
        if (Threshold is double threshold && !(double.IsFinite(threshold) && threshold > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Threshold), threshold, "The change threshold must be a ΔE00 above 0.");
        }
        if (!(double.IsFinite(MinimumThreshold) && MinimumThreshold >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumThreshold), MinimumThreshold, "The minimum threshold must be a ΔE00 ≥ 0.");
        }
        if (!(double.IsFinite(IdenticalBelow) && IdenticalBelow >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(IdenticalBelow), IdenticalBelow, "The identical-image limit must be a ΔE00 ≥ 0.");
        }
        Fraction(MaxChangedFraction, nameof(MaxChangedFraction));
        Fraction(OpeningRadius, nameof(OpeningRadius), max: 0.1);
        Fraction(ClosingRadius, nameof(ClosingRadius), max: 0.1);
        Fraction(MinRegionFraction, nameof(MinRegionFraction));
        Fraction(MinObjectFraction, nameof(MinObjectFraction));
        Fraction(MinInsideFraction, nameof(MinInsideFraction));
        Fraction(MinPredictedIou, nameof(MinPredictedIou));
    }

    private static void Fraction(double value, string name, double max = 1)
    {
        if (!(double.IsFinite(value) && value >= 0 && value <= max))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a fraction from 0 to {max}.");
        }
    }
}
