using EditToAudio.Cuda.Compilation;
using EditToAudio.Cuda.Devices;

namespace EditToAudio.Cuda.Kernels;

/// <summary>
/// The engine's kernel modules in one context: each file is compiled (or read from the disk cache)
/// for the device's SM on first use and loaded once.
/// </summary>
public sealed class KernelLibrary : IDisposable
{
    private readonly CachedKernelCompiler _compiler;
    private readonly Dictionary<string, CudaModule> _modules = new(StringComparer.Ordinal);
    private readonly Lock _modulesLock = new();

    /// <summary>Creates the library for <paramref name="context"/>.</summary>
    /// <param name="context">The context to load modules into.</param>
    /// <param name="compiler">NVRTC.</param>
    /// <param name="cache">The disk cache; null to always compile.</param>
    public KernelLibrary(CudaContext context, NvrtcCompiler compiler, KernelCache? cache)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(compiler);
        Context = context;
        _compiler = new CachedKernelCompiler(compiler, cache);
        Target = compiler.TargetFor(context.Device.Architecture);
    }

    /// <summary>The context.</summary>
    public CudaContext Context { get; }

    /// <summary>What the kernels are compiled for.</summary>
    public KernelTarget Target { get; }

    /// <summary>Why a compiled file could not be stored in the disk cache (the kernels still run); null when all stores succeeded.</summary>
    public string? CacheWriteError => _compiler.CacheWriteError;

    /// <summary>Files compiled in this process (the rest came from the cache).</summary>
    public int CompiledCount { get; private set; }

    /// <summary>The kernel <paramref name="signature"/> declares, from its file's module.</summary>
    public CudaKernel Function(KernelSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return Module(signature.File).Function(signature);
    }

    /// <summary>The loaded module for <paramref name="file"/>.</summary>
    public CudaModule Module(string file)
    {
        lock (_modulesLock)
        {
            if (_modules.TryGetValue(file, out CudaModule? module))
            {
                return module;
            }
            KernelImage image = _compiler.GetImage(KernelSources.Get(file), Target, null, out bool fromCache);
            if (!fromCache)
            {
                CompiledCount++;
            }
            module = CudaModule.Load(Context, file, image.Data);
            _modules.Add(file, module);
            return module;
        }
    }

    /// <summary>Unloads every module.</summary>
    public void Dispose()
    {
        lock (_modulesLock)
        {
            foreach (CudaModule module in _modules.Values)
            {
                module.Dispose();
            }
            _modules.Clear();
        }
    }
}
