using EditToAudio.Cuda.Devices;

namespace EditToAudio.Cuda.Tests.Devices;

/// <summary>The device allocation bookkeeping, driven directly (no GPU needed).</summary>
public class DeviceMemoryLedgerTests
{
    [Fact]
    public void Allocations_and_frees_move_live_counts_and_the_peak_keeps_the_highest_total()
    {
        var ledger = new DeviceMemoryLedger();

        ledger.Allocated(100);
        ledger.Allocated(250);
        Assert.Equal((2L, 350L, 350L), (ledger.LiveBuffers, ledger.LiveBytes, ledger.PeakBytes));

        ledger.Freed(250);
        ledger.Allocated(50);
        Assert.Equal((2L, 150L, 350L), (ledger.LiveBuffers, ledger.LiveBytes, ledger.PeakBytes));

        ledger.Allocated(300);
        Assert.Equal((3L, 450L, 450L), (ledger.LiveBuffers, ledger.LiveBytes, ledger.PeakBytes));

        ledger.Freed(100);
        ledger.Freed(50);
        ledger.Freed(300);
        Assert.Equal((0L, 0L, 450L), (ledger.LiveBuffers, ledger.LiveBytes, ledger.PeakBytes));
    }

    [Fact]
    public void Reset_starts_the_peak_from_the_bytes_live_now()
    {
        var ledger = new DeviceMemoryLedger();
        ledger.Allocated(1000);
        ledger.Allocated(24);
        ledger.Freed(1000);

        ledger.ResetPeak();
        Assert.Equal(24, ledger.PeakBytes);

        ledger.Allocated(10);
        ledger.Freed(10);
        Assert.Equal(34, ledger.PeakBytes);

        ledger.Freed(24);
        ledger.ResetPeak();
        Assert.Equal(0, ledger.PeakBytes);
    }

    [Fact]
    public void Zero_byte_allocations_count_as_buffers_and_negative_sizes_are_refused()
    {
        var ledger = new DeviceMemoryLedger();
        ledger.Allocated(0);
        Assert.Equal((1L, 0L), (ledger.LiveBuffers, ledger.LiveBytes));

        Assert.Throws<ArgumentOutOfRangeException>(() => ledger.Allocated(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ledger.Freed(-1));
        Assert.Equal((1L, 0L), (ledger.LiveBuffers, ledger.LiveBytes));
    }

    [Fact]
    public void Concurrent_updates_give_exact_totals()
    {
        const int threads = 8;
        const int rounds = 20_000;
        var ledger = new DeviceMemoryLedger();
        using var start = new Barrier(threads);

        // Each thread holds two buffers at a time at most (sizes that differ per thread), frees one of them each
        // round, and keeps one buffer of 1000 + t bytes at the end.
        Thread[] workers = [.. Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            long kept = 1000 + t;
            ledger.Allocated(kept);
            for (int round = 0; round < rounds; round++)
            {
                long size = 1 + (round % 7) * (t + 1);
                ledger.Allocated(size);
                ledger.Freed(size);
            }
        }))];
        foreach (Thread worker in workers)
        {
            worker.Start();
        }
        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        long keptTotal = Enumerable.Range(0, threads).Sum(t => 1000L + t);
        long largestRoundSize = Enumerable.Range(0, threads).Sum(t => 1 + 6L * (t + 1));
        Assert.Equal(threads, ledger.LiveBuffers);
        Assert.Equal(keptTotal, ledger.LiveBytes);
        // At the end every kept buffer is live, so the peak reached at least their sum; it can never exceed
        // every thread holding its kept buffer and its largest round buffer at once.
        Assert.InRange(ledger.PeakBytes, keptTotal, keptTotal + largestRoundSize);
    }

    [Fact]
    public void Concurrent_allocations_reach_a_peak_equal_to_their_sum()
    {
        const int threads = 6;
        const int perThread = 5_000;
        var ledger = new DeviceMemoryLedger();
        using var start = new Barrier(threads);

        Thread[] workers = [.. Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < perThread; i++) { ledger.Allocated(t + 1 + i % 3); } }))];
        foreach (Thread worker in workers)
        {
            worker.Start();
        }
        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        long expected = Enumerable.Range(0, threads).Sum(t => Enumerable.Range(0, perThread).Sum(i => (long)(t + 1 + i % 3)));
        Assert.Equal((long)threads * perThread, ledger.LiveBuffers);
        Assert.Equal(expected, ledger.LiveBytes);
        Assert.Equal(expected, ledger.PeakBytes);
    }
}
