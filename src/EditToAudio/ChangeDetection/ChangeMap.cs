using EditToAudio.Prompts;

namespace EditToAudio.ChangeDetection;

/// <summary>
/// One region that changed between the images, in the working frame (the original image scaled so
/// its longer side is at most <see cref="ChangeDetectionOptions.WorkingSize"/>).
/// </summary>
/// <param name="Index">1-based, regions numbered left to right.</param>
/// <param name="Area">Working-frame pixels inside the region (holes filled).</param>
/// <param name="Left">Leftmost column.</param>
/// <param name="Top">Top row.</param>
/// <param name="Right">One past the rightmost column.</param>
/// <param name="Bottom">One past the bottom row.</param>
/// <param name="Mask">Working-frame mask of the region (1 inside), row-major.</param>
public sealed record ChangedRegion(int Index, int Area, int Left, int Top, int Right, int Bottom, byte[] Mask);

/// <summary>
/// What <see cref="ChangeDetector"/> found: the regions that changed and the numbers behind them
/// (alignment shift, threshold and how it was chosen, how much of the frame changed), plus the
/// mappings from the working frame to each image's own pixels.
/// </summary>
public sealed class ChangeMap
{
    internal ChangeMap(int workingWidth, int workingHeight, int originalWidth, int originalHeight, int editedWidth, int editedHeight)
    {
        WorkingWidth = workingWidth;
        WorkingHeight = workingHeight;
        OriginalWidth = originalWidth;
        OriginalHeight = originalHeight;
        EditedWidth = editedWidth;
        EditedHeight = editedHeight;
    }

    /// <summary>Working-frame columns.</summary>
    public int WorkingWidth { get; }

    /// <summary>Working-frame rows.</summary>
    public int WorkingHeight { get; }

    /// <summary>The original image's width.</summary>
    public int OriginalWidth { get; }

    /// <summary>The original image's height.</summary>
    public int OriginalHeight { get; }

    /// <summary>The edited image's width.</summary>
    public int EditedWidth { get; }

    /// <summary>The edited image's height.</summary>
    public int EditedHeight { get; }

    /// <summary>Camera shift in working pixels: the original's pixel (x, y) shows what the edited image's (x + Dx, y + Dy) shows.</summary>
    public (int Dx, int Dy) Shift { get; internal init; }

    /// <summary>The ΔE00 threshold of the smoothed difference.</summary>
    public double Threshold { get; internal init; }

    /// <summary>How the threshold was chosen: "otsu", "minimum" (Otsu's was below the floor) or "given".</summary>
    public string ThresholdRule { get; internal init; } = "otsu";

    /// <summary>Otsu's threshold of the smoothed difference (reported even when another was used).</summary>
    public double OtsuThreshold { get; internal init; }

    /// <summary>The largest smoothed ΔE00.</summary>
    public double MaxDifference { get; internal init; }

    /// <summary>Fraction of the compared frame above the threshold, before clean-up.</summary>
    public double ChangedFraction { get; internal init; }

    /// <summary>The regions kept, numbered left to right.</summary>
    public IReadOnlyList<ChangedRegion> Regions { get; internal init; } = [];

    /// <summary>Regions dropped for being smaller than <see cref="ChangeDetectionOptions.MinRegionFraction"/>.</summary>
    public int DroppedRegions { get; internal init; }

    /// <summary>The smoothed ΔE00 map, working frame, row-major (0 where the shifted frames do not overlap).</summary>
#pragma warning disable CA1819 // A read-only view of a large map; callers write it to .npy for inspection.
    public float[] Difference { get; internal init; } = [];
#pragma warning restore CA1819

    /// <summary>CIELAB of the original's working image (L*, a*, b* interleaved).</summary>
    internal float[] OriginalLab { get; init; } = [];

    /// <summary>CIELAB of the edited image's working image (L*, a*, b* interleaved).</summary>
    internal float[] EditedLab { get; init; } = [];

    /// <summary>The size of <paramref name="side"/>'s image (original for remove, edited for add).</summary>
    public (int Width, int Height) ImageSize(EditSide side) => side == EditSide.Remove ? (OriginalWidth, OriginalHeight) : (EditedWidth, EditedHeight);

    /// <summary>The working-frame pixel of <paramref name="side"/>'s working image that shows what the original's (x, y) shows.</summary>
    internal (int X, int Y) ToSideWorking(int x, int y, EditSide side) => side == EditSide.Remove ? (x, y) : (x + Shift.Dx, y + Shift.Dy);

    /// <summary>The region's bounding box in <paramref name="side"/>'s image pixels, rounded outwards and clamped to the image.</summary>
    public PromptBox BoxIn(ChangedRegion region, EditSide side)
    {
        ArgumentNullException.ThrowIfNull(region);
        (int width, int height) = ImageSize(side);
        (int left, int top) = ToSideWorking(region.Left, region.Top, side);
        (int right, int bottom) = ToSideWorking(region.Right, region.Bottom, side);
        double sx = (double)width / WorkingWidth, sy = (double)height / WorkingHeight;
        double x0 = Math.Clamp(Math.Floor(left * sx), 0, width - 1), y0 = Math.Clamp(Math.Floor(top * sy), 0, height - 1);
        double x1 = Math.Clamp(Math.Ceiling(right * sx), x0 + 1, width), y1 = Math.Clamp(Math.Ceiling(bottom * sy), y0 + 1, height);
        return new PromptBox(x0, y0, x1, y1);
    }

    /// <summary>The image pixel of <paramref name="side"/> at the centre of the original's working pixel (x, y), clamped to the image.</summary>
    public (double X, double Y) PointIn(int x, int y, EditSide side)
    {
        (int width, int height) = ImageSize(side);
        (int sideX, int sideY) = ToSideWorking(x, y, side);
        return (Math.Clamp(Math.Floor((sideX + 0.5) * width / WorkingWidth), 0, width - 1),
                Math.Clamp(Math.Floor((sideY + 0.5) * height / WorkingHeight), 0, height - 1));
    }

    /// <summary>
    /// A working-frame mask (in the original's working frame) at <paramref name="side"/>'s image
    /// resolution, nearest neighbour, the camera shift undone for the edited image.
    /// </summary>
    public byte[] MaskIn(ReadOnlySpan<byte> workingMask, EditSide side)
    {
        if (workingMask.Length != WorkingWidth * WorkingHeight)
        {
            throw new ArgumentException($"A working-frame mask has {WorkingWidth * WorkingHeight} values, got {workingMask.Length}.", nameof(workingMask));
        }
        (int width, int height) = ImageSize(side);
        (int dx, int dy) = side == EditSide.Remove ? (0, 0) : Shift;
        var columns = new int[width];
        for (int x = 0; x < width; x++)
        {
            columns[x] = (int)((x + 0.5) * WorkingWidth / width) - dx;
        }
        var mask = new byte[width * height];
        for (int y = 0; y < height; y++)
        {
            int row = (int)((y + 0.5) * WorkingHeight / height) - dy;
            if (row < 0 || row >= WorkingHeight)
            {
                continue;
            }
            for (int x = 0; x < width; x++)
            {
                int column = columns[x];
                if (column >= 0 && column < WorkingWidth)
                {
                    mask[y * width + x] = workingMask[row * WorkingWidth + column];
                }
            }
        }
        return mask;
    }
}
