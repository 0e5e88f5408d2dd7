using System.Globalization;
using System.Runtime.CompilerServices;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Native;

namespace EditToAudio.Cuda.Pipeline;

/// <summary>
/// The edit math for a whole batch of image pairs on the GPU, in a fixed number of launches:
/// normalize → count → gather → Gram (cuBLAS strided-batched GEMM) → eigenvectors (cuSOLVER
/// syevjBatched, ascending) → re-weight → background → combine. Suppression of the removed object and
/// boosting of the added one run as one batch of 2P items. Scratch buffers grow as needed and are
/// reused between runs.
/// </summary>
public sealed class GpuEditPipeline : IDisposable
{
    // Matrices per syevjBatched call.
    private const int MaxEigenBatch = 4096;

    private readonly EngineKernels kernels;
    private readonly CuBlasHandle blas;
    private readonly CuSolverHandle solver;
    private readonly EigenScratch<float> singleScratch = new();
    private readonly EigenScratch<double> doubleScratch = new();
    private SyevjInfoHandle syevj;
    private readonly List<IDisposable> scratch = [];
    private DeviceBuffer<int>? counts;
    private DeviceBuffer<int>? solverStatus;
    // Fresh syevj parameters carry cuSOLVER's default tolerance, which EigenTolerance = 0 stands for.
    private double configuredTolerance;
    private int configuredSweeps = -1;

    /// <summary>Creates the cuBLAS and cuSOLVER handles on the kernels' context and stream.</summary>
    public GpuEditPipeline(EngineKernels kernels)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        this.kernels = kernels;
        CudaContext context = Context;
        CudaLibraryLocator.LoadShared(CudaLibrary.CuBlas);
        CudaLibraryLocator.LoadShared(CudaLibrary.CuSolver);
        using (context.Bind())
        {
            CuBlas.Check(CuBlas.cublasCreate_v2(out IntPtr blasHandle));
            blas = new CuBlasHandle(context.Handle, blasHandle);
            CuBlas.Check(CuBlas.cublasSetStream_v2(blasHandle, context.Stream.NativeHandle));
            CuSolver.Check(CuSolver.cusolverDnCreate(out IntPtr solverHandle));
            solver = new CuSolverHandle(context.Handle, solverHandle);
            CuSolver.Check(CuSolver.cusolverDnSetStream(solverHandle, context.Stream.NativeHandle));
            syevj = CreateSyevjInfo(context);
        }
    }

    private CudaContext Context => kernels.Library.Context;

    private CudaStream Stream => Context.Stream;

    /// <summary>
    /// Runs the edit for <paramref name="pairs"/> pairs whose data already lives on the device.
    /// Token buffers are <c>[P, 257, 768]</c> (normalized in place when <see cref="GpuEditSettings.NormalizeTokens"/>),
    /// weight buffers <c>[P, 256]</c> (a patch is selected when its weight is > 0.5). The result's buffers belong to the caller.
    /// </summary>
    public GpuEditResult Run(DeviceBuffer<float> originalTokens, DeviceBuffer<float> editedTokens, DeviceBuffer<float> removeWeights,
        DeviceBuffer<float> addWeights, int pairs, GpuEditSettings settings, IProgress<GpuEditStage>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(originalTokens);
        ArgumentNullException.ThrowIfNull(editedTokens);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        settings.Validate();
        using ContextScope scope = Context.Bind();
        var timings = new StageTimer(Stream, settings.MeasureStages);
        var warnings = new List<string>();
        double weightSum = settings.SuppressWeight + settings.BoostWeight + settings.BackgroundWeight;
        if (Math.Abs(weightSum - 1) > 0.01)
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"the combination weights a+b+g sum to {weightSum:0.###}, not 1"));

        void Stage(GpuEditStage stage)
        {
            cancellationToken.ThrowIfCancellationRequested();
            timings.Next(stage);
            progress?.Report(stage);
        }

        int items = 2 * pairs;
        if (settings.NormalizeTokens)
        {
            Stage(GpuEditStage.Normalize);
            kernels.NormalizeRows(originalTokens, (long)pairs * EngineKernels.Tokens, EngineKernels.Width);
            kernels.NormalizeRows(editedTokens, (long)pairs * EngineKernels.Tokens, EngineKernels.Width);
        }

        Stage(GpuEditStage.Count);
        DeviceBuffer<int> selectedCounts = Grow(ref counts, items);
        kernels.CountSelected(removeWeights, addWeights, pairs, selectedCounts);
        int[] selected = selectedCounts.ToArray(Stream)[..items];
        int n = selected.Max() + 1;
        bool[] emptyRemove = [.. selected[..pairs].Select(c => c == 0)];
        bool[] emptyAdd = [.. selected[pairs..].Select(c => c == 0)];
        if (emptyRemove.Any(e => e))
            warnings.Add($"{emptyRemove.Count(e => e)} pair(s) select no patch of the removed object; their suppressed embedding is zero");
        if (emptyAdd.Any(e => e))
            warnings.Add($"{emptyAdd.Count(e => e)} pair(s) select no patch of the added object; their boosted embedding is zero");

        var edits = Context.Allocate<float>((long)items * EngineKernels.Width);
        var background = Context.Allocate<float>((long)pairs * EngineKernels.Width);
        var embeddings = Context.Allocate<float>((long)pairs * EngineKernels.Width);
        try
        {
            int notConverged = settings.Precision == EigenPrecision.SinglePrecision
                ? EditRows(originalTokens, editedTokens, removeWeights, addWeights, pairs, n, settings, singleScratch, edits, Stage)
                : EditRows(originalTokens, editedTokens, removeWeights, addWeights, pairs, n, settings, doubleScratch, edits, Stage);
            if (notConverged > 0)
                warnings.Add($"syevj did not reach its tolerance within {settings.EigenMaxSweeps} sweeps for {notConverged} matrix(es)");

            Stage(GpuEditStage.Background);
            kernels.BackgroundMean(editedTokens, removeWeights, addWeights, pairs, background);
            Stage(GpuEditStage.Combine);
            kernels.Combine(edits, background, pairs, settings.SuppressWeight, settings.BoostWeight, settings.BackgroundWeight, embeddings);
            IReadOnlyDictionary<GpuEditStage, double> stageMilliseconds = timings.Finish();
            return new GpuEditResult(pairs, n, embeddings, edits, background, emptyRemove, emptyAdd, warnings, stageMilliseconds);
        }
        catch
        {
            edits.Dispose();
            background.Dispose();
            embeddings.Dispose();
            throw;
        }
        finally
        {
            timings.Dispose();
        }
    }

    /// <summary>Host convenience: uploads the arrays, runs <see cref="Run(DeviceBuffer{float}, DeviceBuffer{float}, DeviceBuffer{float}, DeviceBuffer{float}, int, GpuEditSettings, IProgress{GpuEditStage}?, CancellationToken)"/> and downloads the results.</summary>
    public HostEditResult Run(ReadOnlySpan<float> originalTokens, ReadOnlySpan<float> editedTokens, ReadOnlySpan<float> removeWeights,
        ReadOnlySpan<float> addWeights, int pairs, GpuEditSettings settings, IProgress<GpuEditStage>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        RequireHostLength(originalTokens.Length, (long)pairs * EngineKernels.Tokens * EngineKernels.Width, nameof(originalTokens));
        RequireHostLength(editedTokens.Length, (long)pairs * EngineKernels.Tokens * EngineKernels.Width, nameof(editedTokens));
        RequireHostLength(removeWeights.Length, (long)pairs * EngineKernels.Patches, nameof(removeWeights));
        RequireHostLength(addWeights.Length, (long)pairs * EngineKernels.Patches, nameof(addWeights));
        using DeviceBuffer<float> original = Context.Upload(originalTokens);
        using DeviceBuffer<float> edited = Context.Upload(editedTokens);
        using DeviceBuffer<float> remove = Context.Upload(removeWeights);
        using DeviceBuffer<float> add = Context.Upload(addWeights);
        using GpuEditResult result = Run(original, edited, remove, add, pairs, settings, progress, cancellationToken);
        return new HostEditResult(
            result.Embeddings.ToArray(Stream),
            result.Edits.ToArray(Stream),
            result.Background.ToArray(Stream),
            result.RowCount,
            result.EmptyRemoveSelection,
            result.EmptyAddSelection,
            result.Warnings,
            result.StageMilliseconds);
    }

    // One flow for both precisions; only the three native calls differ by element type.
    private int EditRows<T>(DeviceBuffer<float> original, DeviceBuffer<float> edited, DeviceBuffer<float> remove, DeviceBuffer<float> add,
        int pairs, int n, GpuEditSettings settings, EigenScratch<T> buffers, DeviceBuffer<float> edits, Action<GpuEditStage> stage)
        where T : unmanaged
    {
        int items = 2 * pairs;
        stage(GpuEditStage.Gather);
        DeviceBuffer<T> rows = Grow(ref buffers.Rows, (long)items * n * EngineKernels.Width);
        kernels.GatherRows(original, edited, remove, add, pairs, n, rows);

        stage(GpuEditStage.Gram);
        DeviceBuffer<T> gram = Grow(ref buffers.Gram, (long)items * n * n);
        GramMatrices(rows, gram, n, items);

        stage(GpuEditStage.Eigen);
        ConfigureSyevj(settings);
        DeviceBuffer<T> eigenvalues = Grow(ref buffers.Eigenvalues, (long)items * n);
        DeviceBuffer<int> status = Grow(ref solverStatus, items);
        // Chunks keep syevj's 32-bit workspace size in range for large batches.
        int chunk = Math.Min(items, MaxEigenBatch);
        int workElements = EigenWorkspaceSize(gram, eigenvalues, n, chunk);
        DeviceBuffer<T> work = Grow(ref buffers.Work, Math.Max(workElements, 1));
        ulong elementBytes = (ulong)Unsafe.SizeOf<T>();
        for (int start = 0; start < items; start += chunk)
        {
            int size = Math.Min(chunk, items - start);
            Eigenvectors<T>(gram.DevicePointer + (ulong)start * (ulong)n * (ulong)n * elementBytes, eigenvalues.DevicePointer + (ulong)start * (ulong)n * elementBytes,
                work.DevicePointer, workElements, status.DevicePointer + (ulong)start * sizeof(int), n, size);
        }

        stage(GpuEditStage.Reweight);
        kernels.ReweightRows(rows, gram, counts!, pairs, n, settings.TopK, settings.SuppressFactor, settings.BoostFactor, edits);
        return CountNotConverged(items);
    }

    // G = X Xᵀ per item. Row-major X [n, 768] is the column-major 768×n matrix Xᵀ, so G = (Xᵀ)ᵀ (Xᵀ).
    private unsafe void GramMatrices<T>(DeviceBuffer<T> rows, DeviceBuffer<T> gram, int n, int items) where T : unmanaged
    {
        IntPtr handle = blas.DangerousGetHandle();
        long rowStride = (long)n * EngineKernels.Width, gramStride = (long)n * n;
        if (typeof(T) == typeof(float))
        {
            float one = 1f, zero = 0f;
            CuBlas.Check(CuBlas.cublasSgemmStridedBatched(handle, CuBlasOperation.Transpose, CuBlasOperation.None, n, n, EngineKernels.Width,
                &one, rows.DevicePointer, EngineKernels.Width, rowStride, rows.DevicePointer, EngineKernels.Width, rowStride,
                &zero, gram.DevicePointer, n, gramStride, items));
        }
        else
        {
            double one = 1, zero = 0;
            CuBlas.Check(CuBlas.cublasDgemmStridedBatched(handle, CuBlasOperation.Transpose, CuBlasOperation.None, n, n, EngineKernels.Width,
                &one, rows.DevicePointer, EngineKernels.Width, rowStride, rows.DevicePointer, EngineKernels.Width, rowStride,
                &zero, gram.DevicePointer, n, gramStride, items));
        }
    }

    // syevjBatched's workspace for `batch` matrices, in elements of T (the legacy API counts elements, not bytes).
    private int EigenWorkspaceSize<T>(DeviceBuffer<T> gram, DeviceBuffer<T> eigenvalues, int n, int batch) where T : unmanaged
    {
        int elements;
        if (typeof(T) == typeof(float))
        {
            CuSolver.Check(CuSolver.cusolverDnSsyevjBatched_bufferSize(solver.DangerousGetHandle(), CuSolverEigenMode.ValuesAndVectors, CuBlasFillMode.Lower,
                n, gram.DevicePointer, n, eigenvalues.DevicePointer, out elements, syevj.DangerousGetHandle(), batch));
        }
        else
        {
            CuSolver.Check(CuSolver.cusolverDnDsyevjBatched_bufferSize(solver.DangerousGetHandle(), CuSolverEigenMode.ValuesAndVectors, CuBlasFillMode.Lower,
                n, gram.DevicePointer, n, eigenvalues.DevicePointer, out elements, syevj.DangerousGetHandle(), batch));
        }
        return elements;
    }

    // Eigenvalues ascending and eigenvectors in place (column-major) of `batch` consecutive n×n matrices.
    private void Eigenvectors<T>(ulong matrices, ulong eigenvalues, ulong work, int workElements, ulong status, int n, int batch) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            CuSolver.Check(CuSolver.cusolverDnSsyevjBatched(solver.DangerousGetHandle(), CuSolverEigenMode.ValuesAndVectors, CuBlasFillMode.Lower,
                n, matrices, n, eigenvalues, work, workElements, status, syevj.DangerousGetHandle(), batch));
        }
        else
        {
            CuSolver.Check(CuSolver.cusolverDnDsyevjBatched(solver.DangerousGetHandle(), CuSolverEigenMode.ValuesAndVectors, CuBlasFillMode.Lower,
                n, matrices, n, eigenvalues, work, workElements, status, syevj.DangerousGetHandle(), batch));
        }
    }

    private void ConfigureSyevj(GpuEditSettings settings)
    {
        if (settings.EigenTolerance != configuredTolerance)
        {
            if (settings.EigenTolerance > 0)
            {
                CuSolver.Check(CuSolver.cusolverDnXsyevjSetTolerance(syevj.DangerousGetHandle(), settings.EigenTolerance));
            }
            else
            {
                // cuSOLVER has no call that restores the default tolerance; fresh parameters carry it.
                syevj.Dispose();
                syevj = CreateSyevjInfo(Context);
                configuredSweeps = -1;
            }
            configuredTolerance = settings.EigenTolerance;
        }
        if (settings.EigenMaxSweeps != configuredSweeps)
        {
            CuSolver.Check(CuSolver.cusolverDnXsyevjSetMaxSweeps(syevj.DangerousGetHandle(), settings.EigenMaxSweeps));
            configuredSweeps = settings.EigenMaxSweeps;
        }
    }

    private static SyevjInfoHandle CreateSyevjInfo(CudaContext context)
    {
        CuSolver.Check(CuSolver.cusolverDnCreateSyevjInfo(out IntPtr info));
        return new SyevjInfoHandle(context.Handle, info);
    }

    // syevjBatched reports per matrix: 0 converged, > 0 not converged, < 0 an invalid argument.
    private int CountNotConverged(int items)
    {
        int[] status = solverStatus!.ToArray(Stream)[..items];
        int invalid = Array.FindIndex(status, s => s < 0);
        if (invalid >= 0)
            throw new CudaException("cuSOLVER", "cusolverDn<t>syevjBatched", status[invalid], "invalid argument",
                $"matrix {invalid} reported parameter {-status[invalid]} as wrong");
        return status.Count(s => s > 0);
    }

    private DeviceBuffer<T> Grow<T>(ref DeviceBuffer<T>? buffer, long length) where T : unmanaged
    {
        if (buffer is not null && buffer.Length >= length)
            return buffer;
        if (buffer is not null)
        {
            scratch.Remove(buffer);
            buffer.Dispose();
        }
        buffer = Context.Allocate<T>(length);
        scratch.Add(buffer);
        return buffer;
    }

    private static void RequireHostLength(int actual, long needed, string name)
    {
        if (actual != needed)
            throw new ArgumentException($"{name} has {actual} values but {needed} were expected for this batch size", name);
    }

    /// <summary>Frees the scratch buffers and the cuBLAS/cuSOLVER handles.</summary>
    public void Dispose()
    {
        foreach (IDisposable buffer in scratch)
            buffer.Dispose();
        scratch.Clear();
        syevj.Dispose();
        solver.Dispose();
        blas.Dispose();
    }

    /// <summary>The scratch buffers of one precision (fields, so that <see cref="Grow{T}"/> can replace them).</summary>
    private sealed class EigenScratch<T> where T : unmanaged
    {
        public DeviceBuffer<T>? Rows;
        public DeviceBuffer<T>? Gram;
        public DeviceBuffer<T>? Eigenvalues;
        public DeviceBuffer<T>? Work;
    }

    /// <summary>Per-stage GPU time with pairs of events, when asked for.</summary>
    private sealed class StageTimer(CudaStream stream, bool enabled) : IDisposable
    {
        private readonly Dictionary<GpuEditStage, double> milliseconds = [];
        private CudaTimer? timer;
        private GpuEditStage? current;

        public void Next(GpuEditStage stage)
        {
            if (!enabled)
                return;
            Close();
            timer = new CudaTimer(stream);
            timer.Start();
            current = stage;
        }

        public Dictionary<GpuEditStage, double> Finish()
        {
            Close();
            return milliseconds;
        }

        private void Close()
        {
            if (timer is null || current is not { } stage)
                return;
            milliseconds[stage] = milliseconds.GetValueOrDefault(stage) + timer.Stop();
            timer.Dispose();
            timer = null;
            current = null;
        }

        public void Dispose() => timer?.Dispose();
    }
}

/// <summary>The device-resident result of a batched edit; disposing frees its buffers.</summary>
/// <param name="Pairs">Number of pairs.</param>
/// <param name="RowCount">Size n of the Gram matrices (largest selection + 1).</param>
/// <param name="Embeddings">The combined embeddings E, <c>[P, 768]</c>.</param>
/// <param name="Edits">Suppressed embeddings (first P rows) then boosted ones, <c>[2P, 768]</c>.</param>
/// <param name="Background">Background embeddings, <c>[P, 768]</c>.</param>
/// <param name="EmptyRemoveSelection">Per pair: the removed object's mask selects no patch.</param>
/// <param name="EmptyAddSelection">Per pair: the added object's mask selects no patch.</param>
/// <param name="Warnings">Conditions the reference reports as warnings.</param>
/// <param name="StageMilliseconds">GPU time per stage when measured; empty otherwise.</param>
public sealed record GpuEditResult(int Pairs, int RowCount, DeviceBuffer<float> Embeddings, DeviceBuffer<float> Edits, DeviceBuffer<float> Background,
    IReadOnlyList<bool> EmptyRemoveSelection, IReadOnlyList<bool> EmptyAddSelection, IReadOnlyList<string> Warnings,
    IReadOnlyDictionary<GpuEditStage, double> StageMilliseconds) : IDisposable
{
    /// <summary>Frees the three result buffers.</summary>
    public void Dispose()
    {
        Embeddings.Dispose();
        Edits.Dispose();
        Background.Dispose();
    }
}

/// <summary>The host copy of a batched edit's result.</summary>
/// <param name="Embeddings">The combined embeddings E, <c>[P, 768]</c>.</param>
/// <param name="Edits">Suppressed embeddings (first P rows) then boosted ones, <c>[2P, 768]</c>.</param>
/// <param name="Background">Background embeddings, <c>[P, 768]</c>.</param>
/// <param name="RowCount">Size n of the Gram matrices.</param>
/// <param name="EmptyRemoveSelection">Per pair: the removed object's mask selects no patch.</param>
/// <param name="EmptyAddSelection">Per pair: the added object's mask selects no patch.</param>
/// <param name="Warnings">Conditions the reference reports as warnings.</param>
/// <param name="StageMilliseconds">GPU time per stage when measured.</param>
public sealed record HostEditResult(float[] Embeddings, float[] Edits, float[] Background, int RowCount,
    IReadOnlyList<bool> EmptyRemoveSelection, IReadOnlyList<bool> EmptyAddSelection, IReadOnlyList<string> Warnings,
    IReadOnlyDictionary<GpuEditStage, double> StageMilliseconds);
