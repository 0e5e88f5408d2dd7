using System.CommandLine;
using EditToAudio.ChangeDetection;
using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Models;
using EditToAudio.Networks;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Cli;

/// <summary>Exit codes shared by every command.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>An option that does not parse or is out of range (the parser's, or <see cref="UsageException"/>).</summary>
    public const int Usage = 1;

    /// <summary>An input file, model or argument value the run could not use.</summary>
    public const int BadInput = 2;

    /// <summary>Some items of a batch failed; the others completed.</summary>
    public const int PartialFailure = 3;

    /// <summary>models verify: some network output differs from its saved reference beyond the tolerance.</summary>
    public const int VerificationFailed = 4;

    /// <summary>A failure no input explains (a bug): the message names the exception type.</summary>
    public const int InternalError = 70;

    /// <summary>Ctrl+C.</summary>
    public const int Cancelled = 130;
}

/// <summary>
/// An option value that parses but is out of range for what the run found (say, <c>--steps</c> beyond the model
/// set's schedule): reported like the parser's errors, with exit code 1.
/// </summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Runs a command body and turns the failures a user can fix into one clear line and an exit code.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(ParseResult result, Func<TextWriter, TextWriter, Task<int>> body)
    {
        TextWriter output = result.InvocationConfiguration.Output;
        TextWriter error = result.InvocationConfiguration.Error;
        string name = CliApp.CommandPath(result.CommandResult);
        try
        {
            return await body(output, error).ConfigureAwait(false);
        }
        catch (Exception thrown)
        {
            // Parallel stages wrap what a worker threw; the one cause is what the user needs to see.
            Exception failure = thrown is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : thrown;
            (string message, int code) = failure switch
            {
                OperationCanceledException => ("cancelled; no partial output was written.", ExitCodes.Cancelled),
                UsageException usage => ($"error: {usage.Message}\n{CliApp.HelpHint(name)}", ExitCodes.Usage),
                ArgumentException argument => ($"error: {ErrorMessages.Plain(argument)}", ExitCodes.BadInput),
                _ when IsInputProblem(failure) => ($"error: {failure.Message}", ExitCodes.BadInput),
                // Still one line and a distinct code rather than a stack trace; the type says where to look.
                _ => ($"internal error ({failure.GetType().Name}): {failure.Message}", ExitCodes.InternalError),
            };
            await error.WriteLineAsync($"{name}: {message}").ConfigureAwait(false);
            return code;
        }
    }

    public static Task<int> Run(ParseResult result, Func<TextWriter, TextWriter, int> body) =>
        RunAsync(result, (output, error) => Task.FromResult(body(output, error)));

    private static bool IsInputProblem(Exception failure) => failure is
        InvalidDataException or NpyFormatException or FileNotFoundException
        or DirectoryNotFoundException or UnauthorizedAccessException or IOException or FormatException
        or ImageLoadException or ChangeDetectionException or ModelSetException or CaseFileException or ExecutionProviderException or NotSupportedException
        // A network that fails on its inputs: the model set does not fit what the run gives it.
        or OnnxRuntimeException;
}
