using System.CommandLine;
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

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        BuildRoot().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null }, cancellationToken);
}
