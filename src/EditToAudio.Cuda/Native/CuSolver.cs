using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EditToAudio.Cuda.Native;

/// <summary>cuSOLVER status codes (<c>cusolverStatus_t</c>).</summary>
internal enum CuSolverStatus
{
    Success = 0,
    NotInitialized = 1,
    AllocFailed = 2,
    InvalidValue = 3,
    ArchMismatch = 4,
    MappingError = 5,
    ExecutionFailed = 6,
    InternalError = 7,
    MatrixTypeNotSupported = 8,
    NotSupported = 9,
}

/// <summary><c>cusolverEigMode_t</c>.</summary>
internal enum CuSolverEigenMode
{
    ValuesOnly = 0,
    ValuesAndVectors = 1,
}

/// <summary>The dense cuSOLVER functions the engine uses (<c>cusolverDn.h</c>).</summary>
internal static unsafe partial class CuSolver
{
    private const string Library = CudaLibraryLocator.CuSolverImport;

    // The resolver must be in place before the first call binds a symbol.
    static CuSolver() => CudaLibraryLocator.InstallResolver();

    [LibraryImport(Library)] internal static partial CuSolverStatus cusolverDnCreate(out IntPtr handle);
    [LibraryImport(Library)] internal static partial CuSolverStatus cusolverDnDestroy(IntPtr handle);
    [LibraryImport(Library)] internal static partial CuSolverStatus cusolverDnSetStream(IntPtr handle, IntPtr stream);
    [LibraryImport(Library)] internal static partial CuSolverStatus cusolverDnCreateSyevjInfo(out IntPtr info);
    [LibraryImport(Library)] internal static partial CuSolverStatus cusolverDnDestroySyevjInfo(IntPtr info);
    [LibraryImport(Library)] internal static partial CuSolverStatus cusolverDnXsyevjSetTolerance(IntPtr info, double tolerance);
    [LibraryImport(Library)] internal static partial CuSolverStatus cusolverDnXsyevjSetMaxSweeps(IntPtr info, int maxSweeps);

    [LibraryImport(Library)]
    internal static partial CuSolverStatus cusolverDnSsyevjBatched_bufferSize(IntPtr handle, CuSolverEigenMode mode, CuBlasFillMode fill,
        int n, ulong a, int lda, ulong eigenvalues, out int workspaceElements, IntPtr info, int batchSize);

    [LibraryImport(Library)]
    internal static partial CuSolverStatus cusolverDnDsyevjBatched_bufferSize(IntPtr handle, CuSolverEigenMode mode, CuBlasFillMode fill,
        int n, ulong a, int lda, ulong eigenvalues, out int workspaceElements, IntPtr info, int batchSize);

    [LibraryImport(Library)]
    internal static partial CuSolverStatus cusolverDnSsyevjBatched(IntPtr handle, CuSolverEigenMode mode, CuBlasFillMode fill,
        int n, ulong a, int lda, ulong eigenvalues, ulong workspace, int workspaceElements, ulong status, IntPtr info, int batchSize);

    [LibraryImport(Library)]
    internal static partial CuSolverStatus cusolverDnDsyevjBatched(IntPtr handle, CuSolverEigenMode mode, CuBlasFillMode fill,
        int n, ulong a, int lda, ulong eigenvalues, ulong workspace, int workspaceElements, ulong status, IntPtr info, int batchSize);

    /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless cuSOLVER returned success.</summary>
    internal static void Check(CuSolverStatus status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != CuSolverStatus.Success)
        {
            throw new CudaException("cuSOLVER", call, (int)status, "CUSOLVER_STATUS_" + StatusName(status), "");
        }
    }

    private static string StatusName(CuSolverStatus status) => status switch
    {
        CuSolverStatus.NotInitialized => "NOT_INITIALIZED",
        CuSolverStatus.AllocFailed => "ALLOC_FAILED",
        CuSolverStatus.InvalidValue => "INVALID_VALUE",
        CuSolverStatus.ArchMismatch => "ARCH_MISMATCH",
        CuSolverStatus.MappingError => "MAPPING_ERROR",
        CuSolverStatus.ExecutionFailed => "EXECUTION_FAILED",
        CuSolverStatus.InternalError => "INTERNAL_ERROR",
        CuSolverStatus.MatrixTypeNotSupported => "MATRIX_TYPE_NOT_SUPPORTED",
        CuSolverStatus.NotSupported => "NOT_SUPPORTED",
        _ => "UNKNOWN",
    };
}
