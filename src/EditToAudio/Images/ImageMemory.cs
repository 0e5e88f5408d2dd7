using System.Globalization;

namespace EditToAudio.Images;

/// <summary>
/// The memory an image costs the engine, known from its header alone: checked before a pixel is
/// decoded, so that an image too large for the machine (or for one .NET array) is refused with the
/// amount it would need instead of failing deep inside a stage or getting the process killed.
/// </summary>
public static class ImageMemory
{
    /// <summary>
    /// Bytes per pixel while one image is decoded and used: the decoder's frame (up to 8 for 16-bit
    /// channels) and its working buffers (JPEG coefficients, PNG scanlines: 4), the RGB copy (3),
    /// its mask (1), and the overlay PNG (a tinted copy and the encoder's frame: 6).
    /// </summary>
    public const long BytesPerPixel = 8 + 4 + 3 + 1 + 6;

    /// <summary>
    /// Estimated peak bytes for one <paramref name="width"/>×<paramref name="height"/> image: the
    /// per-pixel buffers above, plus SAM2's resize, whose first pass keeps 3·1024 floats per image row.
    /// </summary>
    public static long PeakBytes(int width, int height) =>
        (BytesPerPixel * width * height) + (4L * LongestRow(height)) + (4L * 3 * Sam2Preprocessor.InputSize * Sam2Preprocessor.InputSize);

    /// <summary>Why an image of this size cannot be processed here, or null when it can.</summary>
    /// <param name="width">Width from the header.</param>
    /// <param name="height">Height from the header.</param>
    /// <param name="availableBytes">Memory available to the process; <see cref="AvailableBytes"/> when null.</param>
    public static string? Refusal(int width, int height, long? availableBytes = null)
    {
        long pixels = (long)width * height;
        // Every buffer the stages derive from the image must fit one array, or its index arithmetic overflows.
        long largest = Math.Max(3 * pixels, LongestRow(height));
        if (largest > Array.MaxLength)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"an image of {width}x{height} needs a single buffer of {Gigabytes(largest)} (its {(largest == 3 * pixels ? "RGB pixels" : "SAM2 resize")}), " +
                $"more than the {Gigabytes(Array.MaxLength)} one buffer can hold (at most about {Array.MaxLength / 3 / 1_000_000} megapixels)");
        }
        long need = PeakBytes(width, height);
        long available = availableBytes ?? AvailableBytes();
        return need > available
            ? string.Create(CultureInfo.InvariantCulture,
                $"decoding and processing an image of {width}x{height} ({pixels / 1e6:F1} megapixels) needs about {Gigabytes(need)} of memory, and {Gigabytes(available)} is available")
            : null;
    }

    /// <summary>
    /// Memory the process can still take: the runtime's limit (physical memory or the container's)
    /// less the managed heap, and no more than the operating system reports available (Linux's
    /// MemAvailable), since other processes share the machine.
    /// </summary>
    public static long AvailableBytes()
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes - GC.GetTotalMemory(false);
        if (SystemAvailableBytes() is { } system)
        {
            available = Math.Min(available, system);
        }
        return Math.Max(available, 0);
    }

    private static long LongestRow(int height) => 3L * Sam2Preprocessor.InputSize * height;

    private static string Gigabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:F1} GB");

    private static long? SystemAvailableBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)
                    && long.TryParse(line["MemAvailable:".Length..].Trim().Split(' ')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kilobytes))
                {
                    return kilobytes * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
