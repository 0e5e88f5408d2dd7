using System.Globalization;

namespace EditToAudio.Cuda.Compilation;

/// <summary>What NVRTC produces: a cubin for one exact SM, or PTX for a virtual architecture.</summary>
public enum KernelImageKind
{
    /// <summary>Machine code for one SM (loaded without JIT).</summary>
    Cubin,

    /// <summary>PTX, JIT-compiled by the driver at load time (the fallback).</summary>
    Ptx,
}

/// <summary>A compilation target.</summary>
/// <param name="Architecture">SM number, e.g. 90 for compute capability 9.0.</param>
/// <param name="Kind">Cubin or PTX.</param>
public readonly record struct KernelTarget(int Architecture, KernelImageKind Kind)
{
    /// <summary>NVRTC's <c>--gpu-architecture</c> value: <c>sm_XY</c> for a cubin, <c>compute_XY</c> for PTX.</summary>
    public string ArchitectureOption => string.Create(CultureInfo.InvariantCulture,
        $"--gpu-architecture={(Kind == KernelImageKind.Cubin ? "sm" : "compute")}_{Architecture}");

    /// <inheritdoc/>
    public override string ToString() => ArchitectureOption[("--gpu-architecture=".Length)..];
}

/// <summary>A compiled kernel file.</summary>
/// <param name="Target">What it was compiled for.</param>
/// <param name="Data">The cubin, or the PTX text including its terminating zero byte.</param>
/// <param name="Log">NVRTC's log (warnings), possibly empty.</param>
public sealed record KernelImage(KernelTarget Target, byte[] Data, string Log);
