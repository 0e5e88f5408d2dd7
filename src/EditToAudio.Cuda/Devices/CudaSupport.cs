using System.Globalization;
using EditToAudio.Cuda.Native;

namespace EditToAudio.Cuda.Devices;

/// <summary>
/// Whether this machine can run the CUDA backend, and if not, why. Detection never throws for a
/// missing driver or device, so the CPU path can ask unconditionally.
/// </summary>
public sealed record CudaSupport
{
    private CudaSupport(bool isSupported, string reason, int driverVersion, IReadOnlyList<CudaDeviceInfo> devices)
    {
        IsSupported = isSupported;
        Reason = reason;
        DriverVersion = driverVersion;
        Devices = devices;
    }

    /// <summary>True when the driver loaded and at least one device is present.</summary>
    public bool IsSupported { get; }

    /// <summary>Why the backend is not supported; empty when it is.</summary>
    public string Reason { get; }

    /// <summary>The driver's CUDA version as reported by <c>cuDriverGetVersion</c> (e.g. 13000), 0 when unknown.</summary>
    public int DriverVersion { get; }

    /// <summary>The devices found.</summary>
    public IReadOnlyList<CudaDeviceInfo> Devices { get; }

    /// <summary>The driver version as "major.minor".</summary>
    public string DriverVersionText => DriverVersion == 0
        ? "none"
        : string.Create(CultureInfo.InvariantCulture, $"{DriverVersion / 1000}.{DriverVersion % 1000 / 10}");

    /// <summary>Loads the driver and enumerates the devices.</summary>
    public static CudaSupport Detect()
    {
        if (!CudaLibraryLocator.TryLoadShared(CudaLibrary.Driver, out string reason))
        {
            return new CudaSupport(false, reason, 0, []);
        }
        try
        {
            CudaDriver.Check(CudaDriver.cuInit(0));
            CudaDriver.Check(CudaDriver.cuDriverGetVersion(out int version));
            CudaDriver.Check(CudaDriver.cuDeviceGetCount(out int count));
            if (count == 0)
            {
                return new CudaSupport(false, "The CUDA driver is installed but reports no device.", version, []);
            }
            var devices = new List<CudaDeviceInfo>(count);
            for (int ordinal = 0; ordinal < count; ordinal++)
            {
                devices.Add(CudaDeviceInfo.Query(ordinal));
            }
            return new CudaSupport(true, "", version, devices);
        }
        catch (CudaException e)
        {
            return new CudaSupport(false, "The CUDA driver could not be initialized: " + e.Message, 0, []);
        }
    }

    /// <summary>Throws <see cref="NotSupportedException"/> with <see cref="Reason"/> when the backend is not supported.</summary>
    public void ThrowIfNotSupported()
    {
        if (!IsSupported)
        {
            throw new NotSupportedException("The CUDA backend is not available: " + Reason);
        }
    }
}

/// <summary>Facts about one CUDA device.</summary>
/// <param name="Ordinal">The device's index.</param>
/// <param name="Name">The marketing name.</param>
/// <param name="ComputeCapabilityMajor">Compute capability, major part (9 for an H100).</param>
/// <param name="ComputeCapabilityMinor">Compute capability, minor part.</param>
/// <param name="MultiprocessorCount">Number of streaming multiprocessors.</param>
public sealed record CudaDeviceInfo(int Ordinal, string Name, int ComputeCapabilityMajor, int ComputeCapabilityMinor, int MultiprocessorCount)
{
    /// <summary>The SM number used in compiler targets, e.g. 90.</summary>
    public int Architecture => ComputeCapabilityMajor * 10 + ComputeCapabilityMinor;

    internal static unsafe CudaDeviceInfo Query(int ordinal)
    {
        CudaDriver.Check(CudaDriver.cuDeviceGet(out int device, ordinal));
        byte* name = stackalloc byte[256];
        CudaDriver.Check(CudaDriver.cuDeviceGetName(name, 256, device));
        CudaDriver.Check(CudaDriver.cuDeviceGetAttribute(out int major, CuDeviceAttribute.ComputeCapabilityMajor, device));
        CudaDriver.Check(CudaDriver.cuDeviceGetAttribute(out int minor, CuDeviceAttribute.ComputeCapabilityMinor, device));
        CudaDriver.Check(CudaDriver.cuDeviceGetAttribute(out int multiprocessors, CuDeviceAttribute.MultiprocessorCount, device));
        return new CudaDeviceInfo(ordinal, new string((sbyte*)name), major, minor, multiprocessors);
    }
}
