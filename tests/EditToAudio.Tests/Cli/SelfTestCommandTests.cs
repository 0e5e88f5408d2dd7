namespace EditToAudio.Tests.Cli;

public class SelfTestCommandTests
{
    [Fact]
    public async Task The_compile_only_report_goes_to_the_commands_output_with_a_documented_exit_code()
    {
        var run = await CliRunner.RunAsync("selftest");

        // 0: every kernel compiled; 2: no NVRTC here (the reason is printed). Either way the report is on the command's own writer.
        Assert.True(run.ExitCode is 0 or 2, $"exit {run.ExitCode}: {run.Output}{run.Error}");
        Assert.Contains("NVRTC", run.Output, StringComparison.Ordinal);
        Assert.Contains("CUDA", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repetitions_below_one_are_refused_by_the_parser()
    {
        var run = await CliRunner.RunAsync("selftest", "--gpu", "--repetitions", "0");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--repetitions must be at least 1, got 0.", run.Error, StringComparison.Ordinal);
    }
}
