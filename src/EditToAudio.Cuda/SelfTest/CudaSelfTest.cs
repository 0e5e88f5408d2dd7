using System.Diagnostics;
using EditToAudio.Audio;
using EditToAudio.Cuda.Compilation;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Native;
using EditToAudio.Cuda.Pipeline;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Numerics;
using EditToAudio.Reference;

namespace EditToAudio.Cuda.SelfTest;

/// <summary>Options of <see cref="CudaSelfTest.Run"/>.</summary>
public sealed record CudaSelfTestOptions
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
public sealed record CudaParityResult(string Name, bool Passed, string Measure, double Value, double Tolerance, string Error = "");

/// <summary>One benchmark row: the batched edit at one batch size.</summary>
/// <param name="Pairs">Pairs per batch.</param>
/// <param name="Precision">Eigen-stage precision.</param>
/// <param name="MillisecondsPerBatch">Mean wall time per batch, host to host.</param>
/// <param name="PairsPerSecond">Throughput.</param>
/// <param name="StageShare">Share of GPU time per stage (from a separate, event-timed run).</param>
public sealed record CudaBenchmarkResult(int Pairs, EigenPrecision Precision, double MillisecondsPerBatch, double PairsPerSecond,
    IReadOnlyDictionary<CudaEditStage, double> StageShare);

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
public sealed record CudaSelfTestReport(bool Supported, string Reason, CudaDeviceInfo? Device, string DriverVersion, string NvrtcVersion,
    string KernelTarget, IReadOnlyList<CudaParityResult> Parity, IReadOnlyList<CudaBenchmarkResult> Benchmark, string BenchmarkError = "",
    string CacheWriteError = "")
{
    /// <summary>True when supported and every parity check passed.</summary>
    public bool AllPassed => Supported && Parity.Count > 0 && Parity.All(p => p.Passed);
}

/// <summary>
/// Runs each GPU kernel against the float64 reference (<see cref="Float64Reference"/>) and benchmarks the batched edit. Library
/// code: it reports through the returned object and <see cref="IProgress{T}"/>, never the console.
/// </summary>
public static partial class CudaSelfTest
{
    /// <summary>Runs the self-test; a machine without a GPU or NVRTC yields an unsupported report, not an exception.</summary>
    public static CudaSelfTestReport Run(CudaSelfTestOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        CudaSupport support = CudaSupport.Detect();
        if (!support.IsSupported)
        {
            return new CudaSelfTestReport(false, support.Reason, null, support.DriverVersionText, "", "", [], []);
        }
        NvrtcCompiler? compiler = NvrtcCompiler.TryLoad(out string nvrtcReason);
        if (compiler is null)
        {
            return new CudaSelfTestReport(false, nvrtcReason, null, support.DriverVersionText, "", "", [], []);
        }

        using CudaBackend backend = CudaBackend.Open(new CudaBackendOptions { Device = options.Device, KernelCacheFolder = options.CacheFolder });
        EngineKernels kernels = backend.Kernels;
        KernelLibrary library = kernels.Library;
        var checks = new List<CudaParityResult>();
        void Check(string name, Func<CudaParityResult> check)
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
                checks.Add(new CudaParityResult(name, false, "error", double.NaN, double.NaN, e.Message));
            }
        }

        Check("philox known answers", () => PhiloxKnownAnswers(kernels));
        Check("philox normals", () => PhiloxNormals(kernels));
        Check("l2 normalize", () => Normalize(kernels));
        Check("variational mean", () => Variational(kernels));
        Check("ddim step", () => Ddim(kernels));
        Check("row noise", () => RowNoise(kernels));
        Check("sampler clip", () => SamplerClip(kernels));
        Check("latent scale", () => LatentScale(kernels));
        Check("mel transpose", () => MelTranspose(kernels));
        Check("image preprocess", () => Image(kernels));
        Check("sam2 preprocess", () => Sam2Preprocess(kernels));
        Check("batched edit fp32", () => Edit(backend.EditPipeline, EigenPrecision.SinglePrecision));
        Check("batched edit fp64", () => Edit(backend.EditPipeline, EigenPrecision.DoublePrecision));

        var benchmark = new List<CudaBenchmarkResult>();
        string benchmarkError = "";
        try
        {
            foreach (int pairs in options.BenchmarkBatchSizes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report($"benchmarking {pairs} pairs");
                benchmark.Add(Benchmark(kernels, backend.EditPipeline, pairs, Math.Max(options.BenchmarkRepetitions, 1), cancellationToken));
            }
        }
        catch (Exception e) when (e is CudaException or CudaLibraryNotFoundException or KernelCompilationException)
        {
            benchmarkError = e.Message;
        }
        return new CudaSelfTestReport(true, "", backend.Device, support.DriverVersionText, compiler.Version, library.Target.ToString(), checks, benchmark, benchmarkError,
            library.CacheWriteError ?? "");
    }

    private static CudaParityResult PhiloxKnownAnswers(EngineKernels kernels)
    {
        CudaContext context = kernels.Library.Context;
        uint max = uint.MaxValue;
        using DeviceBuffer<uint> input = context.Upload<uint>([0, 0, 0, 0, 0, 0, max, max, max, max, max, max]);
        using DeviceBuffer<uint> output = context.Allocate<uint>(8);
        kernels.PhiloxBlocks(input, output, 2);
        uint[] actual = output.ToArray(context.Stream);
        uint[] expected = [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd];
        int wrong = expected.Where((word, i) => actual[i] != word).Count();
        return new CudaParityResult("philox known answers", wrong == 0, "wrong words", wrong, 0);
    }

    private static CudaParityResult PhiloxNormals(EngineKernels kernels)
    {
        CudaContext context = kernels.Library.Context;
        const int count = 10_007;
        using DeviceBuffer<float> output = context.Allocate<float>(count);
        kernels.PhiloxNormals(output, count, 42, 3, 5);
        float[] actual = output.ToArray(context.Stream);
        int beyondOneUlp = 0;
        for (int i = 0; i < count; i++)
        {
            float expected = Float64Reference.Normal(42, 3, 5 + (ulong)i);
            if (actual[i] != expected && actual[i] != MathF.BitIncrement(expected) && actual[i] != MathF.BitDecrement(expected))
            {
                beyondOneUlp++;
            }
        }
        return new CudaParityResult("philox normals", beyondOneUlp == 0, "beyond 1 ulp", beyondOneUlp, 0);
    }

    private static CudaParityResult Normalize(EngineKernels kernels)
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
            double[] expected = Float64Reference.Normalize([.. values.AsSpan(r * columns, columns).ToArray().Select(v => (double)v)]);
            for (int c = 0; c < columns; c++)
            {
                worst = Math.Max(worst, Math.Abs(expected[c] - actual[r * columns + c]));
            }
        }
        return new CudaParityResult("l2 normalize", worst <= 1e-7, "max abs error", worst, 1e-7);
    }

    private static CudaParityResult Variational(EngineKernels kernels)
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
            {
                sum += mu[e] + Float64Reference.Normal(seeds[row], streams[row], (ulong)(s * width + e % width)) * sigma;
            }
            worst = Math.Max(worst, Math.Abs(sum / samples - actual[e]));
        }
        return new CudaParityResult("variational mean", worst <= 1e-5, "max abs error", worst, 1e-5);
    }

    private static CudaParityResult Ddim(EngineKernels kernels)
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
            float noise = Float64Reference.Normal(seeds[row], streams[row] | step, (ulong)(i % size));
            double expected = Float64Reference.DdimValue(latents[i], epsilon[i], epsilon[rows * size + i], guidance,
                coefficients.SqrtAlpha, coefficients.SqrtOneMinusAlpha, coefficients.SqrtAlphaPrevious, coefficients.Direction, coefficients.Sigma, noise);
            foreach (float value in (ReadOnlySpan<float>)[actual[i], actual[rows * size + i]])
            {
                worst = Math.Max(worst, Math.Abs(expected - value) / (1 + Math.Abs(expected)));
            }
        }
        return new CudaParityResult("ddim step", worst <= 1e-5, "max rel error", worst, 1e-5);
    }

    private static CudaParityResult Image(EngineKernels kernels)
    {
        // A constant image stays constant through any normalized resampling filter; this checks the
        // geometry, the fixed-point rounding and the normalization end to end.
        CudaContext context = kernels.Library.Context;
        const int height = 97, width = 131;
        byte[] image = [.. Enumerable.Repeat((byte)200, height * width * 3)];
        ClipGeometry geometry = ClipGeometry.For(width, height);
        const int size = ClipGeometry.InputSize;
        float[] mean = [0.48145466f, 0.4578275f, 0.40821073f], std = [0.26862954f, 0.26130258f, 0.27577711f];
        using DeviceBuffer<byte> images = context.Upload<byte>(image);
        using DeviceBuffer<byte> columns = context.Allocate<byte>((long)height * size * 3);
        using DeviceBuffer<float> pixels = context.Allocate<float>(3L * size * size);
        kernels.ResizeCropNormalize(images, 1, height, width, geometry, ResizeFilter.Bicubic, mean, std, columns, pixels);
        float[] actual = pixels.ToArray(context.Stream);
        const int plane = size * size;
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((200f / 255f - mean[i / plane]) / std[i / plane] - actual[i]));
        }
        return new CudaParityResult("image preprocess", worst <= 1e-6, "max abs error", worst, 1e-6);
    }

    private static CudaParityResult Edit(CudaEditPipeline pipeline, EigenPrecision precision)
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
        // Two settings, as a sweep runs them: the second reuses the first's eigendecomposition.
        EditParameters[] settings = [new EditParameters(), new EditParameters { K = 4, Alpha = 0.5, Beta = 3, Mix = new MixWeights(0.3, 0.3, 0.4) }];
        CudaHostEditResult result = pipeline.Run(original, edited, remove, add, pairs, settings, new CudaEditOptions { Precision = precision });
        double worst = 1;
        for (int s = 0; s < settings.Length; s++)
        {
            EditParameters p = settings[s];
            for (int pair = 0; pair < pairs; pair++)
            {
                double[][] originalRows = Float64Reference.NormalizedRows(original.AsSpan(pair * 257 * 768, 257 * 768), 768);
                double[][] editedRows = Float64Reference.NormalizedRows(edited.AsSpan(pair * 257 * 768, 257 * 768), 768);
                ReadOnlySpan<float> removeWeights = remove.AsSpan(pair * 256, 256), addWeights = add.AsSpan(pair * 256, 256);
                double[] suppressed = Float64Reference.SvdEdit(originalRows, removeWeights, p.K, p.Alpha);
                double[] boosted = Float64Reference.SvdEdit(editedRows, addWeights, p.K, p.Beta);
                double[] background = Float64Reference.Background(editedRows, removeWeights, addWeights);
                double[] combined = Float64Reference.Combine(suppressed, boosted, background, p.Mix.Suppressed, p.Mix.Boosted, p.Mix.Background);
                worst = Math.Min(worst, Float64Reference.Cosine(suppressed, result.Edits.AsSpan((s * 2 * pairs + pair) * 768, 768)));
                worst = Math.Min(worst, Float64Reference.Cosine(boosted, result.Edits.AsSpan((s * 2 * pairs + pairs + pair) * 768, 768)));
                worst = Math.Min(worst, Float64Reference.Cosine(combined, result.Embeddings.AsSpan((s * pairs + pair) * 768, 768)));
            }
        }
        string name = precision == EigenPrecision.SinglePrecision ? "batched edit fp32" : "batched edit fp64";
        return new CudaParityResult(name, worst >= 0.99999, "min cosine", worst, 0.99999);
    }

    private static CudaBenchmarkResult Benchmark(EngineKernels kernels, CudaEditPipeline pipeline, int pairs, int repetitions, CancellationToken cancellationToken)
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
        EditParameters[] settings = [new EditParameters()];
        var options = new CudaEditOptions { NormalizeTokens = false, Precision = EigenPrecision.SinglePrecision };
        kernels.NormalizeRows(original, (long)pairs * 257, 768);
        kernels.NormalizeRows(edited, (long)pairs * 257, 768);

        using (CudaEditResult warmUp = pipeline.Run(original, edited, remove, add, pairs, settings, options, null, cancellationToken))
        {
            context.Stream.Synchronize();
        }
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repetitions; i++)
        {
            using CudaEditResult result = pipeline.Run(original, edited, remove, add, pairs, settings, options, null, cancellationToken);
            context.Stream.Synchronize();
        }
        double milliseconds = clock.Elapsed.TotalMilliseconds / repetitions;

        using CudaEditResult timed = pipeline.Run(original, edited, remove, add, pairs, settings, options with { MeasureStages = true }, null, cancellationToken);
        double total = timed.StageMilliseconds.Values.Sum();
        Dictionary<CudaEditStage, double> share = timed.StageMilliseconds.ToDictionary(s => s.Key, s => total > 0 ? s.Value / total : 0);
        return new CudaBenchmarkResult(pairs, options.Precision, milliseconds, pairs / (milliseconds / 1000), share);
    }

    private static float[] RandomTokens(Random random, int images)
    {
        var tokens = new float[images * 257 * 768];
        var shared = new float[768];
        for (int c = 0; c < 768; c++)
        {
            shared[c] = (float)(random.NextDouble() * 2 - 1);
        }
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = shared[i % 768] + (float)(random.NextDouble() * 2 - 1);
        }
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
            {
                weights[i * 256 + p] = random.NextDouble() < coverage ? 1f : 0f;
            }
        }
        return weights;
    }
}
