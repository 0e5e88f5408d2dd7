namespace EditToAudio.ChangeDetection;

/// <summary>
/// Binary morphology with disk-shaped structuring elements on W×H masks (one byte a pixel, 0 or 1,
/// row-major), through the exact Euclidean distance transform (Felzenszwalb and Huttenlocher,
/// "Distance transforms of sampled functions", 2012), so a disk of any radius costs the same.
/// Pixels beyond the image's edge count as neither inside nor outside: an object touching the edge
/// is not eroded from it.
/// </summary>
public static class BinaryMorphology
{
    /// <summary>
    /// Squared Euclidean distance from every pixel to the nearest pixel whose value is <paramref name="target"/>
    /// (0 on such pixels; <see cref="double.PositiveInfinity"/> everywhere when there is none).
    /// </summary>
    public static double[] SquaredDistanceTo(ReadOnlySpan<byte> mask, int width, int height, byte target)
    {
        Check(mask, width, height);
        var distance = new double[width * height];
        for (int i = 0; i < distance.Length; i++)
        {
            distance[i] = mask[i] == target ? 0 : double.PositiveInfinity;
        }
        int longest = Math.Max(width, height);
        var line = new double[longest];
        var result = new double[longest];
        var hull = new int[longest];
        var bounds = new double[longest + 1];
        for (int x = 0; x < width; x++)
        {
            for (int y = 0; y < height; y++)
            {
                line[y] = distance[y * width + x];
            }
            Transform1D(line, height, result, hull, bounds);
            for (int y = 0; y < height; y++)
            {
                distance[y * width + x] = result[y];
            }
        }
        for (int y = 0; y < height; y++)
        {
            distance.AsSpan(y * width, width).CopyTo(line);
            Transform1D(line, width, result, hull, bounds);
            result.AsSpan(0, width).CopyTo(distance.AsSpan(y * width, width));
        }
        return distance;
    }

    /// <summary>Pixels within <paramref name="radius"/> of the mask (dilation by a disk).</summary>
    public static byte[] Dilate(ReadOnlySpan<byte> mask, int width, int height, double radius)
    {
        double[] distance = SquaredDistanceTo(mask, width, height, 1);
        return Threshold(distance, d => d <= radius * radius);
    }

    /// <summary>Mask pixels farther than <paramref name="radius"/> from every outside pixel (erosion by a disk).</summary>
    public static byte[] Erode(ReadOnlySpan<byte> mask, int width, int height, double radius)
    {
        double[] distance = SquaredDistanceTo(mask, width, height, 0);
        return Threshold(distance, d => d > radius * radius);
    }

    /// <summary>Erosion then dilation: removes specks and strips narrower than the disk.</summary>
    public static byte[] Open(ReadOnlySpan<byte> mask, int width, int height, double radius) =>
        Dilate(Erode(mask, width, height, radius), width, height, radius);

    /// <summary>Dilation then erosion: joins parts closer than the disk and fills narrow gaps.</summary>
    public static byte[] Close(ReadOnlySpan<byte> mask, int width, int height, double radius) =>
        Erode(Dilate(mask, width, height, radius), width, height, radius);

    /// <summary>The mask with every hole (an outside area that does not reach the image's edge) filled.</summary>
    public static byte[] FillHoles(ReadOnlySpan<byte> mask, int width, int height)
    {
        Check(mask, width, height);
        byte[] values = mask.ToArray();
        // Flood the outside from the edge (4-connected); what it cannot reach is inside.
        var reached = new bool[width * height];
        var stack = new Stack<int>();
        void Seed(int index)
        {
            if (values[index] == 0 && !reached[index])
            {
                reached[index] = true;
                stack.Push(index);
            }
        }
        for (int x = 0; x < width; x++)
        {
            Seed(x);
            Seed((height - 1) * width + x);
        }
        for (int y = 0; y < height; y++)
        {
            Seed(y * width);
            Seed(y * width + width - 1);
        }
        while (stack.Count > 0)
        {
            int index = stack.Pop();
            int x = index % width, y = index / width;
            if (x > 0)
            {
                Seed(index - 1);
            }
            if (x < width - 1)
            {
                Seed(index + 1);
            }
            if (y > 0)
            {
                Seed(index - width);
            }
            if (y < height - 1)
            {
                Seed(index + width);
            }
        }
        var filled = new byte[width * height];
        for (int i = 0; i < filled.Length; i++)
        {
            filled[i] = reached[i] ? (byte)0 : (byte)1;
        }
        return filled;
    }

    /// <summary>The lower envelope of parabolas rooted at each sample (the 1D squared distance transform).</summary>
    private static void Transform1D(double[] f, int n, double[] d, int[] v, double[] z)
    {
        int k = -1;
        for (int q = 0; q < n; q++)
        {
            if (double.IsPositiveInfinity(f[q]))
            {
                continue;
            }
            while (true)
            {
                if (k < 0)
                {
                    k = 0;
                    v[0] = q;
                    z[0] = double.NegativeInfinity;
                    z[1] = double.PositiveInfinity;
                    break;
                }
                double s = ((f[q] + (double)q * q) - (f[v[k]] + (double)v[k] * v[k])) / (2.0 * q - 2.0 * v[k]);
                if (s <= z[k])
                {
                    k--;
                    continue;
                }
                k++;
                v[k] = q;
                z[k] = s;
                z[k + 1] = double.PositiveInfinity;
                break;
            }
        }
        if (k < 0)
        {
            Array.Fill(d, double.PositiveInfinity, 0, n);
            return;
        }
        int j = 0;
        for (int q = 0; q < n; q++)
        {
            while (z[j + 1] < q)
            {
                j++;
            }
            double offset = q - v[j];
            d[q] = offset * offset + f[v[j]];
        }
    }

    private static byte[] Threshold(double[] distance, Func<double, bool> keep)
    {
        var result = new byte[distance.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = keep(distance[i]) ? (byte)1 : (byte)0;
        }
        return result;
    }

    private static void Check(ReadOnlySpan<byte> mask, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (mask.Length != width * height)
        {
            throw new ArgumentException($"A {width}×{height} mask needs {width * height} values, got {mask.Length}.", nameof(mask));
        }
    }
}
