using EditToAudio.Cuda.Native;

namespace EditToAudio.Cuda.Devices;

/// <summary>
/// The primary context of one device (the one the CUDA runtime, and so ONNX Runtime, uses), with
/// one stream for the engine's work. Every public member makes the context current on the calling
/// thread for its duration, so any thread may use it.
/// </summary>
public sealed class CudaContext : IDisposable
{
    // CU_STREAM_NON_BLOCKING: the engine's stream does not synchronize with the legacy default stream.
    private const uint NonBlockingStream = 1;

    private readonly PrimaryContextHandle _context;

    private CudaContext(CudaDeviceInfo device, PrimaryContextHandle context)
    {
        Device = device;
        _context = context;
        using (Bind())
        {
            CudaDriver.Check(CudaDriver.cuStreamCreate(out IntPtr stream, NonBlockingStream));
            Stream = new CudaStream(this, new StreamHandle(context, stream));
        }
    }

    /// <summary>The device this context belongs to.</summary>
    public CudaDeviceInfo Device { get; }

    /// <summary>The engine's stream on this device.</summary>
    public CudaStream Stream { get; }

    internal PrimaryContextHandle Handle => _context;

    /// <summary>Retains the primary context of device <paramref name="ordinal"/>; throws <see cref="NotSupportedException"/> without a driver or device.</summary>
    public static CudaContext Open(int ordinal = 0)
    {
        CudaSupport support = CudaSupport.Detect();
        support.ThrowIfNotSupported();
        if (ordinal < 0 || ordinal >= support.Devices.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(ordinal), ordinal, $"there are {support.Devices.Count} CUDA device(s)");
        }
        CudaDriver.Check(CudaDriver.cuDeviceGet(out int device, ordinal));
        PrimaryContextHandle context = PrimaryContextHandle.Retain(device);
        try
        {
            return new CudaContext(support.Devices[ordinal], context);
        }
        catch
        {
            // A failed stream creation must not keep the device's primary context retained.
            context.Dispose();
            throw;
        }
    }

    /// <summary>Makes this context current until the returned scope is disposed (restoring the previous one).</summary>
    public ContextScope Bind()
    {
        ObjectDisposedException.ThrowIf(_context.IsClosed, this);
        CudaDriver.Check(CudaDriver.cuCtxPushCurrent_v2(_context.DangerousGetHandle()));
        return new ContextScope();
    }

    /// <summary>Allocates <paramref name="length"/> elements of device memory (uninitialized).</summary>
    public DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged
    {
        using (Bind())
        {
            return new DeviceBuffer<T>(this, length);
        }
    }

    /// <summary>Allocates device memory holding a copy of <paramref name="values"/> (copied on <see cref="Stream"/>).</summary>
    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        DeviceBuffer<T> buffer = Allocate<T>(values.Length);
        try
        {
            buffer.CopyFrom(values, Stream);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The device's free and total memory now (<c>cuMemGetInfo</c>), counting every allocation on
    /// the device: the engine's buffers, cuBLAS and cuSOLVER workspaces, ONNX Runtime's arena and other processes.
    /// </summary>
    public DeviceMemoryInfo MemoryInfo()
    {
        using (Bind())
        {
            CudaDriver.Check(CudaDriver.cuMemGetInfo_v2(out nuint free, out nuint total));
            return new DeviceMemoryInfo(checked((long)free), checked((long)total));
        }
    }

    /// <summary>Creates an extra stream in this context.</summary>
    public CudaStream CreateStream()
    {
        using (Bind())
        {
            CudaDriver.Check(CudaDriver.cuStreamCreate(out IntPtr stream, NonBlockingStream));
            return new CudaStream(this, new StreamHandle(_context, stream));
        }
    }

    /// <summary>Releases the stream and this object's reference on the primary context.</summary>
    public void Dispose()
    {
        Stream.Dispose();
        _context.Dispose();
    }
}

/// <summary>Restores the previously current context when disposed.</summary>
public readonly struct ContextScope : IDisposable, IEquatable<ContextScope>
{
    /// <summary>Pops the context pushed by <see cref="CudaContext.Bind"/>.</summary>
    public void Dispose() => CudaDriver.Check(CudaDriver.cuCtxPopCurrent_v2(out _));

    /// <inheritdoc/>
    public bool Equals(ContextScope other) => true;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ContextScope;

    /// <inheritdoc/>
    public override int GetHashCode() => 0;

    /// <summary>All scopes are alike.</summary>
    public static bool operator ==(ContextScope left, ContextScope right) => left.Equals(right);

    /// <summary>All scopes are alike.</summary>
    public static bool operator !=(ContextScope left, ContextScope right) => !left.Equals(right);
}
