namespace EditToAudio.Images;

/// <summary>
/// Pillow's <c>Image.resize(size, BICUBIC)</c> for 8-bit RGB, reproduced bit for bit: the Keys
/// cubic with a = −0.5, its support widened by the downscale factor (antialiasing), weights
/// normalized to sum 1 in double precision and then rounded to 22-bit fixed point; a horizontal
/// pass, rounding and clamping to 8 bits, then a vertical pass. The 8-bit intermediate matters:
/// a float pipeline differs from Pillow by one level on a few percent of the pixels.
/// </summary>
internal static class PillowBicubicResampler
{
    // 32-bit accumulator: 8 bits of result, 2 bits of headroom for the cubic's overshoot.
    private const int PrecisionBits = 32 - 8 - 2;
    private const double FilterSupport = 2.0;

    /// <summary>
    /// Weights of output samples <c>First</c> … <c>First + Start.Length − 1</c> of one axis: output
    /// sample <c>First + i</c> takes <c>Count[i]</c> taps from input <c>Start[i]</c>.
    /// </summary>
    internal sealed record Axis(int First, int[] Start, int[] Count, int[] Weights, int KernelSize);

    /// <summary>The Keys cubic convolution kernel with a = −0.5.</summary>
    internal static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0)
        {
            return (((a + 2.0) * x) - (a + 3.0)) * x * x + 1.0;
        }
        if (x < 2.0)
        {
            return ((((x - 5.0) * x) + 8.0) * x - 4.0) * a;
        }
        return 0.0;
    }

    /// <summary>
    /// Fixed-point weights mapping <paramref name="inSize"/> samples onto <paramref name="outSize"/>,
    /// for the <paramref name="count"/> output samples from <paramref name="first"/> on (only the
    /// ones a crop keeps: a very elongated image has a huge resized side).
    /// </summary>
    internal static Axis ComputeAxis(int inSize, int outSize, int first, int count)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = FilterSupport * filterScale;
        int kernelSize = ((int)Math.Ceiling(support) * 2) + 1;
        var starts = new int[count];
        var counts = new int[count];
        var weights = new int[count * kernelSize];
        var taps = new double[kernelSize];
        double inverseFilterScale = 1.0 / filterScale;
        for (int i = 0; i < count; i++)
        {
            double center = (first + i + 0.5) * scale;
            // Casts truncate toward zero, as Pillow's do; the clamps make the sign irrelevant.
            int start = Math.Max((int)(center - support + 0.5), 0);
            int end = Math.Min((int)(center + support + 0.5), inSize);
            int n = end - start;
            double total = 0.0;
            for (int t = 0; t < n; t++)
            {
                double w = Cubic((t + start - center + 0.5) * inverseFilterScale);
                taps[t] = w;
                total += w;
            }
            for (int t = 0; t < n; t++)
            {
                double w = total != 0.0 ? taps[t] / total : taps[t];
                double scaled = w * (1 << PrecisionBits);
                weights[(i * kernelSize) + t] = w < 0 ? (int)(-0.5 + scaled) : (int)(0.5 + scaled);
            }
            starts[i] = start;
            counts[i] = n;
        }
        return new Axis(first, starts, counts, weights, kernelSize);
    }

    private static byte Clip8(int accumulator)
    {
        int value = accumulator >> PrecisionBits;
        return value < 0 ? (byte)0 : value > 255 ? (byte)255 : (byte)value;
    }

    /// <summary>
    /// Resizes <paramref name="image"/> to <paramref name="outWidth"/>×<paramref name="outHeight"/> and
    /// returns only the window of <paramref name="regionWidth"/>×<paramref name="regionHeight"/> pixels at
    /// (<paramref name="regionLeft"/>, <paramref name="regionTop"/>) of the result, RGB interleaved.
    /// Each output pixel depends only on its own weights, so computing just the window gives the
    /// same bytes as resizing everything and cropping.
    /// </summary>
    internal static byte[] ResizeWindow(
        RgbImage image, int outWidth, int outHeight, int regionLeft, int regionTop, int regionWidth, int regionHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outHeight, 1);
        if (regionLeft < 0 || regionTop < 0 || regionWidth < 1 || regionHeight < 1
            || regionLeft + regionWidth > outWidth || regionTop + regionHeight > outHeight)
        {
            throw new ArgumentOutOfRangeException(nameof(regionLeft),
                $"Window {regionWidth}x{regionHeight} at ({regionLeft},{regionTop}) is not inside {outWidth}x{outHeight}.");
        }

        int inWidth = image.Width;
        int inHeight = image.Height;
        byte[] source = image.Pixels;

        // Pillow skips a pass whose size does not change; at scale 1 the cubic is the identity anyway.
        bool horizontal = outWidth != inWidth;
        bool vertical = outHeight != inHeight;
        Axis? xAxis = horizontal ? ComputeAxis(inWidth, outWidth, regionLeft, regionWidth) : null;
        Axis? yAxis = vertical ? ComputeAxis(inHeight, outHeight, regionTop, regionHeight) : null;

        // Source rows the vertical pass reads for the window's rows.
        int firstRow, endRow;
        if (yAxis is null)
        {
            firstRow = regionTop;
            endRow = regionTop + regionHeight;
        }
        else
        {
            firstRow = int.MaxValue;
            endRow = 0;
            for (int r = 0; r < regionHeight; r++)
            {
                firstRow = Math.Min(firstRow, yAxis.Start[r]);
                endRow = Math.Max(endRow, yAxis.Start[r] + yAxis.Count[r]);
            }
        }
        int rows = endRow - firstRow;

        // Horizontal pass, only the window's columns, into 8-bit rows (Pillow's intermediate image).
        byte[] middle = new byte[rows * regionWidth * 3];
        void HorizontalRow(int r)
        {
            int sourceRow = (firstRow + r) * inWidth * 3;
            int outRow = r * regionWidth * 3;
            for (int c = 0; c < regionWidth; c++)
            {
                int x = regionLeft + c;
                if (xAxis is null)
                {
                    int s = sourceRow + (x * 3);
                    middle[outRow + (c * 3)] = source[s];
                    middle[outRow + (c * 3) + 1] = source[s + 1];
                    middle[outRow + (c * 3) + 2] = source[s + 2];
                    continue;
                }
                int first = xAxis.Start[c];
                int n = xAxis.Count[c];
                int k = c * xAxis.KernelSize;
                int red = 1 << (PrecisionBits - 1), green = red, blue = red;
                int p = sourceRow + (first * 3);
                for (int t = 0; t < n; t++, p += 3)
                {
                    int w = xAxis.Weights[k + t];
                    red += source[p] * w;
                    green += source[p + 1] * w;
                    blue += source[p + 2] * w;
                }
                middle[outRow + (c * 3)] = Clip8(red);
                middle[outRow + (c * 3) + 1] = Clip8(green);
                middle[outRow + (c * 3) + 2] = Clip8(blue);
            }
        }
        RowParallel.Run(rows, (long)regionWidth * (xAxis?.KernelSize ?? 1), HorizontalRow);

        if (yAxis is null)
        {
            return middle;
        }

        byte[] result = new byte[regionWidth * regionHeight * 3];
        void VerticalRow(int r)
        {
            int first = yAxis.Start[r] - firstRow;
            int n = yAxis.Count[r];
            int k = r * yAxis.KernelSize;
            int outRow = r * regionWidth * 3;
            for (int i = 0; i < regionWidth * 3; i++)
            {
                int accumulator = 1 << (PrecisionBits - 1);
                int p = (first * regionWidth * 3) + i;
                for (int t = 0; t < n; t++, p += regionWidth * 3)
                {
                    accumulator += middle[p] * yAxis.Weights[k + t];
                }
                result[outRow + i] = Clip8(accumulator);
            }
        }
        RowParallel.Run(regionHeight, (long)regionWidth * yAxis.KernelSize, VerticalRow);
        return result;
    }
}
