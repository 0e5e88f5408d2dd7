using EditToAudio.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace EditToAudio.Images;

/// <summary>
/// A decoded 8-bit RGB image: <see cref="Pixels"/> holds <c>3·Width·Height</c> bytes, row-major,
/// channels interleaved (R, G, B), already turned upright by its EXIF orientation.
/// </summary>
public sealed class RgbImage
{
    /// <summary>Wraps existing pixel bytes (not copied).</summary>
    /// <param name="width">Columns, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <param name="pixels">RGB interleaved, row-major, exactly <c>3·width·height</c> bytes.</param>
    /// <param name="source">Where the image came from (a file path or a caller-chosen name), used in messages.</param>
    public RgbImage(int width, int height, byte[] pixels, string source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(source);
        long expected = 3L * width * height;
        if (pixels.LongLength != expected)
        {
            throw new ArgumentException(
                $"An RGB image of {width}x{height} needs {expected} bytes, got {pixels.LongLength}.", nameof(pixels));
        }
        Width = width;
        Height = height;
        Pixels = pixels;
        Source = source;
    }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>RGB interleaved, row-major, <c>3·Width·Height</c> bytes.</summary>
#pragma warning disable CA1819 // The engine's stages read and write the pixel buffer in place; a copy per access would defeat that.
    public byte[] Pixels { get; }
#pragma warning restore CA1819

    /// <summary>Where the image came from (file path or caller-chosen name).</summary>
    public string Source { get; }

    /// <summary>Writes the image as an 8-bit RGB PNG at <paramref name="path"/>, atomically (replaced only once complete).</summary>
    public void SavePng(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.WriteAllBytes(path, EncodePng());
    }

    /// <summary>The image as the bytes of an 8-bit RGB PNG file.</summary>
    public byte[] EncodePng()
    {
        using Image<Rgb24> png = Image.LoadPixelData<Rgb24>(Pixels, Width, Height);
        using var stream = new MemoryStream();
        png.Save(stream, new PngEncoder { ColorType = PngColorType.Rgb });
        return stream.ToArray();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Source} ({Width}x{Height})";
}
