namespace EditToAudio.Cuda.Devices;

/// <summary>
/// A device's memory as the driver reports it (<c>cuMemGetInfo</c>): every process's and library's
/// allocations count, not only the engine's own buffers.
/// </summary>
/// <param name="FreeBytes">Bytes the driver could still allocate.</param>
/// <param name="TotalBytes">The device's memory.</param>
public sealed record DeviceMemoryInfo(long FreeBytes, long TotalBytes)
{
    /// <summary>Bytes in use on the device: total minus free.</summary>
    public long UsedBytes => TotalBytes - FreeBytes;
}
