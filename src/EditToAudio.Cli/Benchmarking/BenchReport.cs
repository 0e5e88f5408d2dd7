using System.Text.Json.Serialization;

namespace EditToAudio.Cli.Benchmarking;

/// <summary>One measured stage on one device.</summary>
/// <remarks>
/// The device fields are null, not zero, for measurements that ran no engine kernels (the CPU
/// edit, the networks): there was nothing to measure.
/// <see cref="PeakDeviceBufferMegabytes"/> is the most the engine's own device buffers held at once
/// during the measured runs; <see cref="DeviceInUseMegabytes"/> is what the driver reported in use on
/// the whole device right after them (workspaces, other libraries and processes included).
/// </remarks>
internal sealed record StageMeasurement(
    string Stage,
    string Device,
    int Items,
    string Unit,
    int Batch,
    int Workers,
    double Seconds,
    double ItemsPerSecond,
    double LatencyP50Milliseconds,
    double LatencyP95Milliseconds,
    double PeakHostMegabytes,
    double HostDeviceCopiesPerItem,
    IReadOnlyDictionary<string, double>? ShareOfTime = null,
    double? PeakDeviceBufferMegabytes = null,
    double? DeviceInUseMegabytes = null);

/// <summary>What <c>bench</c> prints or writes with --json.</summary>
internal sealed record BenchReport(string Machine, string Models, bool SyntheticModels, IReadOnlyList<StageMeasurement> Stages, IReadOnlyList<string> Notes);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJson : JsonSerializerContext;
