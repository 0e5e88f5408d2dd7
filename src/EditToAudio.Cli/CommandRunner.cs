using System.CommandLine;
using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Models;
using EditToAudio.Networks;

namespace EditToAudio.Cli;

/// <summary>Exit codes shared by every command.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>System.CommandLine's own code for options that do not parse or validate.</summary>
    public const int Usage = 1;

    /// <summary>An input file, model or argument value the run could not use.</summary>
    public const int BadInput = 2;

    /// <summary>Some items of a batch failed; the others completed.</summary>
    public const int PartialFailure = 3;

    /// <summary>Ctrl+C.</summary>
    public const int Cancelled = 130;
}

/// <summary>Runs a command body and turns the failures a user can fix into one clear line and an exit code.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(ParseResult result, Func<TextWriter, TextWriter, Task<int>> body)
    {
        TextWriter output = result.InvocationConfiguration.Output;
        TextWriter error = result.InvocationConfiguration.Error;
        string name = result.CommandResult.Command.Name;
        try
        {
            return await body(output, error).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync($"edit2audio {name}: cancelled; no output was written.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (Exception failure) when (IsInputProblem(failure))
        {
            await error.WriteLineAsync($"edit2audio {name}: error: {failure.Message}").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
    }

    public static Task<int> Run(ParseResult result, Func<TextWriter, TextWriter, int> body) =>
        RunAsync(result, (output, error) => Task.FromResult(body(output, error)));

    private static bool IsInputProblem(Exception failure) => failure is
        InvalidDataException or NpyFormatException or ArgumentException or FileNotFoundException
        or DirectoryNotFoundException or UnauthorizedAccessException or IOException or FormatException
        or ImageLoadException or ModelSetException or ExecutionProviderException or NotSupportedException;
}
