using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.Cuda.Compilation;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Onnx;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Networks;

namespace EditToAudio.Cuda.Pipeline;

/// <summary>How the CUDA backend is opened.</summary>
public sealed record CudaBackendOptions
{
    /// <summary>The device ordinal.</summary>
    public int Device { get; init; }

    /// <summary>The kernel cache folder; null uses <see cref="KernelCache.DefaultFolder"/>.</summary>
    public string? KernelCacheFolder { get; init; }

    /// <summary>How the edit's eigen stage runs (float64 by default, as the CPU).</summary>
    public CudaEditOptions Edit { get; init; } = new();

    /// <summary>Let ONNX Runtime's CUDA provider use TF32 (<see cref="NetworkOptions.AllowTf32"/>); off, so the GPU computes what the CPU computes.</summary>
    public bool AllowTf32 { get; init; }
}

/// <summary>
/// Every stage on one CUDA device: the primary context and the engine's stream, the kernels (NVRTC,
/// disk cache), and the networks on ONNX Runtime's CUDA provider on that device and stream, so device
/// tensors pass between the networks and the kernels without copies or extra synchronization. Inside
/// a stage the tensors stay in device memory; between stages they cross as host arrays, since each is
/// also an output the run records (masks, tokens, the edit's parts, CLAP embeddings). Thread-safe:
/// calls run one after another on the stream.
/// </summary>
public sealed class CudaBackend : ComputeBackend
{
    private readonly CudaContext _context;
    private readonly KernelLibrary _library;
    private readonly DeviceTensors _tensors;
    private readonly CudaEdit _edit;
    private readonly CudaImageStages _images;
    private readonly CudaMapping _mapping;
    private readonly CudaSampler _sampler;
    private readonly bool _allowTf32;
    private readonly Lock _gate = new();

    private CudaBackend(CudaContext context, KernelLibrary library, CudaBackendOptions options)
    {
        _context = context;
        _library = library;
        _allowTf32 = options.AllowTf32;
        Kernels = new EngineKernels(library);
        _tensors = new DeviceTensors(context);
        _edit = new CudaEdit(Kernels, options.Edit);
        _images = new CudaImageStages(Kernels, _tensors);
        _mapping = new CudaMapping(Kernels, _tensors);
        _sampler = new CudaSampler(Kernels, _tensors);
    }

    /// <inheritdoc/>
    public override string Name => "cuda";

    /// <summary>The device in use.</summary>
    public CudaDeviceInfo Device => _context.Device;

    /// <summary>The engine's kernels on this device.</summary>
    public EngineKernels Kernels { get; }

    /// <summary>The batched edit on device memory, for callers that hold patch weights rather than masks (bench, self-test).</summary>
    public CudaEditPipeline EditPipeline => _edit.Pipeline;

    /// <summary>
    /// Opens device <paramref name="options"/>.Device and its kernels: the one place the engine opens CUDA
    /// (the CLI, bench, self-test and test fixtures all come here, through <see cref="ComputeBackends"/> or directly).
    /// </summary>
    /// <exception cref="NotSupportedException">No CUDA driver or device, or no NVRTC; the message says which and where it looked.</exception>
    public static CudaBackend Open(CudaBackendOptions? options = null)
    {
        options ??= new CudaBackendOptions();
        options.Edit.Validate();
        CudaSupport.Detect().ThrowIfNotSupported();
        NvrtcCompiler compiler = NvrtcCompiler.TryLoad(out string reason)
            ?? throw new NotSupportedException($"The CUDA backend needs NVRTC to compile its kernels: {reason}");
        CudaContext context = CudaContext.Open(options.Device);
        KernelLibrary? library = null;
        try
        {
            library = new KernelLibrary(context, compiler, new KernelCache(options.KernelCacheFolder ?? KernelCache.DefaultFolder));
            return new CudaBackend(context, library, options);
        }
        catch
        {
            library?.Dispose();
            context.Dispose();
            throw;
        }
    }

    /// <summary>The device's free and total memory now, counting every allocation on it.</summary>
    public DeviceMemoryInfo MemoryInfo() => _context.MemoryInfo();

    /// <inheritdoc/>
    public override IReadOnlyList<EditResult[]> Edit(IReadOnlyList<EditJob> jobs, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return _edit.Edit(jobs, cancellationToken);
        }
    }

    /// <inheritdoc/>
    protected override NetworkOptions NetworkOptions(int intraOpThreads) =>
        new(ExecutionProvider.Cuda, _context.Device.Ordinal, intraOpThreads) { ComputeStream = _context.Stream.NativeHandle, AllowTf32 = _allowTf32 };

    /// <inheritdoc/>
    protected override IReadOnlyList<SegmentationResult> Segment(NetworkSet networks, RgbImage image, IReadOnlyList<SegmentationPrompt> prompts, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _images.Segment(networks, image, prompts, cancellationToken);
        }
    }

    /// <inheritdoc/>
    protected override float[] EncodeImages(NetworkSet networks, IReadOnlyList<RgbImage> images, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _images.Encode(networks, images, cancellationToken);
        }
    }

    /// <inheritdoc/>
    protected override float[] Map(NetworkSet networks, float[] clip, IReadOnlyList<MappingKey> keys, int varSamples, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _mapping.Map(networks, clip, keys, varSamples, cancellationToken);
        }
    }

    /// <inheritdoc/>
    protected override DecodedCandidates Sample(NetworkSet networks, DiffusionJob job, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _sampler.Sample(networks, job, progress, cancellationToken);
        }
    }

    /// <summary>Frees the edit's handles and scratch, the kernels and the stream, and releases the primary context.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _edit.Dispose();
            _tensors.Dispose();
            _library.Dispose();
            _context.Dispose();
        }
        base.Dispose(disposing);
    }
}
