using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using EditToAudio.Cli.Commands;

namespace EditToAudio.Cli;

/// <summary>The edit2audio command tree; <see cref="RunAsync"/> is the whole program, callable in-process by tests.</summary>
/// <remarks>Signals are the caller's: Program turns Ctrl+C into <c>cancellationToken</c>, so System.CommandLine's own handler is off.</remarks>
internal static class CliApp
{
    public static RootCommand BuildRoot() =>
        new("edit2audio: turns an image edit into sound (SAM2 → CLIP tokens → SVD edit → SSV2A → AudioLDM).")
        {
            EditCommand.Create(),
            ModelsCommand.Create(),
            PipelineCommands.CreateEmbed(),
            PipelineCommands.CreateRun(),
            PipelineCommands.CreateDemo(),
            BenchCommand.Create(),
            SelfTestCommand.Create(),
            BatchCommand.Create(),
            BatchMergeCommand.Create(),
            EvaluateCommand.Create(),
        };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ParseResult parsed = BuildRoot().Parse(args);
        // The parser's own error action prints the whole help after the errors; the one line that matters is enough.
        if (parsed.Action is ParseErrorAction)
        {
            string command = CommandPath(parsed.CommandResult);
            foreach (ParseError parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"{command}: error: {PlainMessage(parseError)}").ConfigureAwait(false);
            }
            await error.WriteLineAsync(HelpHint(command)).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The one line that follows a usage error.</summary>
    public static string HelpHint(string command) => $"Run '{command} --help' to see every option.";

    /// <summary>"edit2audio models check": the command's names from the root down.</summary>
    public static string CommandPath(CommandResult? result)
    {
        var names = new Stack<string>();
        for (SymbolResult? symbol = result; symbol is not null; symbol = symbol.Parent)
        {
            if (symbol is CommandResult command)
            {
                names.Push(command.Parent is null ? "edit2audio" : command.Command.Name);
            }
        }
        return string.Join(' ', names);
    }

    /// <summary>
    /// The parser's message, except that a value that does not convert is described in words
    /// ("a whole number from 0 to …") instead of by its .NET type ("System.UInt64").
    /// </summary>
    internal static string PlainMessage(ParseError parseError)
    {
        string message = parseError.Message;
        (string? name, Type? type, IEnumerable<Token> tokens) = parseError.SymbolResult switch
        {
            OptionResult option => (option.Option.Name, option.Option.ValueType, option.Tokens),
            ArgumentResult { Parent: OptionResult option } argument => (option.Option.Name, option.Option.ValueType, argument.Tokens),
            ArgumentResult argument => ($"<{argument.Argument.Name}>", argument.Argument.ValueType, argument.Tokens),
            _ => (null, null, []),
        };
        if (name is null || type is null || !message.Contains(type.FullName ?? type.Name, StringComparison.Ordinal) && !message.Contains("System.", StringComparison.Ordinal))
        {
            return message;
        }
        string value = string.Join(' ', tokens.Select(t => t.Value));
        return $"{name}: '{value}' is not {Describe(Nullable.GetUnderlyingType(type) ?? type)}.";
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(int) => string.Create(CultureInfo.InvariantCulture, $"a whole number from {int.MinValue} to {int.MaxValue}"),
        _ when type == typeof(long) => "a whole number",
        _ when type == typeof(ulong) => string.Create(CultureInfo.InvariantCulture, $"a whole number from 0 to {ulong.MaxValue}"),
        _ when type == typeof(uint) => string.Create(CultureInfo.InvariantCulture, $"a whole number from 0 to {uint.MaxValue}"),
        _ when type == typeof(double) || type == typeof(float) => "a number",
        _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}",
        _ => "a valid value",
    };
}
