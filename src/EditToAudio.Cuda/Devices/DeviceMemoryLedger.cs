namespace EditToAudio.Cuda.Devices;

/// <summary>
/// Counts of live device allocations (buffers and bytes) and the peak of live bytes, updated
/// lock-free from any thread. Separate from <see cref="DeviceMemory"/> so the arithmetic can be
/// tested without a GPU.
/// </summary>
internal sealed class DeviceMemoryLedger
{
    private long liveBuffers;
    private long liveBytes;
    private long peakBytes;

    public long LiveBuffers => Interlocked.Read(ref liveBuffers);

    public long LiveBytes => Interlocked.Read(ref liveBytes);

    public long PeakBytes => Interlocked.Read(ref peakBytes);

    public void Allocated(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Increment(ref liveBuffers);
        RaisePeakTo(Interlocked.Add(ref liveBytes, bytes));
    }

    public void Freed(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Decrement(ref liveBuffers);
        Interlocked.Add(ref liveBytes, -bytes);
    }

    /// <summary>Starts a new peak from the bytes live now.</summary>
    public void ResetPeak()
    {
        Interlocked.Exchange(ref peakBytes, LiveBytes);
        // An allocation that raised the peak between the read and the exchange was overwritten; the live bytes it left still count.
        RaisePeakTo(LiveBytes);
    }

    // Interlocked.Add returns each allocation's exact running total, so the peak is the largest total any update produced.
    private void RaisePeakTo(long live)
    {
        long peak = Interlocked.Read(ref peakBytes);
        while (live > peak)
        {
            long seen = Interlocked.CompareExchange(ref peakBytes, live, peak);
            if (seen == peak)
                return;
            peak = seen;
        }
    }
}
