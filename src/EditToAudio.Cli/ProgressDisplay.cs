using EditToAudio.Pipeline;
using Spectre.Console;

namespace EditToAudio.Cli;

/// <summary>
/// Shows pipeline progress: Spectre.Console bars on an interactive terminal, plain lines on the
/// error stream otherwise (so standard output stays machine-readable), nothing with --quiet.
/// </summary>
internal static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(TextWriter error, bool quiet, Func<IProgress<PipelineProgress>?, Task<T>> work)
    {
        if (quiet)
        {
            return await work(null).ConfigureAwait(false);
        }
        // The bars go to the error stream like the plain lines (AnsiConsole's default is standard output),
        // so `run --json > record.json` on a terminal still shows them and keeps the file clean.
        // Spectre's own detection looks at standard output, so the error stream's terminal is checked here.
        IAnsiConsole? terminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected && Environment.UserInteractive
            ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes })
            : null;
        if (terminal is null || !terminal.Profile.Capabilities.Ansi)
        {
            return await work(new PlainLines(error)).ConfigureAwait(false);
        }
        return await terminal.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context => await work(new Bars(context)).ConfigureAwait(false))
            .ConfigureAwait(false);
    }

    /// <summary>One line per stage start and per tenth of the sampler's steps.</summary>
    private sealed class PlainLines(TextWriter error) : IProgress<PipelineProgress>
    {
        private readonly Lock _gate = new();

        public void Report(PipelineProgress value)
        {
            bool milestone = value.Steps <= 2 || value.Step == 0 || value.Step == value.Steps || value.Step % Math.Max(1, value.Steps / 10) == 0;
            if (!milestone)
            {
                return;
            }
            lock (_gate)
            {
                error.WriteLine($"[{value.Stage}] {value.Step}/{value.Steps}");
            }
        }
    }

    private sealed class Bars(ProgressContext context) : IProgress<PipelineProgress>
    {
        private readonly Dictionary<PipelineStage, ProgressTask> _tasks = [];
        private readonly Lock _gate = new();

        public void Report(PipelineProgress value)
        {
            lock (_gate)
            {
                if (!_tasks.TryGetValue(value.Stage, out ProgressTask? task))
                {
                    task = context.AddTask(value.Stage.ToString(), maxValue: Math.Max(1, value.Steps));
                    _tasks[value.Stage] = task;
                }
                task.MaxValue = Math.Max(1, value.Steps);
                task.Value = value.Step;
            }
        }
    }
}
