using EditToAudio.Cuda.Native;

namespace EditToAudio.Cuda.Devices;

/// <summary>A CUDA stream: work queued on it runs in order.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "CUDA's own term for a work queue.")]
public sealed class CudaStream : IDisposable
{
    private readonly StreamHandle _handle;

    internal CudaStream(CudaContext context, StreamHandle handle)
    {
        Context = context;
        _handle = handle;
    }

    /// <summary>The context the stream belongs to.</summary>
    public CudaContext Context { get; }

    /// <summary>The native <c>CUstream</c> (for sharing with ONNX Runtime's <c>user_compute_stream</c>).</summary>
    public IntPtr NativeHandle => _handle.DangerousGetHandle();

    /// <summary>Waits until all work queued on the stream has finished.</summary>
    public void Synchronize()
    {
        using (Context.Bind())
        {
            CudaDriver.Check(CudaDriver.cuStreamSynchronize(NativeHandle));
        }
    }

    /// <summary>Destroys the stream.</summary>
    public void Dispose() => _handle.Dispose();
}

/// <summary>Measures GPU time between two points of a stream with a pair of CUDA events.</summary>
public sealed class CudaTimer : IDisposable
{
    private readonly CudaStream _stream;
    private readonly EventHandle _start;
    private readonly EventHandle _end;

    /// <summary>Creates the two events on <paramref name="stream"/>'s context.</summary>
    public CudaTimer(CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        using (stream.Context.Bind())
        {
            CudaDriver.Check(CudaDriver.cuEventCreate(out IntPtr first, 0));
            _start = new EventHandle(stream.Context.Handle, first);
            CudaDriver.Check(CudaDriver.cuEventCreate(out IntPtr second, 0));
            _end = new EventHandle(stream.Context.Handle, second);
        }
    }

    /// <summary>Records the start event on the stream.</summary>
    public void Start()
    {
        using (_stream.Context.Bind())
        {
            CudaDriver.Check(CudaDriver.cuEventRecord(_start.DangerousGetHandle(), _stream.NativeHandle));
        }
    }

    /// <summary>Records the end event, waits for it and returns the milliseconds since <see cref="Start"/>.</summary>
    public double Stop()
    {
        using (_stream.Context.Bind())
        {
            CudaDriver.Check(CudaDriver.cuEventRecord(_end.DangerousGetHandle(), _stream.NativeHandle));
            CudaDriver.Check(CudaDriver.cuEventSynchronize(_end.DangerousGetHandle()));
            CudaDriver.Check(CudaDriver.cuEventElapsedTime(out float milliseconds, _start.DangerousGetHandle(), _end.DangerousGetHandle()));
            return milliseconds;
        }
    }

    /// <summary>Destroys both events.</summary>
    public void Dispose()
    {
        _start.Dispose();
        _end.Dispose();
    }
}
