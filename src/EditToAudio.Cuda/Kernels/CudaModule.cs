using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Native;

namespace EditToAudio.Cuda.Kernels;

/// <summary>A loaded kernel image (cubin or PTX) in one context.</summary>
public sealed class CudaModule : IDisposable
{
    private readonly CudaModuleHandle _handle;
    private readonly Dictionary<string, CudaKernel> _functions = new(StringComparer.Ordinal);
    private readonly Lock _functionsLock = new();

    private CudaModule(CudaContext context, CudaModuleHandle handle, string name)
    {
        Context = context;
        _handle = handle;
        Name = name;
    }

    /// <summary>The owning context.</summary>
    public CudaContext Context { get; }

    /// <summary>The source file the module was built from.</summary>
    public string Name { get; }

    /// <summary>Loads <paramref name="image"/> into <paramref name="context"/>.</summary>
    public static unsafe CudaModule Load(CudaContext context, string name, byte[] image)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(image);
        using (context.Bind())
        {
            fixed (byte* data = image)
        {
            CudaDriver.Check(CudaDriver.cuModuleLoadData(out IntPtr module, data));
            return new CudaModule(context, new CudaModuleHandle(context.Handle, module), name);
        }
        }
    }

    /// <summary>The <c>extern "C"</c> kernel <paramref name="signature"/> declares.</summary>
    public CudaKernel Function(KernelSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (signature.File != Name)
        {
            throw new ArgumentException($"{signature.Name} is declared in {signature.File}, not in {Name}", nameof(signature));
        }
        lock (_functionsLock)
        {
            if (_functions.TryGetValue(signature.Name, out CudaKernel? kernel))
            {
                return kernel;
            }
            using (Context.Bind())
            {
                CudaDriver.Check(CudaDriver.cuModuleGetFunction(out IntPtr pointer, _handle.DangerousGetHandle(), signature.Name));
                kernel = new CudaKernel(this, signature, pointer);
            }
            _functions.Add(signature.Name, kernel);
            return kernel;
        }
    }

    /// <summary>Unloads the module.</summary>
    public void Dispose() => _handle.Dispose();
}

/// <summary>One kernel function of a <see cref="CudaModule"/>.</summary>
public sealed class CudaKernel
{
    private readonly IntPtr _function;

    internal CudaKernel(CudaModule module, KernelSignature signature, IntPtr function)
    {
        Module = module;
        Signature = signature;
        _function = function;
    }

    /// <summary>The module holding the kernel.</summary>
    public CudaModule Module { get; }

    /// <summary>The kernel's name.</summary>
    public string Name => Signature.Name;

    /// <summary>The parameters every launch must pass.</summary>
    public KernelSignature Signature { get; }

    /// <summary>Queues the kernel on <paramref name="stream"/>.</summary>
    /// <param name="grid">Blocks in x, y.</param>
    /// <param name="block">Threads per block (x).</param>
    /// <param name="sharedBytes">Dynamic shared memory in bytes.</param>
    /// <param name="stream">The stream.</param>
    /// <param name="arguments">The kernel's parameters, in order.</param>
    public unsafe void Launch((int X, int Y) grid, int block, int sharedBytes, CudaStream stream, KernelArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(arguments);
        Signature.Check(arguments);
        if (grid.X <= 0 || grid.Y <= 0)
        {
            return;
        }
        byte[] buffer = arguments.ToArray();
        nuint size = (nuint)buffer.Length;
        using (Module.Context.Bind())
        {
            fixed (byte* parameters = buffer)
        {
            // The argument block is passed packed through CU_LAUNCH_PARAM_BUFFER_POINTER.
            void** extra = stackalloc void*[5];
            extra[0] = (void*)CudaDriver.LaunchParamBufferPointer;
            extra[1] = parameters;
            extra[2] = (void*)CudaDriver.LaunchParamBufferSize;
            extra[3] = &size;
            extra[4] = (void*)CudaDriver.LaunchParamEnd;
            CuResult status = CudaDriver.cuLaunchKernel(_function, (uint)grid.X, (uint)grid.Y, 1, (uint)block, 1, 1,
                (uint)sharedBytes, stream.NativeHandle, null, extra);
            if (status != CuResult.Success)
                {
                    throw CudaDriver.Error(status, $"cuLaunchKernel({Name}, grid=({grid.X},{grid.Y}), block={block})");
                }
            }
        }
    }
}

/// <summary>Kernel parameters packed with each value at its natural alignment, as the CUDA ABI lays them out, with the type of each.</summary>
public sealed class KernelArguments
{
    private readonly List<byte> _bytes = [];
    private readonly List<KernelParameter> _kinds = [];

    /// <summary>The type of each argument so far, checked against the kernel's signature at launch.</summary>
    public IReadOnlyList<KernelParameter> Kinds => _kinds;

    /// <summary>Appends a device pointer.</summary>
    public KernelArguments AddPointer(ulong value) => Append(value, KernelParameter.Pointer);

    /// <summary>Appends a buffer's device pointer.</summary>
    public KernelArguments AddBuffer<T>(DeviceBuffer<T> buffer) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return Append(buffer.DevicePointer, KernelParameter.Pointer);
    }

    /// <summary>Appends the device address of element <paramref name="offset"/> of a buffer.</summary>
    public KernelArguments AddBuffer<T>(DeviceBuffer<T> buffer, long offset) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, buffer.Length);
        return Append(buffer.DevicePointer + (ulong)offset * (ulong)Unsafe.SizeOf<T>(), KernelParameter.Pointer);
    }

    /// <summary>Appends an <c>int</c>.</summary>
    public KernelArguments AddInt32(int value) => Append(value, KernelParameter.Int32);

    /// <summary>Appends a <c>long long</c>.</summary>
    public KernelArguments AddInt64(long value) => Append(value, KernelParameter.Int64);

    /// <summary>Appends an <c>unsigned long long</c>.</summary>
    public KernelArguments AddUInt64(ulong value) => Append(value, KernelParameter.UInt64);

    /// <summary>Appends a <c>float</c>.</summary>
    public KernelArguments AddSingle(float value) => Append(value, KernelParameter.Single);

    /// <summary>Appends a <c>double</c>.</summary>
    public KernelArguments AddDouble(double value) => Append(value, KernelParameter.Double);

    /// <summary>The packed block.</summary>
    public byte[] ToArray() => [.. _bytes];

    private unsafe KernelArguments Append<T>(T value, KernelParameter kind) where T : unmanaged
    {
        while (_bytes.Count % sizeof(T) != 0)
        {
            _bytes.Add(0);
        }
        _bytes.AddRange(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));
        _kinds.Add(kind);
        return this;
    }
}
