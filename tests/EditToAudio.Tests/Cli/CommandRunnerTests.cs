using System.CommandLine;
using EditToAudio.Cli;

namespace EditToAudio.Tests.Cli;

public class CommandRunnerTests
{
    private static async Task<(int Code, string Error)> Fail(Exception failure)
    {
        var command = new Command("probe");
        command.SetAction((result, _) => CommandRunner.Run(result, (_, _) => throw failure));
        var root = new RootCommand { command };
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await root.Parse(["probe"]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (code, error.ToString());
    }

    [Fact]
    public async Task An_unexpected_failure_is_one_line_with_its_type_and_exit_70()
    {
        (int code, string error) = await Fail(new InvalidOperationException("the state was wrong"));

        Assert.Equal(ExitCodes.InternalError, code);
        Assert.Equal("edit2audio probe: internal error (InvalidOperationException): the state was wrong", error.TrimEnd());
    }

    [Fact]
    public async Task A_parallel_stages_single_failure_is_reported_as_itself()
    {
        (int code, string error) = await Fail(new AggregateException(new FileNotFoundException("frame.png does not exist")));

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("edit2audio probe: error: frame.png does not exist", error.TrimEnd());
    }

    [Fact]
    public async Task Argument_errors_lose_the_parameter_suffix_and_keep_the_value()
    {
        (int code, string error) = await Fail(new ArgumentOutOfRangeException("Duration", 100.0, "duration must be in (0, 60] seconds."));

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("edit2audio probe: error: duration must be in (0, 60] seconds (got 100)", error.TrimEnd());
    }

    [Fact]
    public async Task Cancellation_exits_130()
    {
        (int code, string error) = await Fail(new OperationCanceledException());

        Assert.Equal(ExitCodes.Cancelled, code);
        Assert.Contains("cancelled", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_option_error_is_one_line_and_a_hint_not_the_whole_help()
    {
        var run = await CliRunner.RunAsync("run", "--original", "a.png", "--edited", "b.png", "--remove-point", "1,1", "--add-point", "1,1", "--seed", "-1");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal(
            ["edit2audio run: error: --seed: '-1' is not a whole number from 0 to 18446744073709551615.", "Run 'edit2audio run --help' to see every option."],
            run.Error.TrimEnd().Split('\n'));
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task A_usage_error_found_after_parsing_is_exit_1_with_the_same_hint()
    {
        (int code, string error) = await Fail(new UsageException("--steps must be at most the 1000 training steps of the model set synthetic, got 5000."));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal(["edit2audio probe: error: --steps must be at most the 1000 training steps of the model set synthetic, got 5000.", "Run 'edit2audio probe --help' to see every option."],
            error.TrimEnd().Split('\n'));
    }
}
