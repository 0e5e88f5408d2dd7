using System.Diagnostics;

namespace EditToAudio.Cli.Benchmarking;

/// <summary>
/// The peak resident memory of the process during one stage, not since the process started: the
/// garbage of earlier stages is collected and returned to the system first, then Linux's peak
/// counter (VmHWM) is reset through <c>/proc/self/clear_refs</c>; where that is not possible, the
/// resident size is sampled every few milliseconds instead.
/// </summary>
internal sealed class StagePeak : IDisposable
{
    private const double Megabyte = 1048576.0;
    private readonly bool _reset;
    private readonly CancellationTokenSource? _stop;
    private readonly Thread? _sampler;
    private long _sampled;

    private StagePeak()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _reset = TryResetPeak();
        if (!_reset)
        {
            _stop = new CancellationTokenSource();
            _sampler = new Thread(Sample) { IsBackground = true, Name = "bench memory sampler" };
            _sampler.Start();
        }
    }

    /// <summary>Starts measuring.</summary>
    public static StagePeak Start() => new();

    /// <summary>The peak resident megabytes since <see cref="Start"/>.</summary>
    public double Megabytes()
    {
        using var process = Process.GetCurrentProcess();
        return (_reset ? process.PeakWorkingSet64 : Math.Max(Interlocked.Read(ref _sampled), process.WorkingSet64)) / Megabyte;
    }

    public void Dispose()
    {
        _stop?.Cancel();
        _sampler?.Join();
        _stop?.Dispose();
    }

    private static bool TryResetPeak()
    {
        try
        {
            // "5" resets the peak resident set size (Linux 4.0 and later).
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    private void Sample()
    {
        using var process = Process.GetCurrentProcess();
        while (!_stop!.IsCancellationRequested)
        {
            process.Refresh();
            long current = process.WorkingSet64;
            if (current > Interlocked.Read(ref _sampled))
            {
                Interlocked.Exchange(ref _sampled, current);
            }
            _stop.Token.WaitHandle.WaitOne(5);
        }
    }
}
