using System.Runtime.CompilerServices;
using EditToAudio.Cuda.Devices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EditToAudio.Cuda.Onnx;

/// <summary>
/// ONNX Runtime tensors over the engine's own device buffers, for I/O binding: the values borrow the
/// memory (no copy, no ownership), so they must be disposed before the buffers. The device pointers
/// are valid for ONNX Runtime because both work in the device's primary context.
/// </summary>
public sealed class DeviceTensors : IDisposable
{
    // Created on the first Wrap: the GPU edit alone opens the CUDA backends without ever loading ONNX Runtime's native library.
    private readonly Lazy<OrtMemoryInfo> _memory;

    /// <summary>Describes memory of <paramref name="context"/>'s device as ONNX Runtime's CUDA device memory.</summary>
    public DeviceTensors(CudaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Context = context;
        _memory = new(() => new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, context.Device.Ordinal, OrtMemType.Default));
    }

    /// <summary>The context whose buffers are wrapped.</summary>
    public CudaContext Context { get; }

    /// <summary>A tensor of <paramref name="shape"/> over <paramref name="buffer"/>'s elements from <paramref name="offset"/> on.</summary>
    /// <exception cref="ArgumentException">When the shape does not fit the buffer from that offset.</exception>
    public OrtValue Wrap<T>(DeviceBuffer<T> buffer, long offset, params long[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(shape);
        if (buffer.Context != Context)
        {
            throw new ArgumentException("the buffer belongs to another context", nameof(buffer));
        }
        long count = 1;
        foreach (long dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));
            count *= dimension;
        }
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset + count > buffer.Length)
        {
            throw new ArgumentException($"a [{string.Join(",", shape)}] tensor at element {offset} needs {offset + count} elements; the buffer holds {buffer.Length}", nameof(shape));
        }
        int size = Unsafe.SizeOf<T>();
        return OrtValue.CreateTensorValueWithData(_memory.Value, ElementType<T>(), shape, checked((IntPtr)(long)(buffer.DevicePointer + (ulong)(offset * size))), count * size);
    }

    /// <summary>ONNX Runtime's element type for <typeparamref name="T"/>.</summary>
    public static TensorElementType ElementType<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? TensorElementType.Float
        : typeof(T) == typeof(long) ? TensorElementType.Int64
        : typeof(T) == typeof(int) ? TensorElementType.Int32
        : typeof(T) == typeof(byte) ? TensorElementType.UInt8
        : throw new NotSupportedException($"no ONNX tensor type is mapped for {typeof(T).Name}");

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_memory.IsValueCreated)
        {
            _memory.Value.Dispose();
        }
    }
}
