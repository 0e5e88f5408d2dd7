using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using EditToAudio.Backends;
using EditToAudio.Cli.Benchmarking;
using EditToAudio.Cuda;
using EditToAudio.Cuda.Pipeline;
using EditToAudio.IO;
using EditToAudio.Pipeline;

namespace EditToAudio.Cli.Commands;

/// <summary><c>edit2audio bench</c>: throughput and latency per stage, after a warm-up.</summary>
internal static class BenchCommand
{
    private enum Stage
    {
        Edit,
        Embed,
        Audio,
        All,
    }

    public static Command Create()
    {
        var stage = new Option<Stage>("--stage") { Description = "Edit (the edit math), Embed (SAM2, CLIP, edit, SSV2A), Audio (whole runs) or All.", DefaultValueFactory = _ => Stage.Edit };
        var device = new DeviceOptions("cpu, cuda (every stage then runs on both backends, so the ratio comes from one run; the cuda rows add device memory) or auto (cuda when a CUDA device is present).");
        var pairs = new Option<int?>("--pairs") { Description = "Pairs (clips for audio) to measure; default 1024 for edit, 16 for embed, 2 for audio." };
        pairs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1 and int value)
            {
                r.AddError($"--pairs must be at least 1, got {value}.");
            }
        });
        var batch = new Option<int>("--batch") { Description = "Pairs per batch in the edit stage.", DefaultValueFactory = _ => 256 }.AtLeast(1);
        var workers = new Option<int>("--workers") { Description = "Parallel workers on the CPU (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);
        var steps = new Option<int>("--steps") { Description = "DDIM steps in the audio stage.", DefaultValueFactory = _ => 200 }.AtLeast(1);
        var models = new Option<DirectoryInfo?>("--models") { Description = "Model set (default: the bundled synthetic set)." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the measurements as JSON to this file." };
        var command = new Command("bench", "Measure throughput (pairs or clips per second), latency (p50, p95), peak memory and host/device copies per pair.")
        {
            stage, pairs, batch, workers, steps, models, json,
        };
        device.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(result, async (stdout, stderr) =>
        {
            Stage chosen = result.GetValue(stage);
            // auto must pick a provider here too, not fall silently to the CPU.
            bool cuda = device.Resolve(result, stderr) == ComputeDevice.Cuda;
            int? count = result.GetValue(pairs);
            var measurements = new List<StageMeasurement>();
            var notes = new List<string>();
            if (chosen is Stage.Edit or Stage.All)
            {
                var inputs = SyntheticEditPairs.Create(count ?? 1024);
                measurements.Add(StageBenchmarks.EditCpu(inputs, result.GetValue(batch), result.GetValue(workers), cancellationToken));
                if (cuda)
                {
                    using ComputeBackend backend = device.Open(result, ComputeDevice.Cuda);
                    measurements.Add(StageBenchmarks.EditCuda((CudaBackend)backend, inputs, result.GetValue(batch), cancellationToken));
                    notes.Add(string.Create(CultureInfo.InvariantCulture,
                        $"edit: cuda / cpu throughput = {measurements[^1].ItemsPerSecond / measurements[^2].ItemsPerSecond:F1}x in this run"));
                }
            }
            string modelName = "none (the edit stage needs no networks)";
            bool synthetic = false;
            if (chosen is not Stage.Edit)
            {
                // Workers share the cores with ONNX Runtime's own threads: split them, so W workers × T threads ≈ cores.
                int intraOpThreads = Math.Max(1, Environment.ProcessorCount / result.GetValue(workers));
                // On CUDA both backends are measured in this run: every stage on the CPU, and every stage on the GPU.
                using ComputeBackend cpu = ComputeBackends.Open(ComputeDevice.Cpu);
                using ComputeBackend? gpu = cuda ? device.Open(result, ComputeDevice.Cuda) : null;
                var options = new EngineOptions { ModelFolder = result.GetValue(models)?.FullName, Backend = cpu, IntraOpThreads = intraOpThreads };
                using EditToAudioEngine engine = EditToAudioEngine.Open(options);
                using EditToAudioEngine? resident = gpu is null ? null : EditToAudioEngine.Open(options with { Backend = gpu });
                modelName = engine.Models.Name;
                synthetic = engine.Models.IsSynthetic;
                foreach (EditToAudioEngine measured in resident is null ? [engine] : new[] { engine, resident })
                {
                    if (chosen is Stage.Embed or Stage.All)
                    {
                        measurements.Add(await StageBenchmarks.EmbedAsync(measured, count ?? 16, result.GetValue(workers), cancellationToken).ConfigureAwait(false));
                    }
                    if (chosen is Stage.Audio or Stage.All)
                    {
                        measurements.Add(await StageBenchmarks.AudioAsync(measured, count ?? 2, result.GetValue(steps), cancellationToken).ConfigureAwait(false));
                    }
                }
                if (resident is not null)
                {
                    foreach (IGrouping<string, StageMeasurement> pair in measurements.Where(m => m.Stage != "edit").GroupBy(m => m.Stage))
                    {
                        StageMeasurement onCpu = pair.First(), onGpu = pair.Last();
                        notes.Add(string.Create(CultureInfo.InvariantCulture,
                            $"{pair.Key}: {onGpu.Device} / {onCpu.Device} throughput = {onGpu.ItemsPerSecond / onCpu.ItemsPerSecond:F2}x in this run"));
                    }
                }
            }
            var report = new BenchReport(Machine(), modelName, synthetic, measurements, notes);
            Print(stdout, report);
            if (result.GetValue(json) is { } file)
            {
                AtomicFile.WriteAllText(file.FullName, JsonSerializer.Serialize(report, BenchJson.Default.BenchReport) + "\n");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    // One decimal: the engine's buffers for a small batch are a fraction of a megabyte.
    private static string Megabytes(double? value) => value is { } megabytes ? megabytes.ToString("F1", CultureInfo.InvariantCulture) : "-";

    private static string Machine() => string.Create(CultureInfo.InvariantCulture,
        $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");

    /// <summary>Writes the report as a Markdown table; device memory reads "-" where the stage ran no engine kernels.</summary>
    internal static void Print(TextWriter output, BenchReport report)
    {
        output.WriteLine($"machine: {report.Machine}");
        output.WriteLine($"models: {report.Models}{(report.SyntheticModels ? " (synthetic)" : "")}");
        output.WriteLine("| stage | device | items | batch | workers | items/s | p50 ms | p95 ms | peak host MB | peak device buffers MB | device in use MB | copies/item |");
        output.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (StageMeasurement m in report.Stages)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {m.Stage} | {m.Device} | {m.Items} {m.Unit} | {m.Batch} | {m.Workers} | {m.ItemsPerSecond:F1} | {m.LatencyP50Milliseconds:F2} | {m.LatencyP95Milliseconds:F2} | {m.PeakHostMegabytes:F0} | {Megabytes(m.PeakDeviceBufferMegabytes)} | {Megabytes(m.DeviceInUseMegabytes)} | {m.HostDeviceCopiesPerItem:F3} |"));
            if (m.ShareOfTime is { Count: > 0 } shares)
            {
                output.WriteLine("  share of GPU time: " + string.Join(", ", shares.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:P0}"))));
            }
        }
        foreach (string note in report.Notes)
        {
            output.WriteLine(note);
        }
    }
}
