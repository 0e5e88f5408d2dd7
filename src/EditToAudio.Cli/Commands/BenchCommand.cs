using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
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
            if (r.Parsed<int>() is < 1 and int value)
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
            string build = BuildConfiguration();
            if (build == "Debug")
            {
                await stderr.WriteLineAsync("warning: this edit2audio is a Debug build, whose timings mean little; build with -c Release to measure.").ConfigureAwait(false);
            }
            // auto must pick a provider here too, not fall silently to the CPU.
            bool cuda = device.Resolve(result, stderr) == ComputeDevice.Cuda;
            int? count = result.GetValue(pairs);
            var measurements = new List<StageMeasurement>();
            var notes = new List<string>();
            if (chosen is Stage.Edit or Stage.All)
            {
                measurements.AddRange(MeasureEdit(count ?? 1024, result.GetValue(batch), result.GetValue(workers), cuda ? () => device.Open(result, ComputeDevice.Cuda) : null, notes, cancellationToken));
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
                        using StagePeak peak = StagePeak.Start();
                        StageMeasurement embed = await StageBenchmarks.EmbedAsync(measured, count ?? 16, result.GetValue(workers), cancellationToken).ConfigureAwait(false);
                        measurements.Add(embed with { PeakHostMegabytes = peak.Megabytes() });
                    }
                    if (chosen is Stage.Audio or Stage.All)
                    {
                        using StagePeak peak = StagePeak.Start();
                        StageMeasurement audioStage = await StageBenchmarks.AudioAsync(measured, count ?? 2, result.GetValue(steps), cancellationToken).ConfigureAwait(false);
                        measurements.Add(audioStage with { PeakHostMegabytes = peak.Megabytes() });
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
            var report = new BenchReport(Machine(), build, modelName, synthetic, measurements, notes);
            Print(stdout, report);
            if (result.GetValue(json) is { } file)
            {
                AtomicFile.WriteAllText(file.FullName, ReadableJson.Serialize(report, BenchJson.Default.BenchReport) + "\n");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>
    /// The edit stage, in its own method so that its inputs (1.6 GB for 1024 pairs) are garbage once
    /// it returns and the next stage's peak memory is its own.
    /// </summary>
    private static List<StageMeasurement> MeasureEdit(int count, int batch, int workers, Func<ComputeBackend>? openCuda, List<string> notes, CancellationToken cancellationToken)
    {
        var inputs = SyntheticEditPairs.Create(count);
        var measured = new List<StageMeasurement>();
        using (StagePeak peak = StagePeak.Start())
        {
            StageMeasurement cpu = StageBenchmarks.EditCpu(inputs, batch, workers, cancellationToken);
            measured.Add(cpu with { PeakHostMegabytes = peak.Megabytes() });
        }
        if (openCuda is not null)
        {
            using ComputeBackend backend = openCuda();
            using StagePeak peak = StagePeak.Start();
            StageMeasurement gpu = StageBenchmarks.EditCuda((CudaBackend)backend, inputs, batch, cancellationToken);
            measured.Add(gpu with { PeakHostMegabytes = peak.Megabytes() });
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"edit: cuda / cpu throughput = {measured[1].ItemsPerSecond / measured[0].ItemsPerSecond:F1}x in this run"));
        }
        return measured;
    }

    /// <summary>"Debug" when the runner or the engine was compiled without optimizations, else "Release".</summary>
    internal static string BuildConfiguration() =>
        new[] { typeof(BenchCommand).Assembly, typeof(EditToAudioEngine).Assembly }
            .Any(a => a.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true) ? "Debug" : "Release";

    // One decimal: the engine's buffers for a small batch are a fraction of a megabyte.
    private static string Megabytes(double? value) => value is { } megabytes ? megabytes.ToString("F1", CultureInfo.InvariantCulture) : "-";

    private static string Machine() => string.Create(CultureInfo.InvariantCulture,
        $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");

    /// <summary>Writes the report as a Markdown table; device memory reads "-" where the stage ran no engine kernels.</summary>
    internal static void Print(TextWriter output, BenchReport report)
    {
        output.WriteLine($"machine: {report.Machine}; {report.Build} build");
        output.WriteLine($"models: {report.Models}{(report.SyntheticModels ? " (synthetic)" : "")}");
        output.WriteLine("| stage | device | items | batch | workers | items/s | p50 ms | p95 ms | latency of | peak host MB | peak device buffers MB | device in use MB | copies/item |");
        output.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        foreach (StageMeasurement m in report.Stages)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {m.Stage} | {m.Device} | {m.Items} {m.Unit} | {m.Batch} | {m.Workers} | {m.ItemsPerSecond:F1} | {m.LatencyP50Milliseconds:F2} | {m.LatencyP95Milliseconds:F2} | {m.LatencyOf} | {m.PeakHostMegabytes:F0} | {Megabytes(m.PeakDeviceBufferMegabytes)} | {Megabytes(m.DeviceInUseMegabytes)} | {m.HostDeviceCopiesPerItem:F3} |"));
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
