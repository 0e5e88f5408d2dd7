using System.CommandLine;
using System.Globalization;
using EditToAudio.Cuda.Compilation;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.SelfTest;

namespace EditToAudio.Cli.Commands;

/// <summary>
/// <c>edit2audio selftest [--gpu]</c>: without <c>--gpu</c>, reports CUDA support and compiles every
/// kernel with NVRTC (no GPU needed); with it, runs the GPU parity checks and a short benchmark.
/// </summary>
internal static class SelfTestCommand
{
    /// <summary>No GPU or no NVRTC (the reason is printed), as docs/gpu-verification.md documents.</summary>
    private const int NotAvailable = 2;

    // Ampere and Hopper: the data-centre GPUs the engine is checked on.
    private static readonly int[] CheckedArchitectures = [80, 90];

    public static Command Create()
    {
        var gpu = new Option<bool>("--gpu") { Description = "Run every kernel on the GPU against its float64 reference, then benchmark the batched edit." };
        var pairs = new Option<int[]>("--benchmark-pairs")
        {
            Description = "Batch sizes (pairs) for the benchmark; 0 skips it.",
            DefaultValueFactory = _ => [256, 1024, 4096],
            AllowMultipleArgumentsPerToken = true,
        };
        var repetitions = new Option<int>("--repetitions") { Description = "Timed runs per batch size.", DefaultValueFactory = _ => 3 }.AtLeast(1);
        var device = new Option<int>("--device-index") { Description = "CUDA device ordinal.", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var command = new Command("selftest", "Check the CUDA backend: kernel compilation everywhere; with --gpu, GPU parity against float64 references and a benchmark.")
        {
            gpu, pairs, repetitions, device,
        };
        command.SetAction((result, cancellationToken) => CommandRunner.Run(result, (stdout, stderr) => result.GetValue(gpu)
            ? RunGpu(new CudaSelfTestOptions
            {
                BenchmarkBatchSizes = [.. (result.GetValue(pairs) ?? []).Where(p => p > 0)],
                BenchmarkRepetitions = result.GetValue(repetitions),
                Device = result.GetValue(device),
            }, stdout, stderr, cancellationToken)
            : RunCompileOnly(stdout)));
        return command;
    }

    private static int RunCompileOnly(TextWriter output)
    {
        CudaSupport support = CudaSupport.Detect();
        output.WriteLine(support.IsSupported
            ? $"CUDA driver {support.DriverVersionText}; devices: {string.Join(", ", support.Devices.Select(d => $"{d.Ordinal}: {d.Name} (sm_{d.Architecture})"))}"
            : $"CUDA: not available ({support.Reason})");
        NvrtcCompiler? compiler = NvrtcCompiler.TryLoad(out string reason);
        if (compiler is null)
        {
            output.WriteLine($"NVRTC: not available ({reason})");
            return NotAvailable;
        }
        output.WriteLine($"NVRTC {compiler.Version}: compiling every kernel to PTX");
        int failures = 0;
        var rows = new List<string[]>();
        foreach (KernelSource source in KernelSources.Sources)
        {
            foreach (int architecture in CheckedArchitectures.Where(compiler.SupportedArchitectures.Contains))
            {
                try
                {
                    KernelImage image = compiler.Compile(source, KernelSources.Headers, new KernelTarget(architecture, KernelImageKind.Ptx));
                    rows.Add([source.Name, $"compute_{architecture}", "ok", string.Create(CultureInfo.InvariantCulture, $"{image.Data.Length / 1024.0:0.0} KiB")]);
                }
                catch (KernelCompilationException e)
                {
                    failures++;
                    rows.Add([source.Name, $"compute_{architecture}", "FAILED", e.Log.Split('\n')[0]]);
                }
            }
        }
        PrintTable(output, ["kernel file", "target", "result", "detail"], rows);
        return failures == 0 ? 0 : 1;
    }

    private static int RunGpu(CudaSelfTestOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        // Synchronous: Progress<T> would post each line to the thread pool, out of order and possibly after the table.
        var progress = new LineProgress(error);
        CudaSelfTestReport report = CudaSelfTest.Run(options, progress, cancellationToken);
        if (!report.Supported)
        {
            output.WriteLine($"GPU self-test not run: {report.Reason}");
            return NotAvailable;
        }
        CudaDeviceInfo device = report.Device!;
        output.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC  {device.Name} (sm_{device.Architecture}, {device.MultiprocessorCount} SMs)  driver CUDA {report.DriverVersion}  NVRTC {report.NvrtcVersion}  kernels: {report.KernelTarget}");
        output.WriteLine();
        PrintTable(output, ["check", "result", "measure", "value", "tolerance"], report.Parity.Select(p => new[]
        {
            p.Name, p.Passed ? "pass" : "FAIL", p.Measure,
            p.Value.ToString("G6", CultureInfo.InvariantCulture), p.Tolerance.ToString("G6", CultureInfo.InvariantCulture),
        }));
        foreach (CudaParityResult failed in report.Parity.Where(p => p.Error.Length > 0))
        {
            output.WriteLine($"{failed.Name}: {failed.Error}");
        }
        if (report.BenchmarkError.Length > 0)
        {
            output.WriteLine($"benchmark stopped: {report.BenchmarkError}");
        }
        if (report.CacheWriteError.Length > 0)
        {
            output.WriteLine($"kernel cache: {report.CacheWriteError} (kernels are recompiled on every run until this is fixed)");
        }
        if (report.Benchmark.Count > 0)
        {
            output.WriteLine();
            string[] stages = [.. Enum.GetNames<EditToAudio.Cuda.Pipeline.CudaEditStage>()];
            PrintTable(output, ["pairs", "ms/batch", "pairs/s", .. stages.Select(s => s.ToLowerInvariant() + " %")], report.Benchmark.Select(b => new[]
            {
                b.Pairs.ToString(CultureInfo.InvariantCulture),
                b.MillisecondsPerBatch.ToString("0.00", CultureInfo.InvariantCulture),
                b.PairsPerSecond.ToString("0", CultureInfo.InvariantCulture),
            }.Concat(Enum.GetValues<EditToAudio.Cuda.Pipeline.CudaEditStage>()
                .Select(s => (100 * b.StageShare.GetValueOrDefault(s)).ToString("0.0", CultureInfo.InvariantCulture))).ToArray()));
        }
        output.WriteLine();
        output.WriteLine(report.AllPassed ? "all GPU parity checks passed" : "SOME GPU PARITY CHECKS FAILED");
        return report.AllPassed ? 0 : 1;
    }

    private static void PrintTable(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        List<string[]> all = [header, .. rows];
        int[] widths = [.. Enumerable.Range(0, header.Length).Select(c => all.Max(r => r[c].Length))];
        string Line(string[] row) => string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd();
        output.WriteLine(Line(header));
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (string[] row in all.Skip(1))
        {
            output.WriteLine(Line(row));
        }
    }

    private sealed class LineProgress(TextWriter error) : IProgress<string>
    {
        public void Report(string value) => error.WriteLine(value);
    }
}
