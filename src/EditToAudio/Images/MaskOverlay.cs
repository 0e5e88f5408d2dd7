namespace EditToAudio.Images;

/// <summary>
/// Draws a binary mask over its image for people to check: pixels inside the mask are blended
/// half-and-half with a tint, and the mask's boundary is drawn in the solid tint.
/// </summary>
public static class MaskOverlay
{
    /// <summary>The tint (R, G, B): magenta, which few photographed objects (and none of the demo shapes) share.</summary>
    public static ReadOnlySpan<byte> Tint => [255, 0, 220];

    /// <summary>Renders the overlay: the image with the mask tinted and outlined.</summary>
    /// <param name="image">The image the mask belongs to.</param>
    /// <param name="mask">H·W bytes, row-major, 0 (outside) or 1 (inside).</param>
    public static RgbImage Render(RgbImage image, ReadOnlySpan<byte> mask)
    {
        ArgumentNullException.ThrowIfNull(image);
        int width = image.Width;
        int height = image.Height;
        if (mask.Length != width * height)
        {
            throw new ArgumentException(
                $"The mask has {mask.Length} values; image '{image.Source}' is {width}x{height} and needs {width * height}.", nameof(mask));
        }
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] > 1)
            {
                throw new ArgumentException(
                    $"Mask value {mask[i]} at (x={i % width}, y={i / width}) is neither 0 nor 1.", nameof(mask));
            }
        }

        ReadOnlySpan<byte> tint = Tint;
        byte[] source = image.Pixels;
        byte[] output = (byte[])source.Clone();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = (y * width) + x;
                if (mask[i] == 0)
                {
                    continue;
                }
                // A mask pixel touching the outside (or the image edge) is on the boundary.
                bool boundary = x == 0 || y == 0 || x == width - 1 || y == height - 1
                    || mask[i - 1] == 0 || mask[i + 1] == 0 || mask[i - width] == 0 || mask[i + width] == 0;
                for (int c = 0; c < 3; c++)
                {
                    output[(i * 3) + c] = boundary ? tint[c] : (byte)((source[(i * 3) + c] + tint[c] + 1) >> 1);
                }
            }
        }
        return new RgbImage(width, height, output, image.Source);
    }

    /// <summary>Renders the overlay and writes it as a PNG at <paramref name="path"/> (atomically).</summary>
    /// <param name="image">The image the mask belongs to.</param>
    /// <param name="mask">H·W bytes, row-major, 0 (outside) or 1 (inside).</param>
    /// <param name="path">Output PNG file; replaced only once complete.</param>
    public static void SavePng(RgbImage image, ReadOnlySpan<byte> mask, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Render(image, mask).SavePng(path);
    }
}
