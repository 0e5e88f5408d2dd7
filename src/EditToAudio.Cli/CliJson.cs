using System.Text.Json.Serialization;
using EditToAudio.Cli.Commands;

namespace EditToAudio.Cli;

/// <summary>Source-generated JSON (trimming-safe) for the CLI's machine-readable output.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(EditSummary))]
[JsonSerializable(typeof(EditToAudio.Evaluation.EvaluationSummary))]
internal sealed partial class CliJson : JsonSerializerContext;
