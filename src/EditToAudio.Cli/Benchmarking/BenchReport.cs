using System.Text.Json.Serialization;

namespace EditToAudio.Cli.Benchmarking;

/// <summary>One measured stage on one device.</summary>
/// <remarks>
/// The device fields are null, not zero, for measurements that ran no engine kernels (the CPU
/// edit, the networks): there was nothing to measure.
/// <see cref="PeakDeviceBufferMegabytes"/> is the most the engine's own device buffers held at once
/// during the measured runs; <see cref="DeviceInUseMegabytes"/> is what the driver reported in use on
/// the whole device right after them (workspaces, other libraries and processes included).
/// The latencies are of one <see cref="LatencyOf"/> ("batch of 256 pairs", "pair", "clip");
/// <see cref="PeakHostMegabytes"/> is the peak resident memory during this stage alone.
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
    string LatencyOf,
    double PeakHostMegabytes,
    double HostDeviceCopiesPerItem,
    IReadOnlyDictionary<string, double>? ShareOfTime = null,
    double? PeakDeviceBufferMegabytes = null,
    double? DeviceInUseMegabytes = null);

/// <summary>What <c>bench</c> prints or writes with --json; <paramref name="Build"/> is "Release" or "Debug" (whose timings mean little).</summary>
internal sealed record BenchReport(string Machine, string Build, string Models, bool SyntheticModels, IReadOnlyList<StageMeasurement> Stages, IReadOnlyList<string> Notes);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJson : JsonSerializerContext;
