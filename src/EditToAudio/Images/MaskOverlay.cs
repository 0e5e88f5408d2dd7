namespace EditToAudio.Images;

/// <summary>One object drawn on an overlay: its mask, and what produced it.</summary>
/// <param name="Mask">H·W bytes, row-major, 0 (outside) or 1 (inside).</param>
/// <param name="Label">Drawn next to the object ("removed 1: cat"); null for none.</param>
/// <param name="Box">The box prompt (left, top, right, bottom, in pixels), drawn as a dashed rectangle; null for none.</param>
/// <param name="Points">Prompt points, drawn as a + (positive) or an × (negative); null for none.</param>
public sealed record OverlayObject(byte[] Mask, string? Label = null, (double X0, double Y0, double X1, double Y1)? Box = null, IReadOnlyList<(double X, double Y, bool Positive)>? Points = null);

/// <summary>
/// Draws masks over their image for people to check: pixels inside an object are blended
/// half-and-half with the object's tint and its boundary is drawn in the solid tint; then each
/// object's box prompt (dashed), prompt points (+ positive, × negative) and label (in the tint, with
/// the text in black or white) are drawn on top. Objects take the tints of <see cref="Palette"/> in order.
/// </summary>
public static class MaskOverlay
{
    /// <summary>The first tint (R, G, B): magenta, which few photographed objects (and none of the demo shapes) share.</summary>
    public static ReadOnlySpan<byte> Tint => [255, 0, 220];

    /// <summary>The tints of successive objects: saturated and far apart, magenta first.</summary>
    public static IReadOnlyList<(byte R, byte G, byte B)> Palette { get; } =
        [(255, 0, 220), (0, 200, 255), (255, 200, 0), (255, 70, 0), (120, 255, 0), (120, 60, 255), (0, 255, 160), (255, 120, 170)];

    /// <summary>Renders the overlay of one mask: the image with the mask tinted and outlined.</summary>
    /// <param name="image">The image the mask belongs to.</param>
    /// <param name="mask">H·W bytes, row-major, 0 (outside) or 1 (inside).</param>
    public static RgbImage Render(RgbImage image, ReadOnlySpan<byte> mask) => Render(image, [new OverlayObject(mask.ToArray())]);

    /// <summary>Renders every object in its own tint, with its box, points and label.</summary>
    /// <param name="image">The image the objects belong to.</param>
    /// <param name="objects">The objects, drawn in order (later ones on top).</param>
    public static RgbImage Render(RgbImage image, IReadOnlyList<OverlayObject> objects)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(objects);
        int width = image.Width, height = image.Height;
        foreach (OverlayObject item in objects)
        {
            Check(image, item.Mask);
        }
        byte[] source = image.Pixels;
        byte[] output = (byte[])source.Clone();
        for (int o = 0; o < objects.Count; o++)
        {
            (byte r, byte g, byte b) = Palette[o % Palette.Count];
            byte[] tint = [r, g, b];
            byte[] mask = objects[o].Mask;
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
                        output[(i * 3) + c] = boundary ? tint[c] : (byte)((output[(i * 3) + c] + tint[c] + 1) >> 1);
                    }
                }
            }
        }
        // Prompts and labels over every mask, so none hides another's.
        int scale = Math.Max(1, Math.Min(width, height) / 240);
        for (int o = 0; o < objects.Count; o++)
        {
            (byte R, byte G, byte B) tint = Palette[o % Palette.Count];
            OverlayObject item = objects[o];
            if (item.Box is { } box)
            {
                DrawBox(output, width, height, box, scale, tint);
            }
            foreach ((double x, double y, bool positive) in item.Points ?? [])
            {
                DrawMarker(output, width, height, (int)Math.Floor(x), (int)Math.Floor(y), positive, scale, tint);
            }
            if (!string.IsNullOrEmpty(item.Label))
            {
                DrawLabel(output, width, height, item, scale, tint);
            }
        }
        return new RgbImage(width, height, output, image.Source);
    }

    /// <summary>Renders the overlay of one mask and writes it as a PNG at <paramref name="path"/> (atomically).</summary>
    /// <param name="image">The image the mask belongs to.</param>
    /// <param name="mask">H·W bytes, row-major, 0 (outside) or 1 (inside).</param>
    /// <param name="path">Output PNG file; replaced only once complete.</param>
    public static void SavePng(RgbImage image, ReadOnlySpan<byte> mask, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Render(image, mask).SavePng(path);
    }

    /// <summary>Renders every object and writes the PNG at <paramref name="path"/> (atomically).</summary>
    public static void SavePng(RgbImage image, IReadOnlyList<OverlayObject> objects, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Render(image, objects).SavePng(path);
    }

    private static void Check(RgbImage image, byte[] mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.Length != image.Width * image.Height)
        {
            throw new ArgumentException(
                $"The mask has {mask.Length} values; image '{image.Source}' is {image.Width}x{image.Height} and needs {image.Width * image.Height}.", nameof(mask));
        }
        int bad = mask.AsSpan().IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0)
        {
            throw new ArgumentException($"Mask value {mask[bad]} at (x={bad % image.Width}, y={bad / image.Width}) is neither 0 nor 1.", nameof(mask));
        }
    }

    private static void Put(byte[] pixels, int width, int height, int x, int y, (byte R, byte G, byte B) color)
    {
        if (x >= 0 && x < width && y >= 0 && y < height)
        {
            int i = 3 * (y * width + x);
            (pixels[i], pixels[i + 1], pixels[i + 2]) = color;
        }
    }

    /// <summary>A dashed rectangle just inside the box's edges, dashes of 4·scale pixels.</summary>
    private static void DrawBox(byte[] pixels, int width, int height, (double X0, double Y0, double X1, double Y1) box, int scale, (byte R, byte G, byte B) color)
    {
        int left = (int)Math.Floor(box.X0), top = (int)Math.Floor(box.Y0), right = (int)Math.Ceiling(box.X1) - 1, bottom = (int)Math.Ceiling(box.Y1) - 1;
        int dash = 4 * scale;
        for (int t = 0; t < scale; t++)
        {
            for (int x = left; x <= right; x++)
            {
                if ((x - left) / dash % 2 == 0)
                {
                    Put(pixels, width, height, x, top + t, color);
                    Put(pixels, width, height, x, bottom - t, color);
                }
            }
            for (int y = top; y <= bottom; y++)
            {
                if ((y - top) / dash % 2 == 0)
                {
                    Put(pixels, width, height, left + t, y, color);
                    Put(pixels, width, height, right - t, y, color);
                }
            }
        }
    }

    /// <summary>A + (positive) or × (negative) in the tint, outlined in black so it shows on its own mask.</summary>
    private static void DrawMarker(byte[] pixels, int width, int height, int cx, int cy, bool positive, int scale, (byte R, byte G, byte B) color)
    {
        int arm = 4 * scale;
        IEnumerable<(int X, int Y)> Arms(int grow)
        {
            for (int d = -arm - grow; d <= arm + grow; d++)
            {
                for (int t = -scale / 2 - grow; t <= scale / 2 + grow; t++)
                {
                    if (positive)
                    {
                        yield return (cx + d, cy + t);
                        yield return (cx + t, cy + d);
                    }
                    else
                    {
                        yield return (cx + d, cy + d + t);
                        yield return (cx + d, cy - d + t);
                    }
                }
            }
        }
        foreach ((int x, int y) in Arms(1))
        {
            Put(pixels, width, height, x, y, (0, 0, 0));
        }
        foreach ((int x, int y) in Arms(0))
        {
            Put(pixels, width, height, x, y, color);
        }
    }

    /// <summary>The label on a tinted plate above the object's top-left corner (inside it when there is no room above).</summary>
    private static void DrawLabel(byte[] pixels, int width, int height, OverlayObject item, int scale, (byte R, byte G, byte B) color)
    {
        string text = item.Label!;
        int left = width, top = height;
        for (int i = 0; i < item.Mask.Length; i++)
        {
            if (item.Mask[i] != 0)
            {
                left = Math.Min(left, i % width);
                top = Math.Min(top, i / width);
            }
        }
        if (item.Box is { } box)
        {
            left = Math.Min(left, (int)Math.Floor(box.X0));
            top = Math.Min(top, (int)Math.Floor(box.Y0));
        }
        if (left == width)
        {
            (left, top) = item.Points is { Count: > 0 } points ? ((int)points[0].X, (int)points[0].Y) : (0, 0);
        }
        int padding = scale, plateWidth = PixelFont.Width(text, scale) + 2 * padding, plateHeight = PixelFont.GlyphHeight * scale + 2 * padding;
        int plateLeft = Math.Clamp(left, 0, Math.Max(0, width - plateWidth));
        int plateTop = top - plateHeight >= 0 ? top - plateHeight : Math.Clamp(top, 0, Math.Max(0, height - plateHeight));
        for (int y = plateTop; y < plateTop + plateHeight; y++)
        {
            for (int x = plateLeft; x < plateLeft + plateWidth; x++)
            {
                Put(pixels, width, height, x, y, color);
            }
        }
        bool light = 299 * color.R + 587 * color.G + 114 * color.B > 150_000;
        PixelFont.Draw(pixels, width, height, text, plateLeft + padding, plateTop + padding, scale, light ? ((byte)0, (byte)0, (byte)0) : ((byte)255, (byte)255, (byte)255));
    }
}
