using System.Runtime.CompilerServices;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Native;
using EditToAudio.Editing;

namespace EditToAudio.Cuda.Pipeline;

/// <summary>
/// The edit math for a whole batch of image pairs under one or more settings on the GPU, in a fixed
/// number of launches: normalize → count → gather → Gram (cuBLAS strided-batched GEMM) →
/// eigenvectors (cuSOLVER syevjBatched, ascending) → per setting re-weight → background → per setting
/// combine. The eigendecomposition serves every setting (design brief, section 4), as on the CPU.
/// Suppression of the removed object and boosting of the added one run as one batch of 2P items.
/// Scratch buffers grow as needed and are reused between runs. Not thread-safe: the backend runs one
/// call at a time.
/// </summary>
public sealed class CudaEditPipeline : IDisposable
{
    // Matrices per syevjBatched call.
    private const int MaxEigenBatch = 4096;

    private readonly EngineKernels _kernels;
    private readonly CuBlasHandle _blas;
    private readonly CuSolverHandle _solver;
    private readonly EigenScratch<float> _singleScratch = new();
    private readonly EigenScratch<double> _doubleScratch = new();
    private readonly List<IDisposable> _scratch = [];
    private SyevjInfoHandle _syevj;
    private DeviceBuffer<int>? _counts;
    private DeviceBuffer<int>? _solverStatus;
    // Fresh syevj parameters carry cuSOLVER's default tolerance, which EigenTolerance = 0 stands for.
    private double _configuredTolerance;
    private int _configuredSweeps = -1;

    /// <summary>Creates the cuBLAS and cuSOLVER handles on the kernels' context and stream.</summary>
    public CudaEditPipeline(EngineKernels kernels)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        _kernels = kernels;
        CudaContext context = Context;
        CudaLibraryLocator.LoadShared(CudaLibrary.CuBlas);
        CudaLibraryLocator.LoadShared(CudaLibrary.CuSolver);
        using (context.Bind())
        {
            CuBlas.Check(CuBlas.cublasCreate_v2(out IntPtr blasHandle));
            _blas = new CuBlasHandle(context.Handle, blasHandle);
            CuBlas.Check(CuBlas.cublasSetStream_v2(blasHandle, context.Stream.NativeHandle));
            CuSolver.Check(CuSolver.cusolverDnCreate(out IntPtr solverHandle));
            _solver = new CuSolverHandle(context.Handle, solverHandle);
            CuSolver.Check(CuSolver.cusolverDnSetStream(solverHandle, context.Stream.NativeHandle));
            _syevj = CreateSyevjInfo(context);
        }
    }

    private CudaContext Context => _kernels.Library.Context;

    private CudaStream Stream => Context.Stream;

    /// <summary>
    /// Runs the edit of <paramref name="pairs"/> pairs under every setting of <paramref name="settings"/>, with
    /// the data already on the device. Token buffers are <c>[P, 257, 768]</c> (normalized in place when
    /// <see cref="CudaEditOptions.NormalizeTokens"/>), weight buffers <c>[P, 256]</c> (a patch is selected when
    /// its weight is &gt; 0.5; the settings' mask alignment is the caller's business). The result's buffers belong to the caller.
    /// </summary>
    public CudaEditResult Run(DeviceBuffer<float> originalTokens, DeviceBuffer<float> editedTokens, DeviceBuffer<float> removeWeights,
        DeviceBuffer<float> addWeights, int pairs, IReadOnlyList<EditParameters> settings, CudaEditOptions? options = null,
        IProgress<CudaEditStage>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(originalTokens);
        ArgumentNullException.ThrowIfNull(editedTokens);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        ArgumentOutOfRangeException.ThrowIfZero(settings.Count);
        foreach (EditParameters setting in settings)
        {
            setting.Validate();
        }
        options ??= new CudaEditOptions();
        options.Validate();
        using ContextScope scope = Context.Bind();
        var timings = new StageTimer(Stream, options.MeasureStages);

        void Stage(CudaEditStage stage)
        {
            cancellationToken.ThrowIfCancellationRequested();
            timings.Next(stage);
            progress?.Report(stage);
        }

        int items = 2 * pairs;
        if (options.NormalizeTokens)
        {
            Stage(CudaEditStage.Normalize);
            _kernels.NormalizeRows(originalTokens, (long)pairs * EngineKernels.Tokens, EngineKernels.Width);
            _kernels.NormalizeRows(editedTokens, (long)pairs * EngineKernels.Tokens, EngineKernels.Width);
        }

        Stage(CudaEditStage.Count);
        DeviceBuffer<int> selectedCounts = Grow(ref _counts, items);
        _kernels.CountSelected(removeWeights, addWeights, pairs, selectedCounts);
        int[] selected = selectedCounts.ToArray(Stream)[..items];
        int n = selected.Max() + 1;

        long pairValues = (long)pairs * EngineKernels.Width;
        DeviceBuffer<float>? edits = null, background = null, embeddings = null;
        try
        {
            edits = Context.Allocate<float>(settings.Count * 2 * pairValues);
            background = Context.Allocate<float>(pairValues);
            embeddings = Context.Allocate<float>(settings.Count * pairValues);
            bool[] notConverged = options.Precision == EigenPrecision.SinglePrecision
                ? EditRows(originalTokens, editedTokens, removeWeights, addWeights, pairs, n, settings, options, _singleScratch, edits, Stage)
                : EditRows(originalTokens, editedTokens, removeWeights, addWeights, pairs, n, settings, options, _doubleScratch, edits, Stage);

            Stage(CudaEditStage.Background);
            _kernels.BackgroundMean(editedTokens, removeWeights, addWeights, pairs, background);
            Stage(CudaEditStage.Combine);
            for (int s = 0; s < settings.Count; s++)
            {
                MixWeights mix = settings[s].Mix;
                _kernels.Combine(edits, s * 2 * pairValues, background, pairs, mix.Suppressed, mix.Boosted, mix.Background, embeddings, s * pairValues);
            }
            IReadOnlyDictionary<CudaEditStage, double> stageMilliseconds = timings.Finish();
            return new CudaEditResult(pairs, settings.Count, n, embeddings, edits, background,
                [.. selected[..pairs].Select(c => c == 0)], [.. selected[pairs..].Select(c => c == 0)], notConverged, stageMilliseconds);
        }
        catch
        {
            edits?.Dispose();
            background?.Dispose();
            embeddings?.Dispose();
            throw;
        }
        finally
        {
            timings.Dispose();
        }
    }

    /// <summary>Host convenience: uploads the arrays, runs the edit and downloads the results.</summary>
    public CudaHostEditResult Run(ReadOnlySpan<float> originalTokens, ReadOnlySpan<float> editedTokens, ReadOnlySpan<float> removeWeights,
        ReadOnlySpan<float> addWeights, int pairs, IReadOnlyList<EditParameters> settings, CudaEditOptions? options = null,
        IProgress<CudaEditStage>? progress = null, CancellationToken cancellationToken = default)
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
        using CudaEditResult result = Run(original, edited, remove, add, pairs, settings, options, progress, cancellationToken);
        return new CudaHostEditResult(
            result.Embeddings.ToArray(Stream),
            result.Edits.ToArray(Stream),
            result.Background.ToArray(Stream),
            result.RowCount,
            result.EmptyRemoveSelection,
            result.EmptyAddSelection,
            result.NotConverged,
            result.StageMilliseconds);
    }

    // One flow for both precisions; only the three native calls differ by element type.
    private bool[] EditRows<T>(DeviceBuffer<float> original, DeviceBuffer<float> edited, DeviceBuffer<float> remove, DeviceBuffer<float> add,
        int pairs, int n, IReadOnlyList<EditParameters> settings, CudaEditOptions options, EigenScratch<T> buffers, DeviceBuffer<float> edits,
        Action<CudaEditStage> stage)
        where T : unmanaged
    {
        int items = 2 * pairs;
        stage(CudaEditStage.Gather);
        DeviceBuffer<T> rows = Grow(ref buffers.Rows, (long)items * n * EngineKernels.Width);
        _kernels.GatherRows(original, edited, remove, add, pairs, n, rows);

        stage(CudaEditStage.Gram);
        DeviceBuffer<T> gram = Grow(ref buffers.Gram, (long)items * n * n);
        GramMatrices(rows, gram, n, items);

        stage(CudaEditStage.Eigen);
        ConfigureSyevj(options);
        DeviceBuffer<T> eigenvalues = Grow(ref buffers.Eigenvalues, (long)items * n);
        DeviceBuffer<int> status = Grow(ref _solverStatus, items);
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

        // The eigenvectors serve every setting: only k and the factors change the re-weighting.
        stage(CudaEditStage.Reweight);
        for (int s = 0; s < settings.Count; s++)
        {
            _kernels.ReweightRows(rows, gram, _counts!, pairs, n, settings[s].K, settings[s].Alpha, settings[s].Beta, edits, (long)s * items * EngineKernels.Width);
        }
        return NotConverged(items);
    }

    // G = X Xᵀ per item. Row-major X [n, 768] is the column-major 768×n matrix Xᵀ, so G = (Xᵀ)ᵀ (Xᵀ).
    private unsafe void GramMatrices<T>(DeviceBuffer<T> rows, DeviceBuffer<T> gram, int n, int items) where T : unmanaged
    {
        IntPtr handle = _blas.DangerousGetHandle();
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
            CuSolver.Check(CuSolver.cusolverDnSsyevjBatched_bufferSize(_solver.DangerousGetHandle(), CuSolverEigenMode.ValuesAndVectors, CuBlasFillMode.Lower,
                n, gram.DevicePointer, n, eigenvalues.DevicePointer, out elements, _syevj.DangerousGetHandle(), batch));
        }
        else
        {
            CuSolver.Check(CuSolver.cusolverDnDsyevjBatched_bufferSize(_solver.DangerousGetHandle(), CuSolverEigenMode.ValuesAndVectors, CuBlasFillMode.Lower,
                n, gram.DevicePointer, n, eigenvalues.DevicePointer, out elements, _syevj.DangerousGetHandle(), batch));
        }
        return elements;
    }

    // Eigenvalues ascending and eigenvectors in place (column-major) of `batch` consecutive n×n matrices.
    private void Eigenvectors<T>(ulong matrices, ulong eigenvalues, ulong work, int workElements, ulong status, int n, int batch) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            CuSolver.Check(CuSolver.cusolverDnSsyevjBatched(_solver.DangerousGetHandle(), CuSolverEigenMode.ValuesAndVectors, CuBlasFillMode.Lower,
                n, matrices, n, eigenvalues, work, workElements, status, _syevj.DangerousGetHandle(), batch));
        }
        else
        {
            CuSolver.Check(CuSolver.cusolverDnDsyevjBatched(_solver.DangerousGetHandle(), CuSolverEigenMode.ValuesAndVectors, CuBlasFillMode.Lower,
                n, matrices, n, eigenvalues, work, workElements, status, _syevj.DangerousGetHandle(), batch));
        }
    }

    private void ConfigureSyevj(CudaEditOptions options)
    {
        if (options.EigenTolerance != _configuredTolerance)
        {
            if (options.EigenTolerance > 0)
            {
                CuSolver.Check(CuSolver.cusolverDnXsyevjSetTolerance(_syevj.DangerousGetHandle(), options.EigenTolerance));
            }
            else
            {
                // cuSOLVER has no call that restores the default tolerance; fresh parameters carry it.
                _syevj.Dispose();
                _syevj = CreateSyevjInfo(Context);
                _configuredSweeps = -1;
            }
            _configuredTolerance = options.EigenTolerance;
        }
        if (options.EigenMaxSweeps != _configuredSweeps)
        {
            CuSolver.Check(CuSolver.cusolverDnXsyevjSetMaxSweeps(_syevj.DangerousGetHandle(), options.EigenMaxSweeps));
            _configuredSweeps = options.EigenMaxSweeps;
        }
    }

    private static SyevjInfoHandle CreateSyevjInfo(CudaContext context)
    {
        CuSolver.Check(CuSolver.cusolverDnCreateSyevjInfo(out IntPtr info));
        return new SyevjInfoHandle(context.Handle, info);
    }

    // syevjBatched reports per matrix: 0 converged, > 0 not converged, < 0 an invalid argument.
    private bool[] NotConverged(int items)
    {
        int[] status = _solverStatus!.ToArray(Stream)[..items];
        int invalid = Array.FindIndex(status, s => s < 0);
        if (invalid >= 0)
        {
            throw new CudaException("cuSOLVER", "cusolverDn<t>syevjBatched", status[invalid], "invalid argument",
                $"matrix {invalid} reported parameter {-status[invalid]} as wrong");
        }
        return [.. status.Select(s => s > 0)];
    }

    private DeviceBuffer<T> Grow<T>(ref DeviceBuffer<T>? buffer, long length) where T : unmanaged
    {
        if (buffer is not null && buffer.Length >= length)
        {
            return buffer;
        }
        if (buffer is not null)
        {
            _scratch.Remove(buffer);
            buffer.Dispose();
        }
        buffer = Context.Allocate<T>(length);
        _scratch.Add(buffer);
        return buffer;
    }

    private static void RequireHostLength(int actual, long needed, string name)
    {
        if (actual != needed)
        {
            throw new ArgumentException($"{name} has {actual} values but {needed} were expected for this batch size", name);
        }
    }

    /// <summary>Frees the scratch buffers and the cuBLAS/cuSOLVER handles.</summary>
    public void Dispose()
    {
        foreach (IDisposable buffer in _scratch)
        {
            buffer.Dispose();
        }
        _scratch.Clear();
        _syevj.Dispose();
        _solver.Dispose();
        _blas.Dispose();
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
        private readonly Dictionary<CudaEditStage, double> _milliseconds = [];
        private CudaTimer? _timer;
        private CudaEditStage? _current;

        public void Next(CudaEditStage stage)
        {
            if (!enabled)
            {
                return;
            }
            Close();
            _timer = new CudaTimer(stream);
            _timer.Start();
            _current = stage;
        }

        public Dictionary<CudaEditStage, double> Finish()
        {
            Close();
            return _milliseconds;
        }

        private void Close()
        {
            if (_timer is null || _current is not { } stage)
            {
                return;
            }
            _milliseconds[stage] = _milliseconds.GetValueOrDefault(stage) + _timer.Stop();
            _timer.Dispose();
            _timer = null;
            _current = null;
        }

        public void Dispose() => _timer?.Dispose();
    }
}

/// <summary>The device-resident result of a batched edit; disposing frees its buffers.</summary>
/// <param name="Pairs">Number of pairs P.</param>
/// <param name="Settings">Number of settings S.</param>
/// <param name="RowCount">Size n of the Gram matrices (largest selection + 1).</param>
/// <param name="Embeddings">The combined embeddings E, <c>[S, P, 768]</c>.</param>
/// <param name="Edits">Per setting the suppressed embeddings (first P rows) then the boosted ones, <c>[S, 2P, 768]</c>.</param>
/// <param name="Background">Background embeddings, <c>[P, 768]</c> (the same for every setting).</param>
/// <param name="EmptyRemoveSelection">Per pair: the removed object's mask selects no patch.</param>
/// <param name="EmptyAddSelection">Per pair: the added object's mask selects no patch.</param>
/// <param name="NotConverged">Per item (the P removed regions, then the P added ones): syevj did not reach its tolerance within its sweeps.</param>
/// <param name="StageMilliseconds">GPU time per stage when measured; empty otherwise.</param>
public sealed record CudaEditResult(int Pairs, int Settings, int RowCount, DeviceBuffer<float> Embeddings, DeviceBuffer<float> Edits, DeviceBuffer<float> Background,
    IReadOnlyList<bool> EmptyRemoveSelection, IReadOnlyList<bool> EmptyAddSelection, IReadOnlyList<bool> NotConverged,
    IReadOnlyDictionary<CudaEditStage, double> StageMilliseconds) : IDisposable
{
    /// <summary>Frees the three result buffers.</summary>
    public void Dispose()
    {
        Embeddings.Dispose();
        Edits.Dispose();
        Background.Dispose();
    }
}

/// <summary>The host copy of a batched edit's result (layouts as in <see cref="CudaEditResult"/>).</summary>
/// <param name="Embeddings">The combined embeddings E, <c>[S, P, 768]</c>.</param>
/// <param name="Edits">Suppressed then boosted embeddings per setting, <c>[S, 2P, 768]</c>.</param>
/// <param name="Background">Background embeddings, <c>[P, 768]</c>.</param>
/// <param name="RowCount">Size n of the Gram matrices.</param>
/// <param name="EmptyRemoveSelection">Per pair: the removed object's mask selects no patch.</param>
/// <param name="EmptyAddSelection">Per pair: the added object's mask selects no patch.</param>
/// <param name="NotConverged">Per item: syevj did not reach its tolerance.</param>
/// <param name="StageMilliseconds">GPU time per stage when measured.</param>
public sealed record CudaHostEditResult(float[] Embeddings, float[] Edits, float[] Background, int RowCount,
    IReadOnlyList<bool> EmptyRemoveSelection, IReadOnlyList<bool> EmptyAddSelection, IReadOnlyList<bool> NotConverged,
    IReadOnlyDictionary<CudaEditStage, double> StageMilliseconds);
