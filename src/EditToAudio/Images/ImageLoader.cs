using System.Collections.Concurrent;
using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace EditToAudio.Images;

/// <summary>
/// Decodes JPEG, PNG, WebP, BMP and GIF (first frame only) into an upright <see cref="RgbImage"/>.
/// </summary>
/// <remarks>
/// <para>The decoder parses untrusted bytes, and ImageSharp 2.x has had advisories for crafted
/// files, so it sits behind limits: the file size is checked before reading, the pixel count is
/// read from the header (<c>Image.Identify</c>) and checked before any pixel is decoded, as is the
/// memory the image will cost (<see cref="ImageMemory"/>), only the
/// five formats above are registered, a GIF is decoded to its first frame only, and every single
/// buffer the decoder allocates is capped in proportion to the pixel limit. The container
/// structure (PNG chunks, JPEG segments, GIF blocks, BMP rows, RIFF size) is checked to be complete
/// before decoding, and so is the amount of PNG image data, because ImageSharp fills what is
/// missing with black.</para>
/// <para>EXIF orientation is applied, so width and height are those of the displayed image.
/// Alpha is dropped, not composited: a pixel keeps its stored color whatever its opacity, as
/// Pillow's <c>convert("RGB")</c> does. One exception: ImageSharp does not keep the palette color
/// of a GIF's transparent index, so transparent GIF pixels come out black (Pillow gives the
/// palette color). 16-bit channels keep their high byte, as in Pillow.</para>
/// </remarks>
public static class ImageLoader
{
    /// <summary>The formats the loader accepts.</summary>
    public static IReadOnlyList<string> SupportedFormats { get; } = ["JPEG", "PNG", "WebP", "BMP", "GIF"];

    // A Configuration holds the allocator and its pool; one per distinct pixel limit is plenty.
    private static readonly ConcurrentDictionary<long, Configuration> Configurations = new();

    /// <summary>Loads the image file at <paramref name="path"/>.</summary>
    /// <param name="path">Image file.</param>
    /// <param name="limits">Size bounds; <see cref="ImageLimits.Default"/> when null.</param>
    /// <exception cref="ImageLoadException">The file is missing, unreadable, empty, too large, not an image or corrupt.</exception>
    public static RgbImage Load(string path, ImageLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        limits ??= ImageLimits.Default;
        limits.Validate();
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            bytes = ReadBounded(stream, path, limits);
        }
        catch (FileNotFoundException ex)
        {
            throw new ImageLoadException(path, ImageLoadFailure.NotFound, "the file does not exist", ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new ImageLoadException(path, ImageLoadFailure.NotFound, "its folder does not exist", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ImageLoadException(path, ImageLoadFailure.Unreadable, "access denied (or it is a folder)", ex);
        }
        catch (IOException ex)
        {
            throw new ImageLoadException(path, ImageLoadFailure.Unreadable, $"reading failed: {ex.Message}", ex);
        }
        return Decode(bytes, path, limits);
    }

    /// <summary>Loads an image from the rest of <paramref name="stream"/> (which is not closed).</summary>
    /// <param name="stream">Encoded image bytes, read from the current position to the end.</param>
    /// <param name="source">Name used in messages and stored as <see cref="RgbImage.Source"/>.</param>
    /// <param name="limits">Size bounds; <see cref="ImageLimits.Default"/> when null.</param>
    /// <exception cref="ImageLoadException">The stream is unreadable, empty, too large, not an image or corrupt.</exception>
    public static RgbImage Load(Stream stream, string source, ImageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        limits ??= ImageLimits.Default;
        limits.Validate();
        byte[] bytes;
        try
        {
            bytes = ReadBounded(stream, source, limits);
        }
        catch (IOException ex)
        {
            throw new ImageLoadException(source, ImageLoadFailure.Unreadable, $"reading failed: {ex.Message}", ex);
        }
        return Decode(bytes, source, limits);
    }

    private static byte[] ReadBounded(Stream stream, string source, ImageLimits limits)
    {
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (remaining > limits.MaxFileBytes)
            {
                throw FileTooLarge(source, remaining, limits);
            }
            if (remaining <= 0)
            {
                throw new ImageLoadException(source, ImageLoadFailure.Empty, "the file is empty (0 bytes)");
            }
            byte[] all = new byte[remaining];
            stream.ReadExactly(all);
            return all;
        }

        // Unknown length: read in chunks and stop as soon as the limit is passed.
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > limits.MaxFileBytes)
            {
                throw FileTooLarge(source, buffer.Length + read, limits);
            }
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
        {
            throw new ImageLoadException(source, ImageLoadFailure.Empty, "the file is empty (0 bytes)");
        }
        return buffer.ToArray();
    }

    private static ImageLoadException FileTooLarge(string source, long bytes, ImageLimits limits) =>
        new(source, ImageLoadFailure.FileTooLarge, string.Create(CultureInfo.InvariantCulture,
            $"the file has at least {bytes} bytes, above the limit of {limits.MaxFileBytes} bytes"));

    private static RgbImage Decode(byte[] bytes, string source, ImageLimits limits)
    {
        Configuration configuration = ConfigurationFor(limits.MaxPixels);

        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(configuration, bytes, out format);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw new ImageLoadException(source, ImageLoadFailure.Corrupt, $"its header cannot be read ({ex.Message})", ex);
        }
        if (info is null || format is null)
        {
            throw new ImageLoadException(source, ImageLoadFailure.NotAnImage,
                $"not an image in a supported format ({string.Join(", ", SupportedFormats)}); it starts with bytes {Leading(bytes)}");
        }
        if (info.Width < 1 || info.Height < 1)
        {
            throw new ImageLoadException(source, ImageLoadFailure.Corrupt,
                string.Create(CultureInfo.InvariantCulture, $"the {format.Name} header declares an empty size {info.Width}x{info.Height}"));
        }
        CheckPixelCount(source, format, info.Width, info.Height, limits);
        if (ImageMemory.Refusal(info.Width, info.Height) is { } tooLarge)
        {
            throw new ImageLoadException(source, ImageLoadFailure.TooMuchMemory, tooLarge);
        }
        if (EncodedImageIntegrity.FindTruncation(format, bytes) is { } truncation)
        {
            throw new ImageLoadException(source, ImageLoadFailure.Corrupt, truncation);
        }

        // 16 bits per channel: keep the high byte, as Pillow does (ImageSharp would round).
        return info.PixelType?.BitsPerPixel > 32
            ? DecodePixels<Rgba64>(bytes, configuration, source, format, limits, HighBytes)
            : DecodePixels<Rgb24>(bytes, configuration, source, format, limits, static (image, rgb) => image.CopyPixelDataTo(rgb));
    }

    private static RgbImage DecodePixels<TPixel>(
        byte[] bytes, Configuration configuration, string source, IImageFormat format, ImageLimits limits,
        Action<Image<TPixel>, byte[]> toRgb)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        Image<TPixel> image;
        try
        {
            image = Image.Load<TPixel>(configuration, bytes);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw new ImageLoadException(source, ImageLoadFailure.Corrupt,
                $"the {format.Name} data is corrupt or truncated ({ex.GetType().Name}: {ex.Message})", ex);
        }
        using (image)
        {
            // The header read by Identify and the one used to decode should agree; do not trust it.
            CheckPixelCount(source, format, image.Width, image.Height, limits);
            try
            {
                image.Mutate(context => context.AutoOrient());
            }
            catch (Exception ex) when (IsDecoderFailure(ex))
            {
                throw new ImageLoadException(source, ImageLoadFailure.Corrupt,
                    $"its EXIF orientation cannot be applied ({ex.GetType().Name}: {ex.Message})", ex);
            }
            byte[] rgb = new byte[3L * image.Width * image.Height];
            toRgb(image, rgb);
            return new RgbImage(image.Width, image.Height, rgb, source);
        }
    }

    private static void HighBytes(Image<Rgba64> image, byte[] rgb) =>
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
            {
                Span<Rgba64> row = accessor.GetRowSpan(y);
                int o = 3 * y * accessor.Width;
                foreach (Rgba64 pixel in row)
                {
                    rgb[o++] = (byte)(pixel.R >> 8);
                    rgb[o++] = (byte)(pixel.G >> 8);
                    rgb[o++] = (byte)(pixel.B >> 8);
                }
            }
        });

    private static void CheckPixelCount(string source, IImageFormat format, int width, int height, ImageLimits limits)
    {
        long pixels = (long)width * height;
        if (pixels > limits.MaxPixels)
        {
            throw new ImageLoadException(source, ImageLoadFailure.TooManyPixels, string.Create(CultureInfo.InvariantCulture,
                $"the {format.Name} image is {width}x{height} = {pixels} pixels, above the limit of {limits.MaxPixels} pixels"));
        }
    }

    // The decoders parse untrusted bytes; whatever they throw (their own format exceptions, or an
    // index/argument/overflow error from a malformed field, or the allocator's limit) means this
    // file cannot be decoded. Cancellation is the only exception that is not about the file.
    private static bool IsDecoderFailure(Exception ex) => ex is not OperationCanceledException;

    private static string Leading(byte[] bytes)
    {
        int n = Math.Min(bytes.Length, 8);
        return Convert.ToHexString(bytes, 0, n) + (bytes.Length > n ? "…" : string.Empty);
    }

    private static Configuration ConfigurationFor(long maxPixels) =>
        Configurations.GetOrAdd(maxPixels, static limit =>
        {
            // Only the formats we promise; no TIFF/TGA/PBM parsers exposed to untrusted input.
            var configuration = new Configuration(
                new PngConfigurationModule(),
                new JpegConfigurationModule(),
                new GifConfigurationModule(),
                new BmpConfigurationModule(),
                new WebpConfigurationModule())
            {
                MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
                {
                    // The largest legitimate buffer is one full frame (at most 4 bytes per pixel
                    // for Rgba32, a few per pixel for JPEG's spectral data); twice that plus slack
                    // lets every valid image through and stops allocations a header cannot justify.
                    AllocationLimitMegabytes = (int)Math.Min(int.MaxValue, (limit / (1024 * 1024) * 8) + 64),
                }),
            };
            configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder
            {
                DecodingMode = FrameDecodingMode.First,
                MaxFrames = 1,
            });
            return configuration;
        });
}
