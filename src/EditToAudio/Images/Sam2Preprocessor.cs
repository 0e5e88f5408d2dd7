namespace EditToAudio.Images;

/// <summary>
/// SAM2's image preprocessing (<c>SAM2Transforms</c>): the image as floats in [0, 1], resized to
/// 1024×1024 without keeping the aspect ratio by torchvision's <c>Resize</c> on a tensor
/// (bilinear, antialiased), then normalized with the ImageNet mean and std.
/// </summary>
public static class Sam2Preprocessor
{
    /// <summary>Side of SAM2's square input.</summary>
    public const int InputSize = 1024;

    /// <summary>Floats in one preprocessed image: [3, 1024, 1024].</summary>
    public const int ValueCount = 3 * InputSize * InputSize;

    /// <summary>ImageNet mean (R, G, B), applied to values in [0, 1].</summary>
    public static ReadOnlySpan<float> Mean => [0.485f, 0.456f, 0.406f];

    /// <summary>ImageNet standard deviation (R, G, B).</summary>
    public static ReadOnlySpan<float> Std => [0.229f, 0.224f, 0.225f];

    /// <summary>Preprocesses <paramref name="image"/> into a new [3, 1024, 1024] (CHW) array.</summary>
    public static float[] ToInput(RgbImage image)
    {
        float[] values = ResizeUnit(image);
        Normalize(values, values);
        return values;
    }

    /// <summary>Preprocesses <paramref name="image"/> into <paramref name="destination"/>, [3, 1024, 1024] CHW.</summary>
    public static void ToInput(RgbImage image, Span<float> destination)
    {
        if (destination.Length != ValueCount)
        {
            throw new ArgumentException(
                $"The destination must hold 3x1024x1024 = {ValueCount} floats, it holds {destination.Length}.", nameof(destination));
        }
        Normalize(ResizeUnit(image), destination);
    }

    /// <summary>
    /// Maps a point in original-image pixel coordinates to SAM2's input coordinates:
    /// x·1024/W, y·1024/H (SAM2 divides by the size, then multiplies by the resolution).
    /// </summary>
    public static (float X, float Y) ScalePoint(RgbImage image, float x, float y)
    {
        ArgumentNullException.ThrowIfNull(image);
        return ScalePoint(image.Width, image.Height, x, y);
    }

    /// <summary>Maps a point of a <paramref name="width"/>×<paramref name="height"/> image to SAM2's input coordinates: x·1024/W, y·1024/H.</summary>
    public static (float X, float Y) ScalePoint(int width, int height, double x, double y)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        return ((float)(x / width * InputSize), (float)(y / height * InputSize));
    }

    /// <summary>The resized image before normalization: [3, 1024, 1024] in [0, 1].</summary>
    internal static float[] ResizeUnit(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return AntialiasedBilinearResampler.ResizeToPlanar(image, InputSize, InputSize);
    }

    private static void Normalize(ReadOnlySpan<float> unit, Span<float> destination)
    {
        const int plane = InputSize * InputSize;
        ReadOnlySpan<float> mean = Mean;
        ReadOnlySpan<float> std = Std;
        for (int channel = 0; channel < 3; channel++)
        {
            ReadOnlySpan<float> from = unit.Slice(channel * plane, plane);
            Span<float> to = destination.Slice(channel * plane, plane);
            float m = mean[channel];
            float s = std[channel];
            for (int i = 0; i < plane; i++)
            {
                to[i] = (from[i] - m) / s;
            }
        }
    }
}
