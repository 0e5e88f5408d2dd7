using System.Diagnostics;
using EditToAudio.Audio;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Pipeline;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Pipeline;
using EditToAudio.Samples;

namespace EditToAudio.Cli.Benchmarking;

/// <summary>Throughput and latency of each stage after a warm-up. Measurements only; printing is the command's.</summary>
internal static class StageBenchmarks
{
    /// <summary>The edit math on the CPU: batches of pairs edited in parallel over <paramref name="workers"/> threads.</summary>
    public static StageMeasurement EditCpu(SyntheticEditPairs pairs, int batch, int workers, CancellationToken cancellationToken)
    {
        var parameters = new EditParameters();
        var options = new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken };
        void EditRange(int start, int count) => Parallel.For(start, start + count, options, p =>
            EmbeddingEditor.Edit(pairs.OriginalTokens(p), pairs.EditedTokens(p), pairs.RemoveWeightsOf(p), pairs.AddWeightsOf(p), parameters));

        // Warm-up: long enough for tiered JIT to settle and the thread pool to reach the worker count.
        for (long warmStart = Stopwatch.GetTimestamp(); Stopwatch.GetElapsedTime(warmStart).TotalSeconds < 1;)
        {
            EditRange(0, Math.Min(batch, pairs.Count));
        }
        var latencies = new List<double>();
        long start = Stopwatch.GetTimestamp();
        for (int first = 0; first < pairs.Count; first += batch)
        {
            long batchStart = Stopwatch.GetTimestamp();
            EditRange(first, Math.Min(batch, pairs.Count - first));
            latencies.Add(Stopwatch.GetElapsedTime(batchStart).TotalMilliseconds);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return Measurement("edit", "cpu", pairs.Count, "pairs", batch, workers, seconds, latencies, $"batch of {batch} pairs", 0);
    }

    /// <summary>
    /// The batched GPU edit: each batch is uploaded, edited in a fixed number of launches and
    /// downloaded (4 uploads and 3 downloads per batch), with the GPU time per kernel stage, the peak
    /// bytes the engine's device buffers held during the measured runs and the device memory in use after them.
    /// </summary>
    public static StageMeasurement EditCuda(CudaBackend backend, SyntheticEditPairs pairs, int batch, CancellationToken cancellationToken)
    {
        CudaEditPipeline pipeline = backend.EditPipeline;
        EditParameters[] settings = [new EditParameters()];
        // Single precision, as this stage has always been measured (the backend's default is float64).
        var options = new CudaEditOptions { Precision = EigenPrecision.SinglePrecision, MeasureStages = true };

        CudaHostEditResult Run(int first, int count) => pipeline.Run(
            pairs.Original.AsSpan(first * ImageTokens.TokenCount * SyntheticEditPairs.Width, count * ImageTokens.TokenCount * SyntheticEditPairs.Width),
            pairs.Edited.AsSpan(first * ImageTokens.TokenCount * SyntheticEditPairs.Width, count * ImageTokens.TokenCount * SyntheticEditPairs.Width),
            pairs.RemoveWeights.AsSpan(first * ClipGeometry.PatchCount, count * ClipGeometry.PatchCount),
            pairs.AddWeights.AsSpan(first * ClipGeometry.PatchCount, count * ClipGeometry.PatchCount),
            count, settings, options, cancellationToken: cancellationToken);

        Run(0, Math.Min(batch, pairs.Count)); // warm-up: kernel load, workspaces
        // From the scratch buffers the warm-up left allocated, so the peak covers the measured runs only.
        DeviceMemory.ResetPeak();
        var latencies = new List<double>();
        var stageTotals = new Dictionary<string, double>();
        long start = Stopwatch.GetTimestamp();
        int batches = 0;
        for (int first = 0; first < pairs.Count; first += batch, batches++)
        {
            long batchStart = Stopwatch.GetTimestamp();
            CudaHostEditResult result = Run(first, Math.Min(batch, pairs.Count - first));
            latencies.Add(Stopwatch.GetElapsedTime(batchStart).TotalMilliseconds);
            foreach ((CudaEditStage stage, double milliseconds) in result.StageMilliseconds)
            {
                stageTotals[stage.ToString()] = stageTotals.GetValueOrDefault(stage.ToString()) + milliseconds;
            }
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        long peakBufferBytes = DeviceMemory.PeakBytes;
        // Read while the pipeline still holds its buffers and the libraries their workspaces.
        DeviceMemoryInfo device = backend.MemoryInfo();
        double gpuTotal = stageTotals.Values.Sum();
        var shares = stageTotals.ToDictionary(p => p.Key, p => gpuTotal > 0 ? p.Value / gpuTotal : 0);
        return Measurement("edit", "cuda", pairs.Count, "pairs", batch, 1, seconds, latencies, $"batch of {batch} pairs", 7.0 * batches / pairs.Count) with
        {
            ShareOfTime = shares,
            PeakDeviceBufferMegabytes = peakBufferBytes / Megabyte,
            DeviceInUseMegabytes = device.UsedBytes / Megabyte,
        };
    }

    /// <summary>Segmentation, CLIP tokens, edit and mapping of the demo scene, <paramref name="workers"/> requests at a time.</summary>
    public static async Task<StageMeasurement> EmbedAsync(EditToAudioEngine engine, int pairs, int workers, CancellationToken cancellationToken)
    {
        EmbedRequest request = DemoRequest();
        await engine.EmbedAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false); // warm-up: sessions
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        long start = Stopwatch.GetTimestamp();
        await Parallel.ForAsync(0, pairs, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken }, async (_, token) =>
        {
            long pairStart = Stopwatch.GetTimestamp();
            await engine.EmbedAsync(request, cancellationToken: token).ConfigureAwait(false);
            latencies.Add(Stopwatch.GetElapsedTime(pairStart).TotalMilliseconds);
        }).ConfigureAwait(false);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return Measurement("embed", engine.Backend, pairs, "pairs", 1, workers, seconds, [.. latencies], "pair", 0);
    }

    /// <summary>Whole runs (embedding and one clip) of the demo scene; latency per clip.</summary>
    public static async Task<StageMeasurement> AudioAsync(EditToAudioEngine engine, int clips, int steps, CancellationToken cancellationToken)
    {
        var request = new RunRequest(DemoRequest()) { Audio = new AudioOptions { Sampler = new SamplerOptions { Steps = steps } } };
        await engine.RunAsync(request with { Audio = request.Audio with { Sampler = new SamplerOptions { Steps = 2 } } }, cancellationToken: cancellationToken).ConfigureAwait(false);
        var latencies = new List<double>();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < clips; i++)
        {
            RunResult result = await engine.RunAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
            latencies.Add(result.Embedding.Timings.Seconds[PipelineStage.Audio] * 1000);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return Measurement("audio", engine.Backend, clips, "clips", request.Audio.Candidates, 1, seconds, latencies, "clip", 0);
    }

    private static EmbedRequest DemoRequest()
    {
        DemoImages scene = DemoScene.Create();
        return new EmbedRequest(
            new RgbImage(scene.Width, scene.Height, scene.OriginalRgb, "demo original"), new RgbImage(scene.Width, scene.Height, scene.EditedRgb, "demo edited"),
            new PromptPoint(scene.RemovePoint.X, scene.RemovePoint.Y), new PromptPoint(scene.AddPoint.X, scene.AddPoint.Y));
    }

    /// <summary>A measurement; the command fills in the stage's own peak host memory (<see cref="StagePeak"/>).</summary>
    private static StageMeasurement Measurement(string stage, string device, int items, string unit, int batch, int workers, double seconds,
        IReadOnlyList<double> latencies, string latencyOf, double copiesPerItem)
    {
        double[] sorted = [.. latencies.Order()];
        return new StageMeasurement(stage, device, items, unit, batch, workers, seconds, items / seconds,
            Percentile(sorted, 0.50), Percentile(sorted, 0.95), latencyOf, 0, copiesPerItem);
    }

    private const double Megabyte = 1048576.0;

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double fraction) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
}
