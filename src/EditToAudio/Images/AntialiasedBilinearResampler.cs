namespace EditToAudio.Images;

/// <summary>
/// torch's <c>interpolate(mode="bilinear", align_corners=False, antialias=True)</c> on a float
/// image, which torchvision's <c>Resize</c> uses on tensors (antialias is on by default since
/// torchvision 0.17): a triangle filter whose support is widened by the downscale factor, taps
/// from <c>trunc(center − support + 0.5)</c> to <c>trunc(center + support + 0.5)</c> clamped to
/// the image, weights normalized to sum 1; separable, in floating point throughout.
/// </summary>
public static class AntialiasedBilinearResampler
{
    /// <summary>Weights of one axis: for output sample i, <c>Count[i]</c> taps from input <c>Start[i]</c>, weights at <c>i·KernelSize</c>.</summary>
    /// <param name="Start">First input sample of each output sample.</param>
    /// <param name="Count">Taps of each output sample.</param>
    /// <param name="Weights">[outSize, KernelSize] normalized tap weights.</param>
    /// <param name="KernelSize">Most taps of any output sample.</param>
    public sealed record Axis(int[] Start, int[] Count, float[] Weights, int KernelSize);

    // torchvision's ToTensor: byte / 255 in float32.
    private static readonly float[] ByteToUnit = Enumerable.Range(0, 256).Select(v => v / 255f).ToArray();

    /// <summary>The taps and weights that resize an axis of <paramref name="inSize"/> samples to <paramref name="outSize"/>.</summary>
    public static Axis ComputeAxis(int inSize, int outSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outSize, 1);
        double scale = (double)inSize / outSize;
        double support = scale >= 1.0 ? scale : 1.0;
        double inverseScale = scale >= 1.0 ? 1.0 / scale : 1.0;
        int kernelSize = ((int)Math.Ceiling(support) * 2) + 1;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new float[outSize * kernelSize];
        var taps = new double[kernelSize + 1];
        for (int i = 0; i < outSize; i++)
        {
            double center = scale * (i + 0.5);
            int first = Math.Max((int)(center - support + 0.5), 0);
            int n = Math.Clamp(Math.Min((int)(center + support + 0.5), inSize) - first, 0, kernelSize);
            double total = 0.0;
            for (int t = 0; t < n; t++)
            {
                double w = Math.Max(0.0, 1.0 - Math.Abs((t + first - center + 0.5) * inverseScale));
                taps[t] = w;
                total += w;
            }
            for (int t = 0; t < n; t++)
            {
                weights[(i * kernelSize) + t] = (float)(total != 0.0 ? taps[t] / total : taps[t]);
            }
            start[i] = first;
            count[i] = n;
        }
        return new Axis(start, count, weights, kernelSize);
    }

    /// <summary>
    /// Resizes 8-bit RGB to planar float [3, outHeight, outWidth] with values in [0, 1]
    /// (the bytes are divided by 255 first, as torchvision's ToTensor does).
    /// </summary>
    internal static float[] ResizeToPlanar(RgbImage image, int outWidth, int outHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outHeight, 1);
        int planeSize = outWidth * outHeight;
        int inWidth = image.Width;
        int inHeight = image.Height;
        byte[] source = image.Pixels;
        Axis xAxis = ComputeAxis(inWidth, outWidth);
        Axis yAxis = ComputeAxis(inHeight, outHeight);

        float[] toUnit = ByteToUnit;
        // Horizontal pass: [inHeight, outWidth, 3] floats. Only a very tall, narrow image makes this
        // larger than the input; refuse it by name rather than overflow the index arithmetic.
        long middleLength = 3L * inHeight * outWidth;
        if (middleLength > Array.MaxLength)
        {
            throw new ArgumentException(
                $"Image '{image.Source}' ({inWidth}x{inHeight}) is too tall to resize to {outWidth}x{outHeight}: the intermediate would hold {middleLength} values.", nameof(image));
        }
        float[] middle = new float[middleLength];
        void HorizontalRow(int y)
        {
            int sourceRow = y * inWidth * 3;
            int outRow = y * outWidth * 3;
            for (int x = 0; x < outWidth; x++)
            {
                int k = x * xAxis.KernelSize;
                int p = sourceRow + (xAxis.Start[x] * 3);
                float red = 0f, green = 0f, blue = 0f;
                for (int t = 0; t < xAxis.Count[x]; t++, p += 3)
                {
                    float w = xAxis.Weights[k + t];
                    red += toUnit[source[p]] * w;
                    green += toUnit[source[p + 1]] * w;
                    blue += toUnit[source[p + 2]] * w;
                }
                middle[outRow + (x * 3)] = red;
                middle[outRow + (x * 3) + 1] = green;
                middle[outRow + (x * 3) + 2] = blue;
            }
        }
        RowParallel.Run(inHeight, (long)outWidth * xAxis.KernelSize, HorizontalRow);

        // Vertical pass straight into the planar destination.
        float[] planar = new float[3 * planeSize];
        void VerticalRow(int y)
        {
            int k = y * yAxis.KernelSize;
            int first = yAxis.Start[y];
            int n = yAxis.Count[y];
            for (int x = 0; x < outWidth; x++)
            {
                float red = 0f, green = 0f, blue = 0f;
                int p = (first * outWidth * 3) + (x * 3);
                for (int t = 0; t < n; t++, p += outWidth * 3)
                {
                    float w = yAxis.Weights[k + t];
                    red += middle[p] * w;
                    green += middle[p + 1] * w;
                    blue += middle[p + 2] * w;
                }
                int o = (y * outWidth) + x;
                planar[o] = red;
                planar[planeSize + o] = green;
                planar[(2 * planeSize) + o] = blue;
            }
        }
        RowParallel.Run(outHeight, (long)outWidth * yAxis.KernelSize, VerticalRow);
        return planar;
    }
}
