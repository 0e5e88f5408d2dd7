using System.Diagnostics;
using EditToAudio.Audio;
using EditToAudio.Cuda.Compilation;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Native;
using EditToAudio.Cuda.Pipeline;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Numerics;

namespace EditToAudio.Cuda.SelfTest;

/// <summary>Options of <see cref="GpuSelfTest.Run"/>.</summary>
public sealed record GpuSelfTestOptions
{
    /// <summary>Batch sizes (pairs) of the benchmark; empty skips it.</summary>
    public IReadOnlyList<int> BenchmarkBatchSizes { get; init; } = [256, 1024, 4096];

    /// <summary>Timed repetitions per batch size (after one warm-up run).</summary>
    public int BenchmarkRepetitions { get; init; } = 3;

    /// <summary>The kernel cache folder; null uses <see cref="KernelCache.DefaultFolder"/>.</summary>
    public string? CacheFolder { get; init; }

    /// <summary>The device ordinal.</summary>
    public int Device { get; init; }
}

/// <summary>One parity check: a kernel against its float64 host reference.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Passed">Whether the error stayed within the tolerance.</param>
/// <param name="Measure">What <paramref name="Value"/> is ("max abs error", "min cosine", "mismatches").</param>
/// <param name="Value">The measured error.</param>
/// <param name="Tolerance">The bound it had to meet.</param>
/// <param name="Error">Why the check could not run (a missing library, a failed call); empty when it ran.</param>
public sealed record GpuParityResult(string Name, bool Passed, string Measure, double Value, double Tolerance, string Error = "");

/// <summary>One benchmark row: the batched edit at one batch size.</summary>
/// <param name="Pairs">Pairs per batch.</param>
/// <param name="Precision">Eigen-stage precision.</param>
/// <param name="MillisecondsPerBatch">Mean wall time per batch, host to host.</param>
/// <param name="PairsPerSecond">Throughput.</param>
/// <param name="StageShare">Share of GPU time per stage (from a separate, event-timed run).</param>
public sealed record GpuBenchmarkResult(int Pairs, EigenPrecision Precision, double MillisecondsPerBatch, double PairsPerSecond,
    IReadOnlyDictionary<GpuEditStage, double> StageShare);

/// <summary>Everything the self-test found.</summary>
/// <param name="Supported">Whether a GPU was usable.</param>
/// <param name="Reason">Why not, when not supported.</param>
/// <param name="Device">The device used, when supported.</param>
/// <param name="DriverVersion">The driver's CUDA version.</param>
/// <param name="NvrtcVersion">NVRTC's version.</param>
/// <param name="KernelTarget">What the kernels were compiled for.</param>
/// <param name="Parity">The parity checks.</param>
/// <param name="Benchmark">The benchmark rows.</param>
/// <param name="BenchmarkError">Why the benchmark stopped early; empty when it completed.</param>
/// <param name="CacheWriteError">Why a compiled kernel could not be stored in the disk cache; empty when every store worked.</param>
public sealed record GpuSelfTestReport(bool Supported, string Reason, CudaDeviceInfo? Device, string DriverVersion, string NvrtcVersion,
    string KernelTarget, IReadOnlyList<GpuParityResult> Parity, IReadOnlyList<GpuBenchmarkResult> Benchmark, string BenchmarkError = "",
    string CacheWriteError = "")
{
    /// <summary>True when supported and every parity check passed.</summary>
    public bool AllPassed => Supported && Parity.Count > 0 && Parity.All(p => p.Passed);
}

/// <summary>
/// Runs each GPU kernel against a float64 host reference and benchmarks the batched edit. Library
/// code: it reports through the returned object and <see cref="IProgress{T}"/>, never the console.
/// </summary>
public static partial class GpuSelfTest
{
    /// <summary>Runs the self-test; a machine without a GPU or NVRTC yields an unsupported report, not an exception.</summary>
    public static GpuSelfTestReport Run(GpuSelfTestOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        CudaSupport support = CudaSupport.Detect();
        if (!support.IsSupported)
            return new GpuSelfTestReport(false, support.Reason, null, support.DriverVersionText, "", "", [], []);
        NvrtcCompiler? compiler = NvrtcCompiler.TryLoad(out string nvrtcReason);
        if (compiler is null)
            return new GpuSelfTestReport(false, nvrtcReason, null, support.DriverVersionText, "", "", [], []);

        using CudaContext context = CudaContext.Open(options.Device);
        using var library = new KernelLibrary(context, compiler, new KernelCache(options.CacheFolder ?? KernelCache.DefaultFolder));
        var kernels = new EngineKernels(library);
        var checks = new List<GpuParityResult>();
        void Check(string name, Func<GpuParityResult> check)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report("checking " + name);
            try
            {
                checks.Add(check());
            }
            catch (Exception e) when (e is CudaException or CudaLibraryNotFoundException or KernelCompilationException or NotSupportedException)
            {
                // One broken piece (say, cuSOLVER missing) must not hide the results of the others.
                checks.Add(new GpuParityResult(name, false, "error", double.NaN, double.NaN, e.Message));
            }
        }

        Check("philox known answers", () => PhiloxKnownAnswers(kernels));
        Check("philox normals", () => PhiloxNormals(kernels));
        Check("mask weights (stretch)", () => MaskWeights(kernels, MaskAlignment.Stretch));
        Check("mask weights (crop)", () => MaskWeights(kernels, MaskAlignment.Crop));
        Check("l2 normalize", () => Normalize(kernels));
        Check("variational mean", () => Variational(kernels));
        Check("ddim step", () => Ddim(kernels));
        Check("row noise", () => RowNoise(kernels));
        Check("sampler clip", () => SamplerClip(kernels));
        Check("latent scale", () => LatentScale(kernels));
        Check("mel transpose", () => MelTranspose(kernels));
        Check("image preprocess", () => Image(kernels));
        Check("sam2 preprocess", () => Sam2Preprocess(kernels));
        Check("batched edit fp32", () => Edit(kernels, EigenPrecision.SinglePrecision));
        Check("batched edit fp64", () => Edit(kernels, EigenPrecision.DoublePrecision));

        var benchmark = new List<GpuBenchmarkResult>();
        string benchmarkError = "";
        try
        {
            foreach (int pairs in options.BenchmarkBatchSizes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report($"benchmarking {pairs} pairs");
                benchmark.Add(Benchmark(kernels, pairs, Math.Max(options.BenchmarkRepetitions, 1), cancellationToken));
            }
        }
        catch (Exception e) when (e is CudaException or CudaLibraryNotFoundException or KernelCompilationException)
        {
            benchmarkError = e.Message;
        }
        return new GpuSelfTestReport(true, "", context.Device, support.DriverVersionText, compiler.Version, library.Target.ToString(), checks, benchmark, benchmarkError,
            library.CacheWriteError ?? "");
    }

    private static GpuParityResult PhiloxKnownAnswers(EngineKernels kernels)
    {
        CudaContext context = kernels.Library.Context;
        uint max = uint.MaxValue;
        using DeviceBuffer<uint> input = context.Upload<uint>([0, 0, 0, 0, 0, 0, max, max, max, max, max, max]);
        using DeviceBuffer<uint> output = context.Allocate<uint>(8);
        kernels.PhiloxBlocks(input, output, 2);
        uint[] actual = output.ToArray(context.Stream);
        uint[] expected = [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd];
        int wrong = expected.Where((word, i) => actual[i] != word).Count();
        return new GpuParityResult("philox known answers", wrong == 0, "wrong words", wrong, 0);
    }

    private static GpuParityResult PhiloxNormals(EngineKernels kernels)
    {
        CudaContext context = kernels.Library.Context;
        const int count = 10_007;
        using DeviceBuffer<float> output = context.Allocate<float>(count);
        kernels.PhiloxNormals(output, count, 42, 3, 5);
        float[] actual = output.ToArray(context.Stream);
        int beyondOneUlp = 0;
        for (int i = 0; i < count; i++)
        {
            float expected = SelfTestReferences.Normal(42, 3, 5 + (ulong)i);
            if (actual[i] != expected && actual[i] != MathF.BitIncrement(expected) && actual[i] != MathF.BitDecrement(expected))
                beyondOneUlp++;
        }
        return new GpuParityResult("philox normals", beyondOneUlp == 0, "beyond 1 ulp", beyondOneUlp, 0);
    }

    private static GpuParityResult MaskWeights(EngineKernels kernels, MaskAlignment alignment)
    {
        CudaContext context = kernels.Library.Context;
        const int count = 3, height = 123, width = 77;
        var random = new Random(17);
        byte[] masks = new byte[count * height * width];
        for (int i = 0; i < masks.Length; i++)
            masks[i] = (byte)(random.NextDouble() < 0.3 ? 1 : 0);
        using DeviceBuffer<byte> maskBuffer = context.Upload<byte>(masks);
        using DeviceBuffer<float> pooled = context.Allocate<float>(count * 256);
        using DeviceBuffer<float> weights = context.Allocate<float>(count * 256);
        kernels.MaskPatchWeights(maskBuffer, count, height, width, alignment, 0.5f, pooled, weights);
        float[] actual = pooled.ToArray(context.Stream);
        var geometry = ClipGeometry.For(width, height);
        double worst = 0;
        for (int m = 0; m < count; m++)
        {
            double[] expected = alignment == MaskAlignment.Stretch
                ? SelfTestReferences.PooledMask(masks, m * height * width, height, width, 224, 224, 0, 0)
                : SelfTestReferences.PooledMask(masks, m * height * width, height, width, geometry.ResizedHeight, geometry.ResizedWidth, geometry.CropTop, geometry.CropLeft);
            for (int p = 0; p < 256; p++)
                worst = Math.Max(worst, Math.Abs(expected[p] - actual[m * 256 + p]));
        }
        return new GpuParityResult($"mask weights ({alignment.ToString().ToLowerInvariant()})", worst <= 1e-6, "max abs error", worst, 1e-6);
    }

    private static GpuParityResult Normalize(EngineKernels kernels)
    {
        CudaContext context = kernels.Library.Context;
        const int rows = 1001, columns = 768;
        var random = new Random(2);
        float[] values = [.. Enumerable.Range(0, rows * columns).Select(_ => (float)(random.NextDouble() * 10 - 5))];
        using DeviceBuffer<float> buffer = context.Upload<float>(values);
        kernels.NormalizeRows(buffer, rows, columns);
        float[] actual = buffer.ToArray(context.Stream);
        double worst = 0;
        for (int r = 0; r < rows; r++)
        {
            double[] expected = SelfTestReferences.Unit([.. values.AsSpan(r * columns, columns).ToArray().Select(v => (double)v)]);
            for (int c = 0; c < columns; c++)
                worst = Math.Max(worst, Math.Abs(expected[c] - actual[r * columns + c]));
        }
        return new GpuParityResult("l2 normalize", worst <= 1e-7, "max abs error", worst, 1e-7);
    }

    private static GpuParityResult Variational(EngineKernels kernels)
    {
        // Three rows of SSV2A's manifold width, each with its own (seed, stream) as the mapper keys them.
        CudaContext context = kernels.Library.Context;
        const int rows = 3, width = 768, samples = 64;
        var random = new Random(4);
        float[] mu = [.. Enumerable.Range(0, rows * width).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        float[] logVariance = [.. Enumerable.Range(0, rows * width).Select(_ => (float)(random.NextDouble() * 4 - 3))];
        ulong[] seeds = [42, 42, 7];
        ulong[] streams = [.. Enumerable.Range(0, rows).Select(r => NoiseStream.Id(NoiseStage.Ssv2aManifold, 0, r))];
        using DeviceBuffer<float> muBuffer = context.Upload<float>(mu);
        using DeviceBuffer<float> logVarianceBuffer = context.Upload<float>(logVariance);
        using DeviceBuffer<ulong> seedBuffer = context.Upload<ulong>(seeds);
        using DeviceBuffer<ulong> streamBuffer = context.Upload<ulong>(streams);
        using DeviceBuffer<float> output = context.Allocate<float>(rows * width);
        kernels.VariationalMean(muBuffer, logVarianceBuffer, output, rows, width, samples, seedBuffer, streamBuffer);
        float[] actual = output.ToArray(context.Stream);
        double worst = 0;
        for (int e = 0; e < rows * width; e++)
        {
            int row = e / width;
            double sigma = Math.Exp(0.5 * logVariance[e]), sum = 0;
            for (int s = 0; s < samples; s++)
                sum += mu[e] + SelfTestReferences.Normal(seeds[row], streams[row], (ulong)(s * width + e % width)) * sigma;
            worst = Math.Max(worst, Math.Abs(sum / samples - actual[e]));
        }
        return new GpuParityResult("variational mean", worst <= 1e-5, "max abs error", worst, 1e-5);
    }

    private static GpuParityResult Ddim(EngineKernels kernels)
    {
        // Three guided candidates of one latent plus a tail (not a multiple of the block), in the UNet's
        // [unconditional copy, latents] layout, at a real step of the 200-step schedule.
        CudaContext context = kernels.Library.Context;
        const int rows = 3, size = 8 * 256 * 16 + 5;
        const double guidance = 2.5;
        const ulong step = 7;
        DdimStepCoefficients coefficients = DdimSchedule.Create(BetaSchedule.AudioLdm, 200, 1.0).Coefficients(200 - 1 - (int)step);
        var random = new Random(6);
        float[] Draw(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2))];
        float[] latents = Draw(rows * size), epsilon = Draw(2 * rows * size);
        ulong[] seeds = [42, 42, 43];
        ulong[] streams = [.. Enumerable.Range(0, rows).Select(r => NoiseStream.Id(NoiseStage.DiffusionStep, r, 0))];
        using DeviceBuffer<float> sample = context.Upload<float>([.. latents, .. latents]);
        using DeviceBuffer<float> eps = context.Upload<float>(epsilon);
        using DeviceBuffer<ulong> seedBuffer = context.Upload<ulong>(seeds);
        using DeviceBuffer<ulong> streamBuffer = context.Upload<ulong>(streams);
        kernels.DdimStep(sample, eps, rows, size, guided: true, guidance, coefficients, seedBuffer, streamBuffer, step);
        float[] actual = sample.ToArray(context.Stream);
        double worst = 0;
        for (int i = 0; i < rows * size; i++)
        {
            int row = i / size;
            float noise = SelfTestReferences.Normal(seeds[row], streams[row] | step, (ulong)(i % size));
            double expected = SelfTestReferences.DdimValue(latents[i], epsilon[i], epsilon[rows * size + i], guidance, coefficients, noise);
            foreach (float value in (ReadOnlySpan<float>)[actual[i], actual[rows * size + i]])
                worst = Math.Max(worst, Math.Abs(expected - value) / (1 + Math.Abs(expected)));
        }
        return new GpuParityResult("ddim step", worst <= 1e-5, "max rel error", worst, 1e-5);
    }

    private static GpuParityResult Image(EngineKernels kernels)
    {
        // A constant image stays constant through any normalized resampling filter; this checks the
        // geometry, the fixed-point rounding and the normalization end to end.
        CudaContext context = kernels.Library.Context;
        const int height = 97, width = 131;
        byte[] image = [.. Enumerable.Repeat((byte)200, height * width * 3)];
        ImageGeometry geometry = ImageGeometry.Clip(width, height);
        float[] mean = [0.48145466f, 0.4578275f, 0.40821073f], std = [0.26862954f, 0.26130258f, 0.27577711f];
        using DeviceBuffer<byte> images = context.Upload<byte>(image);
        using DeviceBuffer<byte> columns = context.Allocate<byte>((long)height * geometry.OutputWidth * 3);
        using DeviceBuffer<float> pixels = context.Allocate<float>(3L * geometry.OutputHeight * geometry.OutputWidth);
        kernels.ResizeCropNormalize(images, 1, height, width, geometry, ResizeFilter.Bicubic, mean, std, columns, pixels);
        float[] actual = pixels.ToArray(context.Stream);
        int plane = geometry.OutputHeight * geometry.OutputWidth;
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
            worst = Math.Max(worst, Math.Abs((200f / 255f - mean[i / plane]) / std[i / plane] - actual[i]));
        return new GpuParityResult("image preprocess", worst <= 1e-6, "max abs error", worst, 1e-6);
    }

    private static GpuParityResult Edit(EngineKernels kernels, EigenPrecision precision)
    {
        const int pairs = 6;
        var random = new Random(11);
        float[] original = RandomTokens(random, pairs), edited = RandomTokens(random, pairs);
        float[] remove = RandomWeights(random, pairs, 0.1, 0.4), add = RandomWeights(random, pairs, 0.1, 0.4);
        // Edge cases: an empty selection, one patch, every patch.
        Array.Clear(remove, 256, 256);
        Array.Clear(add, 2 * 256, 256);
        add[2 * 256 + 100] = 1;
        Array.Fill(remove, 1f, 3 * 256, 256);
        var settings = new GpuEditSettings { Precision = precision };
        using var pipeline = new GpuEditPipeline(kernels);
        HostEditResult result = pipeline.Run(original, edited, remove, add, pairs, settings);
        double worst = 1;
        for (int p = 0; p < pairs; p++)
        {
            double[] suppressed = SelfTestReferences.SvdEdit(original, remove, p, settings.TopK, settings.SuppressFactor);
            double[] boosted = SelfTestReferences.SvdEdit(edited, add, p, settings.TopK, settings.BoostFactor);
            double[] background = SelfTestReferences.Background(edited, remove, add, p);
            double[] combined = SelfTestReferences.Unit([.. Enumerable.Range(0, 768).Select(c =>
                settings.SuppressWeight * suppressed[c] + settings.BoostWeight * boosted[c] + settings.BackgroundWeight * background[c])]);
            worst = Math.Min(worst, SelfTestReferences.Cosine(suppressed, result.Edits.AsSpan(p * 768, 768)));
            worst = Math.Min(worst, SelfTestReferences.Cosine(boosted, result.Edits.AsSpan((pairs + p) * 768, 768)));
            worst = Math.Min(worst, SelfTestReferences.Cosine(combined, result.Embeddings.AsSpan(p * 768, 768)));
        }
        string name = precision == EigenPrecision.SinglePrecision ? "batched edit fp32" : "batched edit fp64";
        return new GpuParityResult(name, worst >= 0.99999, "min cosine", worst, 0.99999);
    }

    private static GpuBenchmarkResult Benchmark(EngineKernels kernels, int pairs, int repetitions, CancellationToken cancellationToken)
    {
        CudaContext context = kernels.Library.Context;
        long tokenCount = (long)pairs * 257 * 768;
        // Tokens are drawn on the device (Philox normals), so the benchmark does not wait on host uploads of gigabytes.
        using DeviceBuffer<float> original = context.Allocate<float>(tokenCount);
        using DeviceBuffer<float> edited = context.Allocate<float>(tokenCount);
        kernels.PhiloxNormals(original, tokenCount, 1, 1);
        kernels.PhiloxNormals(edited, tokenCount, 1, 2);
        var random = new Random(pairs);
        using DeviceBuffer<float> remove = context.Upload<float>(RandomWeights(random, pairs, 0.1, 0.4));
        using DeviceBuffer<float> add = context.Upload<float>(RandomWeights(random, pairs, 0.1, 0.4));
        using var pipeline = new GpuEditPipeline(kernels);
        var settings = new GpuEditSettings { NormalizeTokens = false };
        kernels.NormalizeRows(original, (long)pairs * 257, 768);
        kernels.NormalizeRows(edited, (long)pairs * 257, 768);

        using (GpuEditResult warmUp = pipeline.Run(original, edited, remove, add, pairs, settings, null, cancellationToken))
            context.Stream.Synchronize();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repetitions; i++)
        {
            using GpuEditResult result = pipeline.Run(original, edited, remove, add, pairs, settings, null, cancellationToken);
            context.Stream.Synchronize();
        }
        double milliseconds = clock.Elapsed.TotalMilliseconds / repetitions;

        using GpuEditResult timed = pipeline.Run(original, edited, remove, add, pairs, settings with { MeasureStages = true }, null, cancellationToken);
        double total = timed.StageMilliseconds.Values.Sum();
        Dictionary<GpuEditStage, double> share = timed.StageMilliseconds.ToDictionary(s => s.Key, s => total > 0 ? s.Value / total : 0);
        return new GpuBenchmarkResult(pairs, settings.Precision, milliseconds, pairs / (milliseconds / 1000), share);
    }

    private static float[] RandomTokens(Random random, int images)
    {
        var tokens = new float[images * 257 * 768];
        var shared = new float[768];
        for (int c = 0; c < 768; c++)
            shared[c] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < tokens.Length; i++)
            tokens[i] = shared[i % 768] + (float)(random.NextDouble() * 2 - 1);
        return tokens;
    }

    // Per image a coverage drawn from [low, high]; each patch selected with that probability.
    private static float[] RandomWeights(Random random, int images, double low, double high)
    {
        var weights = new float[images * 256];
        for (int i = 0; i < images; i++)
        {
            double coverage = low + (high - low) * random.NextDouble();
            for (int p = 0; p < 256; p++)
                weights[i * 256 + p] = random.NextDouble() < coverage ? 1f : 0f;
        }
        return weights;
    }
}
