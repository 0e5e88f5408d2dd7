namespace EditToAudio.ChangeDetection;

/// <summary>A connected set of mask pixels.</summary>
/// <param name="Label">1-based label in <see cref="ConnectedRegions.Labelling.Labels"/>.</param>
/// <param name="Area">Pixels.</param>
/// <param name="Left">Leftmost column.</param>
/// <param name="Top">Top row.</param>
/// <param name="Right">One past the rightmost column.</param>
/// <param name="Bottom">One past the bottom row.</param>
public readonly record struct PixelRegion(int Label, int Area, int Left, int Top, int Right, int Bottom);

/// <summary>Connected-component labelling of binary masks (8-connected: diagonal neighbours join).</summary>
public static class ConnectedRegions
{
    /// <summary>The labels of every pixel (0 outside, else the region's label) and the regions, in label order.</summary>
    /// <param name="Labels">Per pixel, row-major.</param>
    /// <param name="Regions">Region <c>i</c> has label <c>i + 1</c>; labels follow the first pixel of each region in row-major order.</param>
    public sealed record Labelling(int[] Labels, IReadOnlyList<PixelRegion> Regions);

    /// <summary>Labels the 8-connected regions of <paramref name="mask"/> (non-zero pixels).</summary>
    public static Labelling Label(ReadOnlySpan<byte> mask, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (mask.Length != width * height)
        {
            throw new ArgumentException($"A {width}×{height} mask needs {width * height} values, got {mask.Length}.", nameof(mask));
        }
        var labels = new int[width * height];
        var regions = new List<PixelRegion>();
        var stack = new Stack<int>();
        for (int start = 0; start < labels.Length; start++)
        {
            if (mask[start] == 0 || labels[start] != 0)
            {
                continue;
            }
            int label = regions.Count + 1;
            int area = 0, left = width, top = height, right = 0, bottom = 0;
            labels[start] = label;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int index = stack.Pop();
                int x = index % width, y = index / width;
                area++;
                left = Math.Min(left, x);
                right = Math.Max(right, x + 1);
                top = Math.Min(top, y);
                bottom = Math.Max(bottom, y + 1);
                for (int ny = Math.Max(y - 1, 0); ny <= Math.Min(y + 1, height - 1); ny++)
                {
                    for (int nx = Math.Max(x - 1, 0); nx <= Math.Min(x + 1, width - 1); nx++)
                    {
                        int neighbour = ny * width + nx;
                        if (mask[neighbour] != 0 && labels[neighbour] == 0)
                        {
                            labels[neighbour] = label;
                            stack.Push(neighbour);
                        }
                    }
                }
            }
            regions.Add(new PixelRegion(label, area, left, top, right, bottom));
        }
        return new Labelling(labels, regions);
    }
}
