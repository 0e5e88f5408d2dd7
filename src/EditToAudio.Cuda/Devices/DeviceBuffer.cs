using System.Runtime.CompilerServices;
using EditToAudio.Cuda.Native;

namespace EditToAudio.Cuda.Devices;

/// <summary>
/// Process-wide bookkeeping of the engine's device allocations (<see cref="DeviceBuffer{T}"/>): live
/// buffers, so tests can assert that nothing leaks, and live and peak bytes, so a benchmark can say
/// how much device memory the engine's own buffers held. Memory that other libraries (cuBLAS,
/// cuSOLVER, ONNX Runtime) allocate is not counted; <see cref="CudaContext.MemoryInfo"/> sees all of it.
/// </summary>
public static class DeviceMemory
{
    private static readonly DeviceMemoryLedger Ledger = new();

    /// <summary>Device buffers allocated and not yet freed, over the whole process.</summary>
    public static long LiveBuffers => Ledger.LiveBuffers;

    /// <summary>Bytes of the device buffers allocated and not yet freed, over the whole process.</summary>
    public static long LiveBytes => Ledger.LiveBytes;

    /// <summary>The most <see cref="LiveBytes"/> there have been since the process started or <see cref="ResetPeak"/>.</summary>
    public static long PeakBytes => Ledger.PeakBytes;

    /// <summary>Starts a new peak from the bytes live now (for measuring one stretch of work).</summary>
    public static void ResetPeak() => Ledger.ResetPeak();

    internal static void OnAllocated(long bytes) => Ledger.Allocated(bytes);

    internal static void OnFreed(long bytes) => Ledger.Freed(bytes);
}

/// <summary>A typed block of device memory owned by this object.</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    private readonly DeviceMemoryHandle _memory;

    internal DeviceBuffer(CudaContext context, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Context = context;
        Length = length;
        // cuMemAlloc refuses zero bytes; one element keeps empty buffers valid.
        long bytes = Math.Max(length, 1) * Unsafe.SizeOf<T>();
        CudaDriver.Check(CudaDriver.cuMemAlloc_v2(out ulong pointer, (nuint)bytes));
        try
        {
            // The handle counts the bytes in DeviceMemory now and again when it frees them, so both sides sit in one place.
            _memory = new DeviceMemoryHandle(context.Handle, (IntPtr)pointer, bytes);
        }
        catch
        {
            CudaDriver.cuMemFree_v2(pointer);
            throw;
        }
    }

    /// <summary>The owning context.</summary>
    public CudaContext Context { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Size in bytes.</summary>
    public long SizeInBytes => Length * Unsafe.SizeOf<T>();

    /// <summary>The device address (<c>CUdeviceptr</c>).</summary>
    public ulong DevicePointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
            return (ulong)_memory.DangerousGetHandle();
        }
    }

    /// <summary>Queues a copy of <paramref name="source"/> (at most <see cref="Length"/> elements) into the buffer's start.</summary>
    public unsafe void CopyFrom(ReadOnlySpan<T> source, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(source.Length, Length, nameof(source));
        if (source.IsEmpty)
        {
            return;
        }
        using (Context.Bind())
        {
            fixed (T* host = source)
        {
            // The byte count in nuint: an int product overflows for spans past 2 GiB (a batch of 8192 token pairs is 6 GiB).
            // From pageable memory the driver stages the data before returning, so the span may be released afterwards.
            CudaDriver.Check(CudaDriver.cuMemcpyHtoDAsync_v2(DevicePointer, host, (nuint)source.Length * (nuint)sizeof(T), stream.NativeHandle));
        }
        }
    }

    /// <summary>Copies the buffer's first <c>destination.Length</c> elements to the host, waiting for <paramref name="stream"/>.</summary>
    public void CopyTo(Span<T> destination, CudaStream stream) => CopyTo(0, destination, stream);

    /// <summary>Copies <c>destination.Length</c> elements from element <paramref name="offset"/> on to the host, waiting for <paramref name="stream"/>.</summary>
    public unsafe void CopyTo(long offset, Span<T> destination, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + destination.Length, Length, nameof(destination));
        if (destination.IsEmpty)
        {
            return;
        }
        using (Context.Bind())
        {
            fixed (T* host = destination)
        {
            CudaDriver.Check(CudaDriver.cuMemcpyDtoHAsync_v2(host, DevicePointer + (ulong)offset * (ulong)sizeof(T), (nuint)destination.Length * (nuint)sizeof(T), stream.NativeHandle));
            CudaDriver.Check(CudaDriver.cuStreamSynchronize(stream.NativeHandle));
        }
        }
    }

    /// <summary>Queues a copy of <paramref name="count"/> elements from element <paramref name="offset"/> on into <paramref name="destination"/> at <paramref name="destinationOffset"/>.</summary>
    public unsafe void CopyTo(long offset, DeviceBuffer<T> destination, long destinationOffset, long count, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(destinationOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + count, Length, nameof(count));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destinationOffset + count, destination.Length, nameof(count));
        if (count == 0)
        {
            return;
        }
        using (Context.Bind())
        {
            CudaDriver.Check(CudaDriver.cuMemcpyDtoDAsync_v2(destination.DevicePointer + (ulong)destinationOffset * (ulong)sizeof(T),
                DevicePointer + (ulong)offset * (ulong)sizeof(T), (nuint)count * (nuint)sizeof(T), stream.NativeHandle));
        }
    }

    /// <summary>Copies the whole buffer to a new host array.</summary>
    public T[] ToArray(CudaStream stream)
    {
        var values = new T[Length];
        CopyTo(values, stream);
        return values;
    }

    /// <summary>Queues a fill of the whole buffer with zero bytes.</summary>
    public void Clear(CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using (Context.Bind())
        {
            CudaDriver.Check(CudaDriver.cuMemsetD8Async(DevicePointer, 0, (nuint)SizeInBytes, stream.NativeHandle));
        }
    }

    /// <summary>Frees the memory.</summary>
    public void Dispose() => _memory.Dispose();
}
