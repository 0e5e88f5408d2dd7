using System.Text.Json;
using EditToAudio.Cli.Benchmarking;
using EditToAudio.Cli.Commands;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Cli;

public class BenchCommandTests
{
    [Fact]
    public async Task The_edit_and_embed_stages_report_throughput_and_latency()
    {
        using var folder = new TemporaryFolder();
        var run = await CliRunner.RunAsync("bench", "--stage", "edit", "--pairs", "8", "--batch", "4", "--workers", "1", "--json", folder.File("bench.json"));
        var embed = await CliRunner.RunAsync("bench", "--stage", "embed", "--pairs", "2", "--workers", "1");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(embed.ExitCode == 0, embed.Error);
        Assert.Contains("| edit | cpu | 8 pairs | 4 | 1 |", run.Output, StringComparison.Ordinal);
        Assert.Contains("| embed | cpu | 2 pairs |", embed.Output, StringComparison.Ordinal);
        // The latencies say what they are of: a batch in the edit stage, one pair in the embed stage.
        Assert.Contains("| batch of 4 pairs |", run.Output, StringComparison.Ordinal);
        Assert.Contains("| pair |", embed.Output, StringComparison.Ordinal);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(folder.File("bench.json")));
        JsonElement stage = report.RootElement.GetProperty("stages")[0];
        Assert.True(stage.GetProperty("items_per_second").GetDouble() > 0);
        Assert.True(stage.GetProperty("latency_p95_milliseconds").GetDouble() >= stage.GetProperty("latency_p50_milliseconds").GetDouble());
        Assert.True(stage.GetProperty("peak_host_megabytes").GetDouble() > 0);
    }

    [Fact]
    public async Task Cpu_measurements_have_no_device_memory()
    {
        using var folder = new TemporaryFolder();
        var run = await CliRunner.RunAsync("bench", "--stage", "edit", "--pairs", "4", "--batch", "4", "--workers", "1", "--json", folder.File("bench.json"));

        Assert.True(run.ExitCode == 0, run.Error);
        // Null (nothing measured), not zero (measured and empty), in the JSON; a dash in the table.
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(folder.File("bench.json")));
        JsonElement stage = report.RootElement.GetProperty("stages")[0];
        Assert.Equal(JsonValueKind.Null, stage.GetProperty("peak_device_buffer_megabytes").ValueKind);
        Assert.Equal(JsonValueKind.Null, stage.GetProperty("device_in_use_megabytes").ValueKind);
        Assert.Matches(@"\| edit \| cpu \| 4 pairs \|[^\n]*\| - \| - \| 0\.000 \|", run.Output);
    }

    [Fact]
    public void Cuda_measurements_show_device_memory_next_to_host_memory()
    {
        var cpu = new StageMeasurement("edit", "cpu", 8, "pairs", 4, 1, 0.5, 16, 1.25, 2.5, "batch of 4 pairs", 310, 0);
        var cuda = new StageMeasurement("edit", "cuda", 8, "pairs", 4, 1, 0.1, 80, 0.25, 0.5, "batch of 4 pairs", 420, 0.875,
            new Dictionary<string, double> { ["Gram"] = 1.0 }, PeakDeviceBufferMegabytes: 12.5, DeviceInUseMegabytes: 1536.4);
        var report = new BenchReport("test machine", "Release", "none", false, [cpu, cuda], []);

        using var output = new StringWriter();
        BenchCommand.Print(output, report);
        using JsonDocument json = JsonDocument.Parse(JsonSerializer.Serialize(report, BenchJson.Default.BenchReport));

        string[] lines = output.ToString().Split('\n');
        Assert.Contains("| p50 ms | p95 ms | latency of | peak host MB | peak device buffers MB | device in use MB | copies/item |", lines[2], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("| edit | cpu | 8 pairs | 4 | 1 | 16.0 | 1.25 | 2.50 | batch of 4 pairs | 310 | - | - | 0.000 |", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("| edit | cuda | 8 pairs | 4 | 1 | 80.0 | 0.25 | 0.50 | batch of 4 pairs | 420 | 12.5 | 1536.4 | 0.875 |", StringComparison.Ordinal));
        JsonElement cpuStage = json.RootElement.GetProperty("stages")[0];
        JsonElement cudaStage = json.RootElement.GetProperty("stages")[1];
        Assert.Equal(JsonValueKind.Null, cpuStage.GetProperty("peak_device_buffer_megabytes").ValueKind);
        Assert.Equal(JsonValueKind.Null, cpuStage.GetProperty("device_in_use_megabytes").ValueKind);
        Assert.Equal(12.5, cudaStage.GetProperty("peak_device_buffer_megabytes").GetDouble());
        Assert.Equal(1536.4, cudaStage.GetProperty("device_in_use_megabytes").GetDouble());
        Assert.Equal(420, cudaStage.GetProperty("peak_host_megabytes").GetDouble());
    }

    [Fact]
    public async Task A_run_of_all_stages_says_which_build_measured()
    {
        using var folder = new TemporaryFolder();
        var all = await CliRunner.RunAsync("bench", "--stage", "all", "--pairs", "2", "--batch", "2", "--workers", "1", "--steps", "2", "--json", folder.File("bench.json"));

        Assert.True(all.ExitCode == 0, all.Error);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(folder.File("bench.json")));
        Assert.Equal(["edit", "embed", "audio"], report.RootElement.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("stage").GetString()));
        Assert.Contains("| clip |", all.Output, StringComparison.Ordinal);
        string build = report.RootElement.GetProperty("build").GetString()!;
#if DEBUG
        Assert.Equal("Debug", build);
        Assert.Contains("Debug build", all.Error, StringComparison.Ordinal);
#else
        Assert.Equal("Release", build);
        Assert.DoesNotContain("Debug build", all.Error, StringComparison.Ordinal);
#endif
    }

    [Fact]
    public async Task Cuda_without_a_gpu_is_a_clear_error()
    {
        if (EditToAudio.Cuda.Devices.CudaSupport.Detect().IsSupported)
        {
            Assert.Skip("A CUDA device is present; this checks the message on machines without one.");
        }
        var run = await CliRunner.RunAsync("bench", "--stage", "edit", "--pairs", "4", "--device", "cuda");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("The CUDA backend is not available", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pairs_below_one_are_refused_by_the_parser()
    {
        var run = await CliRunner.RunAsync("bench", "--stage", "edit", "--pairs", "0");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--pairs must be at least 1, got 0.", run.Error, StringComparison.Ordinal);
    }
}

/// <summary>Alone, so that no other test's allocations raise the process's peak while it is measured.</summary>
[Collection(typeof(RunsAlone))]
public class StagePeakTests
{
    [Fact]
    public void A_stage_measures_its_own_peak_not_an_earlier_stages()
    {
        double earlier;
        using (StagePeak first = StagePeak.Start())
        {
            Touch(768 << 20);
            earlier = first.Megabytes();
        }
        using StagePeak later = StagePeak.Start();
        Touch(16 << 20);

        // Before, the later stage reported the process's peak since it started, the earlier stage's included.
        Assert.True(later.Megabytes() < earlier - 400, $"later stage {later.Megabytes():F0} MB, earlier stage {earlier:F0} MB");
    }

    /// <summary>Allocates and writes <paramref name="bytes"/>, so the pages become resident, and lets them go.</summary>
    private static void Touch(int bytes)
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(bytes);
        for (int i = 0; i < buffer.Length; i += 4096)
        {
            buffer[i] = 1;
        }
        GC.KeepAlive(buffer);
    }
}
