using System.Runtime.InteropServices;

namespace EditToAudio.Cuda.Native;

/// <summary>A retained primary context of one device; released with <c>cuDevicePrimaryCtxRelease</c>.</summary>
internal sealed class PrimaryContextHandle : SafeHandle
{
    private readonly int _device;

    private PrimaryContextHandle(IntPtr context, int device) : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(context);
        _device = device;
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    internal static PrimaryContextHandle Retain(int device)
    {
        CudaDriver.Check(CudaDriver.cuDevicePrimaryCtxRetain(out IntPtr context, device));
        return new PrimaryContextHandle(context, device);
    }

    protected override bool ReleaseHandle() => CudaDriver.cuDevicePrimaryCtxRelease_v2(_device) == CuResult.Success;
}

/// <summary>
/// A native object that lives in a context: it holds a reference on the context handle (so the
/// context outlives it) and makes the context current while it is destroyed, which also works
/// on the finalizer thread.
/// </summary>
internal abstract class ContextBoundHandle : SafeHandle
{
    private readonly PrimaryContextHandle _context;

    // Called right after the native object was created, so that a failed creation never holds a context reference.
    protected ContextBoundHandle(PrimaryContextHandle context, IntPtr value) : base(IntPtr.Zero, ownsHandle: true)
    {
        _context = context;
        bool added = false;
        context.DangerousAddRef(ref added);
        SetHandle(value);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected abstract bool Destroy(IntPtr value);

    protected override bool ReleaseHandle()
    {
        bool ok;
        if (CudaDriver.cuCtxPushCurrent_v2(_context.DangerousGetHandle()) == CuResult.Success)
        {
            ok = Destroy(handle);
            CudaDriver.cuCtxPopCurrent_v2(out _);
        }
        else
        {
            ok = false;
        }
        _context.DangerousRelease();
        return ok;
    }
}

/// <summary>
/// Device memory from <c>cuMemAlloc</c>; counted in <see cref="Devices.DeviceMemory"/> from creation
/// until it is freed.
/// </summary>
internal sealed class DeviceMemoryHandle : ContextBoundHandle
{
    private readonly long _bytes;

    internal DeviceMemoryHandle(PrimaryContextHandle context, IntPtr value, long bytes) : base(context, value)
    {
        _bytes = bytes;
        Devices.DeviceMemory.OnAllocated(bytes);
    }

    // The only place the bytes leave the count; it runs once, whether from Dispose or the finalizer.
    protected override bool Destroy(IntPtr value)
    {
        Devices.DeviceMemory.OnFreed(_bytes);
        return CudaDriver.cuMemFree_v2((ulong)value) == CuResult.Success;
    }
}

/// <summary>A module from <c>cuModuleLoadData</c>.</summary>
internal sealed class CudaModuleHandle(PrimaryContextHandle context, IntPtr value) : ContextBoundHandle(context, value)
{
    protected override bool Destroy(IntPtr value) => CudaDriver.cuModuleUnload(value) == CuResult.Success;
}

/// <summary>A stream from <c>cuStreamCreate</c>.</summary>
internal sealed class StreamHandle(PrimaryContextHandle context, IntPtr value) : ContextBoundHandle(context, value)
{
    protected override bool Destroy(IntPtr value) => CudaDriver.cuStreamDestroy_v2(value) == CuResult.Success;
}

/// <summary>An event from <c>cuEventCreate</c>.</summary>
internal sealed class EventHandle(PrimaryContextHandle context, IntPtr value) : ContextBoundHandle(context, value)
{
    protected override bool Destroy(IntPtr value) => CudaDriver.cuEventDestroy_v2(value) == CuResult.Success;
}

/// <summary>A cuBLAS handle.</summary>
internal sealed class CuBlasHandle(PrimaryContextHandle context, IntPtr value) : ContextBoundHandle(context, value)
{
    protected override bool Destroy(IntPtr value) => CuBlas.cublasDestroy_v2(value) == CuBlasStatus.Success;
}

/// <summary>A dense cuSOLVER handle.</summary>
internal sealed class CuSolverHandle(PrimaryContextHandle context, IntPtr value) : ContextBoundHandle(context, value)
{
    protected override bool Destroy(IntPtr value) => CuSolver.cusolverDnDestroy(value) == CuSolverStatus.Success;
}

/// <summary>syevj parameters (<c>syevjInfo_t</c>).</summary>
internal sealed class SyevjInfoHandle(PrimaryContextHandle context, IntPtr value) : ContextBoundHandle(context, value)
{
    protected override bool Destroy(IntPtr value) => CuSolver.cusolverDnDestroySyevjInfo(value) == CuSolverStatus.Success;
}

/// <summary>An NVRTC program; needs no context.</summary>
internal sealed class NvrtcProgramHandle : SafeHandle
{
    internal NvrtcProgramHandle(IntPtr program) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(program);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        IntPtr program = handle;
        return Nvrtc.nvrtcDestroyProgram(ref program) == NvrtcResult.Success;
    }
}
