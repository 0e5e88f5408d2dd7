using EditToAudio.Cuda.Devices;
using EditToAudio.Images;

namespace EditToAudio.Cuda.Kernels;

/// <summary>
/// Device copies of both axes' taps and weights for torchvision's antialiased bilinear resize
/// (<see cref="AntialiasedBilinearResampler.ComputeAxis"/>), as the resampling kernels read them.
/// </summary>
public sealed class ResampleAxes : IDisposable
{
    private readonly OwnedResources _owned = new();

    /// <summary>Computes the axes for <paramref name="width"/>×<paramref name="height"/> → <paramref name="outWidth"/>×<paramref name="outHeight"/> and uploads them.</summary>
    public ResampleAxes(CudaContext context, int width, int height, int outWidth, int outHeight)
    {
        ArgumentNullException.ThrowIfNull(context);
        AntialiasedBilinearResampler.Axis x = AntialiasedBilinearResampler.ComputeAxis(width, outWidth);
        AntialiasedBilinearResampler.Axis y = AntialiasedBilinearResampler.ComputeAxis(height, outHeight);
        (Width, Height, OutWidth, OutHeight, XKernelSize, YKernelSize) = (width, height, outWidth, outHeight, x.KernelSize, y.KernelSize);
        try
        {
            XStart = _owned.Own(context.Upload<int>(x.Start));
            XCount = _owned.Own(context.Upload<int>(x.Count));
            XWeights = _owned.Own(context.Upload<float>(x.Weights));
            YStart = _owned.Own(context.Upload<int>(y.Start));
            YCount = _owned.Own(context.Upload<int>(y.Count));
            YWeights = _owned.Own(context.Upload<float>(y.Weights));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Input width.</summary>
    public int Width { get; }

    /// <summary>Input height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int OutWidth { get; }

    /// <summary>Output height.</summary>
    public int OutHeight { get; }

    internal int XKernelSize { get; }

    internal int YKernelSize { get; }

    internal DeviceBuffer<int> XStart { get; } = null!;

    internal DeviceBuffer<int> XCount { get; } = null!;

    internal DeviceBuffer<float> XWeights { get; } = null!;

    internal DeviceBuffer<int> YStart { get; } = null!;

    internal DeviceBuffer<int> YCount { get; } = null!;

    internal DeviceBuffer<float> YWeights { get; } = null!;

    /// <summary>Frees the tables.</summary>
    public void Dispose() => _owned.Dispose();
}
