using EditToAudio.Cuda.Compilation;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;

namespace EditToAudio.Cuda.Tests.Gpu;

/// <summary>
/// One context and kernel library for all GPU tests. Where there is no GPU (or no NVRTC) the
/// fixture records why, and every GPU test skips with that reason.
/// </summary>
public sealed class GpuFixture : IDisposable
{
    private readonly string cacheFolder = Path.Combine(Path.GetTempPath(), "e2a-gpu-tests-" + Guid.NewGuid().ToString("N"));
    private readonly CudaContext? context;
    private readonly KernelLibrary? library;
    private readonly string skipReason = "";

    public GpuFixture()
    {
        CudaSupport support = CudaSupport.Detect();
        if (!support.IsSupported)
        {
            skipReason = "No CUDA GPU on this machine: " + support.Reason;
            return;
        }
        NvrtcCompiler? compiler = NvrtcCompiler.TryLoad(out string nvrtcReason);
        if (compiler is null)
        {
            skipReason = "A GPU is present but NVRTC is not: " + nvrtcReason;
            return;
        }
        context = CudaContext.Open();
        library = new KernelLibrary(context, compiler, new KernelCache(cacheFolder));
    }

    /// <summary>The kernels, or a skip with the reason.</summary>
    public EngineKernels Kernels
    {
        get
        {
            if (library is null)
                Assert.Skip(skipReason);
            return new EngineKernels(library);
        }
    }

    public CudaContext Context => Kernels.Library.Context;

    public void Dispose()
    {
        library?.Dispose();
        context?.Dispose();
        if (Directory.Exists(cacheFolder))
            Directory.Delete(cacheFolder, recursive: true);
    }
}

[CollectionDefinition("GPU")]
public sealed class GpuTestGroup : ICollectionFixture<GpuFixture>;
