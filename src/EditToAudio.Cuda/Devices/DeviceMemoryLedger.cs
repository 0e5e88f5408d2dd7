namespace EditToAudio.Cuda.Devices;

/// <summary>
/// Counts of live device allocations (buffers and bytes) and the peak of live bytes, updated
/// lock-free from any thread. Separate from <see cref="DeviceMemory"/> so the arithmetic can be
/// tested without a GPU.
/// </summary>
internal sealed class DeviceMemoryLedger
{
    private long _liveBuffers;
    private long _liveBytes;
    private long _peakBytes;

    public long LiveBuffers => Interlocked.Read(ref _liveBuffers);

    public long LiveBytes => Interlocked.Read(ref _liveBytes);

    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    public void Allocated(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Increment(ref _liveBuffers);
        RaisePeakTo(Interlocked.Add(ref _liveBytes, bytes));
    }

    public void Freed(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Decrement(ref _liveBuffers);
        Interlocked.Add(ref _liveBytes, -bytes);
    }

    /// <summary>Starts a new peak from the bytes live now.</summary>
    public void ResetPeak()
    {
        Interlocked.Exchange(ref _peakBytes, LiveBytes);
        // An allocation that raised the peak between the read and the exchange was overwritten; the live bytes it left still count.
        RaisePeakTo(LiveBytes);
    }

    // Interlocked.Add returns each allocation's exact running total, so the peak is the largest total any update produced.
    private void RaisePeakTo(long live)
    {
        long peak = Interlocked.Read(ref _peakBytes);
        while (live > peak)
        {
            long seen = Interlocked.CompareExchange(ref _peakBytes, live, peak);
            if (seen == peak)
            {
                return;
            }
            peak = seen;
        }
    }
}
