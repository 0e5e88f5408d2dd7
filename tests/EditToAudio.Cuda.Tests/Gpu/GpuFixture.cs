using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Pipeline;

namespace EditToAudio.Cuda.Tests.Gpu;

/// <summary>
/// One CUDA backend (opened as the engine opens it) for all GPU tests. Where there is no GPU (or no
/// NVRTC) the fixture records why, and every GPU test skips with that reason.
/// </summary>
public sealed class GpuFixture : IDisposable
{
    private readonly string _cacheFolder = Path.Combine(Path.GetTempPath(), "e2a-gpu-tests-" + Guid.NewGuid().ToString("N"));
    private readonly CudaBackend? _backend;
    private readonly string _skipReason = "";

    public GpuFixture()
    {
        try
        {
            _backend = CudaBackend.Open(new CudaBackendOptions { KernelCacheFolder = _cacheFolder });
        }
        catch (NotSupportedException e)
        {
            _skipReason = e.Message;
        }
    }

    /// <summary>The backend, or a skip with the reason.</summary>
    public CudaBackend Backend
    {
        get
        {
            if (_backend is null)
            {
                Assert.Skip(_skipReason);
            }
            return _backend;
        }
    }

    /// <summary>The kernels, or a skip with the reason.</summary>
    public EngineKernels Kernels => Backend.Kernels;

    public CudaContext Context => Kernels.Library.Context;

    public void Dispose()
    {
        _backend?.Dispose();
        if (Directory.Exists(_cacheFolder))
        {
            Directory.Delete(_cacheFolder, recursive: true);
        }
    }
}

[CollectionDefinition("GPU")]
public sealed class GpuTestGroup : ICollectionFixture<GpuFixture>;
