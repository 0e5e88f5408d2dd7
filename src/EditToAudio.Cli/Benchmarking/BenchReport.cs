using System.Text.Json.Serialization;

namespace EditToAudio.Cli.Benchmarking;

/// <summary>One measured stage on one device.</summary>
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
    double? PeakDeviceMegabytes,
    double HostDeviceCopiesPerItem,
    IReadOnlyDictionary<string, double>? ShareOfTime = null);

/// <summary>What <c>bench</c> prints or writes with --json.</summary>
internal sealed record BenchReport(string Machine, string Models, bool SyntheticModels, IReadOnlyList<StageMeasurement> Stages, IReadOnlyList<string> Notes);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJson : JsonSerializerContext;
