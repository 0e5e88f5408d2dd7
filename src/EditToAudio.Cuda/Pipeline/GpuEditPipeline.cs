using System.Globalization;
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
    private readonly SyevjInfoHandle syevj;
    private readonly List<IDisposable> scratch = [];
    private DeviceBuffer<int>? counts;
    private DeviceBuffer<int>? solverStatus;
    private DeviceBuffer<float>? rowsSingle;
    private DeviceBuffer<double>? rowsDouble;
    private DeviceBuffer<float>? gramSingle;
    private DeviceBuffer<double>? gramDouble;
    private DeviceBuffer<float>? eigenvaluesSingle;
    private DeviceBuffer<double>? eigenvaluesDouble;
    private DeviceBuffer<float>? workSingle;
    private DeviceBuffer<double>? workDouble;
    private double configuredTolerance = double.NaN;
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
            CuSolver.Check(CuSolver.cusolverDnCreateSyevjInfo(out IntPtr info));
            syevj = new SyevjInfoHandle(context.Handle, info);
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
                ? EditSingle(originalTokens, editedTokens, removeWeights, addWeights, pairs, n, settings, edits, Stage)
                : EditDouble(originalTokens, editedTokens, removeWeights, addWeights, pairs, n, settings, edits, Stage);
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

    private int EditSingle(DeviceBuffer<float> original, DeviceBuffer<float> edited, DeviceBuffer<float> remove, DeviceBuffer<float> add,
        int pairs, int n, GpuEditSettings settings, DeviceBuffer<float> edits, Action<GpuEditStage> stage)
    {
        int items = 2 * pairs;
        stage(GpuEditStage.Gather);
        DeviceBuffer<float> rows = Grow(ref rowsSingle, (long)items * n * EngineKernels.Width);
        kernels.GatherRows(original, edited, remove, add, pairs, n, rows);

        stage(GpuEditStage.Gram);
        DeviceBuffer<float> gram = Grow(ref gramSingle, (long)items * n * n);
        unsafe
        {
            float one = 1f, zero = 0f;
            // Row-major X [n, 768] is the column-major 768×n matrix Xᵀ; G = X Xᵀ = (Xᵀ)ᵀ (Xᵀ).
            CuBlas.Check(CuBlas.cublasSgemmStridedBatched(blas.DangerousGetHandle(), CuBlasOperation.Transpose, CuBlasOperation.None,
                n, n, EngineKernels.Width, &one, rows.DevicePointer, EngineKernels.Width, (long)n * EngineKernels.Width,
                rows.DevicePointer, EngineKernels.Width, (long)n * EngineKernels.Width, &zero, gram.DevicePointer, n, (long)n * n, items));
        }

        stage(GpuEditStage.Eigen);
        ConfigureSyevj(settings);
        DeviceBuffer<float> eigenvalues = Grow(ref eigenvaluesSingle, (long)items * n);
        DeviceBuffer<int> status = Grow(ref solverStatus, items);
        // Chunks keep syevj's 32-bit workspace size in range for large batches.
        int chunk = Math.Min(items, MaxEigenBatch);
        CuSolver.Check(CuSolver.cusolverDnSsyevjBatched_bufferSize(solver.DangerousGetHandle(), CuSolverEigenMode.ValuesAndVectors, CuBlasFillMode.Lower,
            n, gram.DevicePointer, n, eigenvalues.DevicePointer, out int workElements, syevj.DangerousGetHandle(), chunk));
        DeviceBuffer<float> work = Grow(ref workSingle, Math.Max(workElements, 1));
        for (int start = 0; start < items; start += chunk)
        {
            int size = Math.Min(chunk, items - start);
            CuSolver.Check(CuSolver.cusolverDnSsyevjBatched(solver.DangerousGetHandle(), CuSolverEigenMode.ValuesAndVectors, CuBlasFillMode.Lower,
                n, gram.DevicePointer + (ulong)((long)start * n * n * sizeof(float)), n, eigenvalues.DevicePointer + (ulong)((long)start * n * sizeof(float)),
                work.DevicePointer, workElements, status.DevicePointer + (ulong)(start * sizeof(int)), syevj.DangerousGetHandle(), size));
        }

        stage(GpuEditStage.Reweight);
        kernels.ReweightRows(rows, gram, counts!, pairs, n, settings.TopK, settings.SuppressFactor, settings.BoostFactor, edits);
        return CountNotConverged(items);
    }

    private int EditDouble(DeviceBuffer<float> original, DeviceBuffer<float> edited, DeviceBuffer<float> remove, DeviceBuffer<float> add,
        int pairs, int n, GpuEditSettings settings, DeviceBuffer<float> edits, Action<GpuEditStage> stage)
    {
        int items = 2 * pairs;
        stage(GpuEditStage.Gather);
        DeviceBuffer<double> rows = Grow(ref rowsDouble, (long)items * n * EngineKernels.Width);
        kernels.GatherRows(original, edited, remove, add, pairs, n, rows);

        stage(GpuEditStage.Gram);
        DeviceBuffer<double> gram = Grow(ref gramDouble, (long)items * n * n);
        unsafe
        {
            double one = 1, zero = 0;
            CuBlas.Check(CuBlas.cublasDgemmStridedBatched(blas.DangerousGetHandle(), CuBlasOperation.Transpose, CuBlasOperation.None,
                n, n, EngineKernels.Width, &one, rows.DevicePointer, EngineKernels.Width, (long)n * EngineKernels.Width,
                rows.DevicePointer, EngineKernels.Width, (long)n * EngineKernels.Width, &zero, gram.DevicePointer, n, (long)n * n, items));
        }

        stage(GpuEditStage.Eigen);
        ConfigureSyevj(settings);
        DeviceBuffer<double> eigenvalues = Grow(ref eigenvaluesDouble, (long)items * n);
        DeviceBuffer<int> status = Grow(ref solverStatus, items);
        // Chunks keep syevj's 32-bit workspace size in range for large batches.
        int chunk = Math.Min(items, MaxEigenBatch);
        CuSolver.Check(CuSolver.cusolverDnDsyevjBatched_bufferSize(solver.DangerousGetHandle(), CuSolverEigenMode.ValuesAndVectors, CuBlasFillMode.Lower,
            n, gram.DevicePointer, n, eigenvalues.DevicePointer, out int workElements, syevj.DangerousGetHandle(), chunk));
        DeviceBuffer<double> work = Grow(ref workDouble, Math.Max(workElements, 1));
        for (int start = 0; start < items; start += chunk)
        {
            int size = Math.Min(chunk, items - start);
            CuSolver.Check(CuSolver.cusolverDnDsyevjBatched(solver.DangerousGetHandle(), CuSolverEigenMode.ValuesAndVectors, CuBlasFillMode.Lower,
                n, gram.DevicePointer + (ulong)((long)start * n * n * sizeof(double)), n, eigenvalues.DevicePointer + (ulong)((long)start * n * sizeof(double)),
                work.DevicePointer, workElements, status.DevicePointer + (ulong)(start * sizeof(int)), syevj.DangerousGetHandle(), size));
        }

        stage(GpuEditStage.Reweight);
        kernels.ReweightRows(rows, gram, counts!, pairs, n, settings.TopK, settings.SuppressFactor, settings.BoostFactor, edits);
        return CountNotConverged(items);
    }

    private void ConfigureSyevj(GpuEditSettings settings)
    {
        if (settings.EigenTolerance > 0 && settings.EigenTolerance != configuredTolerance)
        {
            CuSolver.Check(CuSolver.cusolverDnXsyevjSetTolerance(syevj.DangerousGetHandle(), settings.EigenTolerance));
            configuredTolerance = settings.EigenTolerance;
        }
        if (settings.EigenMaxSweeps != configuredSweeps)
        {
            CuSolver.Check(CuSolver.cusolverDnXsyevjSetMaxSweeps(syevj.DangerousGetHandle(), settings.EigenMaxSweeps));
            configuredSweeps = settings.EigenMaxSweeps;
        }
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
