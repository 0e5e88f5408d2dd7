using System.Text.Json;
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
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(folder.File("bench.json")));
        JsonElement stage = report.RootElement.GetProperty("stages")[0];
        Assert.True(stage.GetProperty("items_per_second").GetDouble() > 0);
        Assert.True(stage.GetProperty("latency_p95_milliseconds").GetDouble() >= stage.GetProperty("latency_p50_milliseconds").GetDouble());
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
