using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EditToAudio.Cuda.Native;

/// <summary>CUDA driver API status codes (<c>CUresult</c>); only success is interpreted, the rest is named by the driver.</summary>
internal enum CuResult
{
    Success = 0,
    NotInitialized = 3,
    NoDevice = 100,
}

/// <summary>Device attributes the engine reads (<c>CUdevice_attribute</c>).</summary>
internal enum CuDeviceAttribute
{
    MaxThreadsPerBlock = 1,
    MaxSharedMemoryPerBlock = 8,
    MultiprocessorCount = 16,
    ComputeCapabilityMajor = 75,
    ComputeCapabilityMinor = 76,
}

/// <summary>The CUDA driver API functions the engine uses (<c>cuda.h</c>).</summary>
internal static unsafe partial class CudaDriver
{
    private const string Library = CudaLibraryLocator.DriverImport;

    // The resolver must be in place before the first call binds a symbol.
    static CudaDriver() => CudaLibraryLocator.InstallResolver();

    /// <summary><c>CU_LAUNCH_PARAM_BUFFER_POINTER</c>, <c>_SIZE</c> and <c>_END</c> markers of cuLaunchKernel's extra array.</summary>
    internal static readonly IntPtr LaunchParamBufferPointer = 1;
    internal static readonly IntPtr LaunchParamBufferSize = 2;
    internal static readonly IntPtr LaunchParamEnd = 0;

    [LibraryImport(Library)] internal static partial CuResult cuInit(uint flags);
    [LibraryImport(Library)] internal static partial CuResult cuDriverGetVersion(out int version);
    [LibraryImport(Library)] internal static partial CuResult cuDeviceGetCount(out int count);
    [LibraryImport(Library)] internal static partial CuResult cuDeviceGet(out int device, int ordinal);
    [LibraryImport(Library)] internal static partial CuResult cuDeviceGetAttribute(out int value, CuDeviceAttribute attribute, int device);
    [LibraryImport(Library)] internal static partial CuResult cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(Library)] internal static partial CuResult cuDevicePrimaryCtxRetain(out IntPtr context, int device);
    [LibraryImport(Library)] internal static partial CuResult cuDevicePrimaryCtxRelease_v2(int device);
    [LibraryImport(Library)] internal static partial CuResult cuCtxSetCurrent(IntPtr context);
    [LibraryImport(Library)] internal static partial CuResult cuCtxPushCurrent_v2(IntPtr context);
    [LibraryImport(Library)] internal static partial CuResult cuCtxPopCurrent_v2(out IntPtr context);
    [LibraryImport(Library)] internal static partial CuResult cuMemAlloc_v2(out ulong pointer, nuint bytes);
    [LibraryImport(Library)] internal static partial CuResult cuMemFree_v2(ulong pointer);
    [LibraryImport(Library)] internal static partial CuResult cuMemGetInfo_v2(out nuint free, out nuint total);
    [LibraryImport(Library)] internal static partial CuResult cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, IntPtr stream);
    [LibraryImport(Library)] internal static partial CuResult cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, IntPtr stream);
    [LibraryImport(Library)] internal static partial CuResult cuMemcpyDtoDAsync_v2(ulong destination, ulong source, nuint bytes, IntPtr stream);
    [LibraryImport(Library)] internal static partial CuResult cuMemsetD8Async(ulong destination, byte value, nuint count, IntPtr stream);
    [LibraryImport(Library)] internal static partial CuResult cuModuleLoadData(out IntPtr module, void* image);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial CuResult cuModuleGetFunction(out IntPtr function, IntPtr module, string name);
    [LibraryImport(Library)] internal static partial CuResult cuModuleUnload(IntPtr module);
    [LibraryImport(Library)]
    internal static partial CuResult cuLaunchKernel(IntPtr function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedMemoryBytes, IntPtr stream, void** kernelParameters, void** extra);
    [LibraryImport(Library)] internal static partial CuResult cuStreamCreate(out IntPtr stream, uint flags);
    [LibraryImport(Library)] internal static partial CuResult cuStreamDestroy_v2(IntPtr stream);
    [LibraryImport(Library)] internal static partial CuResult cuStreamSynchronize(IntPtr stream);
    [LibraryImport(Library)] internal static partial CuResult cuEventCreate(out IntPtr cudaEvent, uint flags);
    [LibraryImport(Library)] internal static partial CuResult cuEventRecord(IntPtr cudaEvent, IntPtr stream);
    [LibraryImport(Library)] internal static partial CuResult cuEventSynchronize(IntPtr cudaEvent);
    [LibraryImport(Library)] internal static partial CuResult cuEventElapsedTime(out float milliseconds, IntPtr start, IntPtr end);
    [LibraryImport(Library)] internal static partial CuResult cuEventDestroy_v2(IntPtr cudaEvent);
    [LibraryImport(Library)] internal static partial CuResult cuGetErrorName(CuResult status, out IntPtr name);
    [LibraryImport(Library)] internal static partial CuResult cuGetErrorString(CuResult status, out IntPtr text);

    /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless the driver returned success.</summary>
    internal static void Check(CuResult status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != CuResult.Success)
        {
            throw Error(status, call);
        }
    }

    internal static CudaException Error(CuResult status, string call)
    {
        string name = cuGetErrorName(status, out IntPtr namePointer) == CuResult.Success && namePointer != IntPtr.Zero
            ? Marshal.PtrToStringUTF8(namePointer) ?? "CUDA_ERROR_UNKNOWN"
            : "CUDA_ERROR_UNKNOWN";
        string text = cuGetErrorString(status, out IntPtr textPointer) == CuResult.Success && textPointer != IntPtr.Zero
            ? Marshal.PtrToStringUTF8(textPointer) ?? ""
            : "";
        return new CudaException("CUDA driver", call, (int)status, name, text);
    }
}
