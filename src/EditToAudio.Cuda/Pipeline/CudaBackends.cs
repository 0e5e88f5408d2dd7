using EditToAudio.Cuda.Compilation;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Onnx;
using EditToAudio.Networks;

namespace EditToAudio.Cuda.Pipeline;

/// <summary>
/// The engine's CUDA side on one device: the primary context and its stream, the kernels (NVRTC,
/// disk cache), the embedding stages, the batched edit and the sampler, and the network options that put ONNX Runtime's
/// CUDA provider on the same device and stream, so device tensors pass between the networks and
/// the kernels without copies or extra synchronization.
/// </summary>
public sealed class CudaBackends : IDisposable
{
    private readonly CudaContext context;
    private readonly KernelLibrary library;
    private readonly DeviceTensors tensors;

    private CudaBackends(CudaContext context, KernelLibrary library, EigenPrecision precision)
    {
        this.context = context;
        this.library = library;
        var kernels = new EngineKernels(library);
        tensors = new DeviceTensors(context);
        Edit = new CudaEditBackend(kernels, precision);
        Embedding = new CudaEmbeddingBackend(kernels, tensors, Edit);
        Diffusion = new CudaDiffusionBackend(kernels, tensors);
    }

    /// <summary>The device in use.</summary>
    public CudaDeviceInfo Device => context.Device;

    /// <summary>The edit math of batches of pairs with host tokens.</summary>
    public CudaEditBackend Edit { get; }

    /// <summary>CLIP's tokens, the edit and the mapping on device memory.</summary>
    public CudaEmbeddingBackend Embedding { get; }

    /// <summary>The sampler and the decoding networks on device memory.</summary>
    public CudaDiffusionBackend Diffusion { get; }

    /// <summary>Opens device <paramref name="device"/> and its kernels.</summary>
    /// <exception cref="NotSupportedException">No CUDA driver or device, or no NVRTC; the message says which and where it looked.</exception>
    public static CudaBackends Open(int device = 0, string? cacheFolder = null, EigenPrecision precision = EigenPrecision.DoublePrecision)
    {
        CudaSupport.Detect().ThrowIfNotSupported();
        NvrtcCompiler compiler = NvrtcCompiler.TryLoad(out string reason)
            ?? throw new NotSupportedException($"The CUDA backend needs NVRTC to compile its kernels: {reason}");
        CudaContext context = CudaContext.Open(device);
        KernelLibrary? library = null;
        try
        {
            library = new KernelLibrary(context, compiler, new KernelCache(cacheFolder ?? KernelCache.DefaultFolder));
            return new CudaBackends(context, library, precision);
        }
        catch
        {
            library?.Dispose();
            context.Dispose();
            throw;
        }
    }

    /// <summary>ONNX Runtime options for networks that share this device and stream with the kernels.</summary>
    public NetworkOptions NetworkOptions(int intraOpThreads = 0) =>
        new(ExecutionProvider.Cuda, context.Device.Ordinal, intraOpThreads) { ComputeStream = context.Stream.NativeHandle };

    /// <summary>Frees the backends, the kernels and the stream, and releases the primary context.</summary>
    public void Dispose()
    {
        Edit.Dispose();
        tensors.Dispose();
        library.Dispose();
        context.Dispose();
    }
}
