using EditToAudio.ChangeDetection;
using EditToAudio.Numerics;

namespace EditToAudio.Tests.ChangeDetection;

public class BinaryMorphologyTests
{
    private static byte[] RandomMask(int width, int height, double density, ulong seed)
    {
        var noise = new float[width * height];
        Philox4x32.FillNormal(seed, 11, 0, noise);
        double cut = density < 0.5 ? 1.0 - density * 2 : 0; // a rough share of set pixels, enough for variety
        return [.. noise.Select(v => v > cut ? (byte)1 : (byte)0)];
    }

    [Theory]
    [InlineData(23, 17, 0.1, 1UL)]
    [InlineData(40, 9, 0.4, 2UL)]
    [InlineData(1, 30, 0.2, 3UL)]
    [InlineData(31, 31, 0.02, 4UL)]
    public void The_distance_transform_equals_brute_force(int width, int height, double density, ulong seed)
    {
        byte[] mask = RandomMask(width, height, density, seed);
        double[] fast = BinaryMorphology.SquaredDistanceTo(mask, width, height, 1);
        for (int i = 0; i < mask.Length; i++)
        {
            double best = double.PositiveInfinity;
            for (int j = 0; j < mask.Length; j++)
            {
                if (mask[j] == 1)
                {
                    double dx = i % width - j % width, dy = i / width - j / width;
                    best = Math.Min(best, dx * dx + dy * dy);
                }
            }
            Assert.True(best == fast[i], $"pixel ({i % width}, {i / width}): brute force {best}, transform {fast[i]}");
        }
    }

    [Fact]
    public void Dilation_and_erosion_by_a_disk_equal_brute_force()
    {
        const int Width = 30, Height = 22;
        byte[] mask = RandomMask(Width, Height, 0.3, 5);
        foreach (double radius in new[] { 1.0, 2.5, 4.0 })
        {
            byte[] dilated = BinaryMorphology.Dilate(mask, Width, Height, radius), eroded = BinaryMorphology.Erode(mask, Width, Height, radius);
            for (int y = 0; y < Height; y++)
            {
                for (int x = 0; x < Width; x++)
                {
                    bool any = false, all = true;
                    for (int v = 0; v < Height; v++)
                    {
                        for (int u = 0; u < Width; u++)
                        {
                            if ((u - x) * (u - x) + (v - y) * (v - y) <= radius * radius)
                            {
                                any |= mask[v * Width + u] == 1;
                                all &= mask[v * Width + u] == 1;
                            }
                        }
                    }
                    Assert.True((any ? 1 : 0) == dilated[y * Width + x], $"dilation r={radius} at ({x}, {y})");
                    Assert.True((all ? 1 : 0) == eroded[y * Width + x], $"erosion r={radius} at ({x}, {y})");
                }
            }
        }
    }

    [Fact]
    public void Opening_removes_a_thin_strip_and_keeps_a_block()
    {
        const int Width = 40, Height = 30;
        var mask = new byte[Width * Height];
        // A 15×15 block.
        for (int y = 5; y < 20; y++)
        {
            for (int x = 5; x < 20; x++)
            {
                mask[y * Width + x] = 1;
            }
        }
        for (int x = 22; x < 38; x++) { mask[25 * Width + x] = 1; mask[26 * Width + x] = 1; } // 2-pixel strip
        byte[] opened = BinaryMorphology.Open(mask, Width, Height, 2);
        Assert.Equal(0, opened.Skip(24 * Width).Count(v => v == 1));
        // The disk rounds the block's corners (3 pixels each for radius 2) and keeps the rest.
        Assert.Equal(15 * 15 - 4 * 3, opened.Count(v => v == 1));
        Assert.All(Enumerable.Range(0, mask.Length).Where(i => opened[i] == 1), i => Assert.Equal(1, mask[i]));
    }

    [Fact]
    public void Holes_are_filled_and_bays_open_to_the_edge_are_not()
    {
        const int Width = 12, Height = 10;
        var ring = new byte[Width * Height];
        for (int y = 1; y < 8; y++)
        {
            for (int x = 1; x < 8; x++)
            {
                ring[y * Width + x] = (byte)(x is 1 or 7 || y is 1 or 7 ? 1 : 0);
            }
        }
        // A wall reaching the bottom edge.
        for (int y = 0; y < Height; y++)
        {
            ring[y * Width + 10] = (byte)(y == 0 ? 0 : 1);
        }
        byte[] filled = BinaryMorphology.FillHoles(ring, Width, Height);
        Assert.Equal(49, Enumerable.Range(0, Height).Sum(y => Enumerable.Range(0, 9).Count(x => filled[y * Width + x] == 1)));
        Assert.Equal(0, filled[5 * Width + 11]); // between the wall and the right edge: open to the edge
    }

    [Fact]
    public void Regions_are_eight_connected_with_their_boxes()
    {
        const int Width = 8, Height = 6;
        byte[] mask =
        [
            1, 1, 0, 0, 0, 0, 0, 0,
            0, 0, 1, 0, 0, 1, 1, 0,
            0, 0, 0, 0, 0, 1, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0,
            1, 0, 0, 0, 0, 0, 0, 1,
            1, 1, 0, 0, 0, 0, 1, 1,
        ];
        ConnectedRegions.Labelling labelling = ConnectedRegions.Label(mask, Width, Height);
        Assert.Equal(
            [new PixelRegion(1, 3, 0, 0, 3, 2), new PixelRegion(2, 3, 5, 1, 7, 3), new PixelRegion(3, 3, 0, 4, 2, 6), new PixelRegion(4, 3, 6, 4, 8, 6)],
            labelling.Regions);
        Assert.Equal(labelling.Labels[0], labelling.Labels[Width + 2]);
    }
}
