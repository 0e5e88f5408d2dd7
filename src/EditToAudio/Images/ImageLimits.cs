namespace EditToAudio.Images;

/// <summary>
/// Bounds on what <see cref="ImageLoader"/> agrees to decode. Both are checked before any pixel
/// is decoded: the file size before reading, the pixel count from the header alone.
/// </summary>
/// <param name="MaxPixels">Largest accepted <c>width·height</c> (default 64 megapixels).</param>
/// <param name="MaxFileBytes">Largest accepted encoded size in bytes (default 256 MiB).</param>
public sealed record ImageLimits(long MaxPixels = 64_000_000, long MaxFileBytes = 256L * 1024 * 1024)
{
    /// <summary>64 megapixels, 256 MiB.</summary>
    public static ImageLimits Default { get; } = new();

    internal void Validate()
    {
        if (MaxPixels < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPixels), MaxPixels, "The pixel limit must be at least 1.");
        }
        if (MaxFileBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), MaxFileBytes, "The file size limit must be at least 1 byte.");
        }
    }
}
