using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EditToAudio.Cuda.Native;

/// <summary>cuBLAS status codes (<c>cublasStatus_t</c>).</summary>
internal enum CuBlasStatus
{
    Success = 0,
    NotInitialized = 1,
    AllocFailed = 3,
    InvalidValue = 7,
    ArchMismatch = 8,
    MappingError = 11,
    ExecutionFailed = 13,
    InternalError = 14,
    NotSupported = 15,
    LicenseError = 16,
}

/// <summary><c>cublasOperation_t</c>.</summary>
internal enum CuBlasOperation
{
    None = 0,
    Transpose = 1,
}

/// <summary><c>cublasFillMode_t</c>.</summary>
internal enum CuBlasFillMode
{
    Lower = 0,
    Upper = 1,
}

/// <summary>The cuBLAS v2 functions the engine uses (<c>cublas_v2.h</c>).</summary>
internal static unsafe partial class CuBlas
{
    private const string Library = CudaLibraryLocator.CuBlasImport;

    // The resolver must be in place before the first call binds a symbol.
    static CuBlas() => CudaLibraryLocator.InstallResolver();

    [LibraryImport(Library)] internal static partial CuBlasStatus cublasCreate_v2(out IntPtr handle);
    [LibraryImport(Library)] internal static partial CuBlasStatus cublasDestroy_v2(IntPtr handle);
    [LibraryImport(Library)] internal static partial CuBlasStatus cublasSetStream_v2(IntPtr handle, IntPtr stream);

    [LibraryImport(Library)]
    internal static partial CuBlasStatus cublasSgemmStridedBatched(IntPtr handle, CuBlasOperation transposeA, CuBlasOperation transposeB,
        int m, int n, int k, float* alpha, ulong a, int lda, long strideA, ulong b, int ldb, long strideB,
        float* beta, ulong c, int ldc, long strideC, int batchCount);

    [LibraryImport(Library)]
    internal static partial CuBlasStatus cublasDgemmStridedBatched(IntPtr handle, CuBlasOperation transposeA, CuBlasOperation transposeB,
        int m, int n, int k, double* alpha, ulong a, int lda, long strideA, ulong b, int ldb, long strideB,
        double* beta, ulong c, int ldc, long strideC, int batchCount);

    /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless cuBLAS returned success.</summary>
    internal static void Check(CuBlasStatus status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != CuBlasStatus.Success)
        {
            throw new CudaException("cuBLAS", call, (int)status, "CUBLAS_STATUS_" + StatusName(status), "");
        }
    }

    private static string StatusName(CuBlasStatus status) => status switch
    {
        CuBlasStatus.NotInitialized => "NOT_INITIALIZED",
        CuBlasStatus.AllocFailed => "ALLOC_FAILED",
        CuBlasStatus.InvalidValue => "INVALID_VALUE",
        CuBlasStatus.ArchMismatch => "ARCH_MISMATCH",
        CuBlasStatus.MappingError => "MAPPING_ERROR",
        CuBlasStatus.ExecutionFailed => "EXECUTION_FAILED",
        CuBlasStatus.InternalError => "INTERNAL_ERROR",
        CuBlasStatus.NotSupported => "NOT_SUPPORTED",
        CuBlasStatus.LicenseError => "LICENSE_ERROR",
        _ => "UNKNOWN",
    };
}
