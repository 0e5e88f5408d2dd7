
namespace EditToAudio.Images;

/// <summary>
/// OpenAI CLIP's image preprocessing for ViT-L/14 at 224 px: the shorter side resized to 224
/// with Pillow's antialiased bicubic (the longer to <c>int(224·L/S)</c>), a centered 224×224
/// crop (<see cref="ClipGeometry"/>), /255, and normalization with CLIP's mean and std.
/// The bytes after resize and crop equal Pillow's exactly.
/// </summary>
public static class ClipPreprocessor
{
    /// <summary>Floats in one preprocessed image: [3, 224, 224].</summary>
    public const int ValueCount = 3 * ClipGeometry.InputSize * ClipGeometry.InputSize;

    /// <summary>
    /// Largest resized longer side accepted (an aspect ratio of about 9.6 million to 1); only the
    /// crop window is ever computed, so the limit is the integer range, not memory.
    /// </summary>
    public const int MaxResizedSide = int.MaxValue;

    /// <summary>CLIP's per-channel mean (R, G, B), applied after /255.</summary>
    public static ReadOnlySpan<float> Mean => [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>CLIP's per-channel standard deviation (R, G, B), applied after /255.</summary>
    public static ReadOnlySpan<float> Std => [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>The 224×224 RGB image CLIP sees, before normalization.</summary>
    public static RgbImage ResizeAndCrop(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        long shorter = Math.Min(image.Width, image.Height);
        long longer = Math.Max(image.Width, image.Height);
        if (ClipGeometry.InputSize * longer / shorter > MaxResizedSide)
        {
            throw new ArgumentException(
                $"Image '{image.Source}' ({image.Width}x{image.Height}) is too elongated for CLIP: its longer side would be resized to " +
                $"{ClipGeometry.InputSize * longer / shorter} pixels (at most {MaxResizedSide}).", nameof(image));
        }
        ClipGeometry geometry = ClipGeometry.For(image.Width, image.Height);
        byte[] window = PillowBicubicResampler.ResizeWindow(
            image, geometry.ResizedWidth, geometry.ResizedHeight,
            geometry.CropLeft, geometry.CropTop, ClipGeometry.InputSize, ClipGeometry.InputSize);
        return new RgbImage(ClipGeometry.InputSize, ClipGeometry.InputSize, window, image.Source);
    }

    /// <summary>Preprocesses <paramref name="image"/> into a new [3, 224, 224] (CHW) array.</summary>
    public static float[] ToPixelValues(RgbImage image)
    {
        var values = new float[ValueCount];
        ToPixelValues(image, values);
        return values;
    }

    /// <summary>
    /// Preprocesses <paramref name="image"/> into <paramref name="destination"/>, [3, 224, 224] CHW
    /// (for example one slot of a batch tensor).
    /// </summary>
    public static void ToPixelValues(RgbImage image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (destination.Length != ValueCount)
        {
            throw new ArgumentException(
                $"The destination must hold 3x224x224 = {ValueCount} floats, it holds {destination.Length}.", nameof(destination));
        }
        byte[] rgb = ResizeAndCrop(image).Pixels;
        const int plane = ClipGeometry.InputSize * ClipGeometry.InputSize;
        ReadOnlySpan<float> mean = Mean;
        ReadOnlySpan<float> std = Std;
        for (int channel = 0; channel < 3; channel++)
        {
            Span<float> target = destination.Slice(channel * plane, plane);
            float m = mean[channel];
            float s = std[channel];
            for (int i = 0; i < plane; i++)
            {
                // Same float32 operations as ToTensor then Normalize: (b / 255 − mean) / std.
                target[i] = ((rgb[(i * 3) + channel] / 255f) - m) / s;
            }
        }
    }
}
