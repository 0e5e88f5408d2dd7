namespace EditToAudio.Batch;

/// <summary>
/// Chooses how many items go into one network call or one in-memory chunk from the memory the
/// process may still use (<see cref="GC.GetGCMemoryInfo()"/>'s total available bytes, which
/// honours container limits) and the bytes one item needs, instead of a fixed number.
/// </summary>
public static class BatchSizing
{
    /// <summary>Share of the available memory one batch may take, leaving room for the rest of the pipeline.</summary>
    public const double MemoryShare = 0.25;

    /// <summary>
    /// Items per batch: ⌊available·<see cref="MemoryShare"/> / <paramref name="bytesPerItem"/>⌋,
    /// at least 1 and at most <paramref name="maximum"/>.
    /// </summary>
    public static int ItemsPerBatch(long bytesPerItem, int maximum, long? availableBytes = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerItem, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximum, 1);
        long available = availableBytes ?? AvailableBytes();
        long fit = (long)(available * MemoryShare / bytesPerItem);
        return (int)Math.Clamp(fit, 1, maximum);
    }

    /// <summary>Bytes the process may still allocate: the GC's limit (physical or container) minus what is in use.</summary>
    public static long AvailableBytes()
    {
        GCMemoryInfo info = GC.GetGCMemoryInfo();
        return Math.Max(info.TotalAvailableMemoryBytes - GC.GetTotalMemory(false), 1);
    }

    /// <summary>
    /// Bytes of one image in a CLIP call: its input (3×224×224) and output (257×768) tensors plus
    /// working memory for the activations, estimated as 16 times the two.
    /// </summary>
    public const long ClipBytesPerImage = 17L * 4 * (3 * 224 * 224 + 257 * 768);

    /// <summary>Bytes of one row in an SSV2A call: input, μ, log σ² and the drawn noise of the wider stage, ×4 for activations.</summary>
    public static long MappingBytesPerRow(int varSamples) => 4L * 4 * (3 * 768 + (long)varSamples * 768);

    /// <summary>
    /// Bytes of one clip in an audio call: its candidates' latents (twice with guidance), each
    /// weighted 256× for the UNet's activations, plus their mel spectrograms and waveforms.
    /// </summary>
    public static long AudioBytesPerClip(int latentFrames, int candidates, bool guided)
    {
        long latent = 8L * latentFrames * 16 * 4;
        long rows = (long)candidates * (guided ? 2 : 1);
        return rows * latent * 256 + candidates * (4L * latentFrames * 64 * 4 + 640L * latentFrames * 4) * 2;
    }

    /// <summary>
    /// Bytes one item holds while its chunk is in flight: two decoded images (3 bytes a pixel), two
    /// masks, two token sets and the per-setting embeddings.
    /// </summary>
    public static long ItemBytes(long pixelsPerImage, int settings) =>
        2 * (4 * pixelsPerImage + 257L * 768 * 4) + settings * (768L + 512) * 4 * 5;
}
