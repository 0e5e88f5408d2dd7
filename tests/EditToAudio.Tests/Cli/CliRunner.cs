using EditToAudio.Cli;

namespace EditToAudio.Tests.Cli;

/// <summary>Runs edit2audio in-process and captures what it prints.</summary>
public static class CliRunner
{
    public sealed record Outcome(int ExitCode, string Output, string Error);

    public static async Task<Outcome> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await CliApp.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return new Outcome(code, output.ToString(), error.ToString());
    }
}
