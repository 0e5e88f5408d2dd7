using System.CommandLine;
using EditToAudio.Batch;

namespace EditToAudio.Cli.Commands;

/// <summary><c>batch-merge</c>: joins the shards' results into one results.jsonl and batch.json.</summary>
internal static class BatchMergeCommand
{
    public static Command Create()
    {
        var folders = new Argument<DirectoryInfo[]>("folders")
        {
            Description = "Folders holding the shards' results-shard-I-of-N.jsonl (or results.jsonl) and batch records.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where to write the merged results.jsonl and batch.json.", Required = true };
        var command = new Command("batch-merge", "Joins the results of the shards of one manifest; refuses duplicate ids, shards of different manifests or model sets, and missing shards.")
        {
            folders, output,
        };
        command.SetAction((result, cancellationToken) => CommandRunner.Run(result, (stdout, _) =>
        {
            string folder = OutputFolder.CheckBatch(result.GetRequiredValue(output).FullName);
            MergeOutcome merged = BatchMerge.Merge([.. result.GetRequiredValue(folders).Select(f => f.FullName)], folder);
            stdout.WriteLine($"merged {merged.Sources.Count} results file(s): {merged.Summary.Items} item(s), {merged.Summary.Ok} ok, {merged.Summary.Failed} failed, {merged.Summary.Skipped} skipped");
            stdout.WriteLine($"results: {merged.ResultsPath}");
            stdout.WriteLine($"record: {merged.SummaryPath}");
            return merged.Summary.Failed > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
        }));
        return command;
    }
}
