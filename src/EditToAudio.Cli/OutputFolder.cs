using EditToAudio.Batch;
using EditToAudio.Evaluation;
using EditToAudio.IO;
using EditToAudio.Pipeline;

namespace EditToAudio.Cli;

/// <summary>
/// Checks an output folder before any long work starts, creating nothing: folders appear with
/// their first file, so a run that fails or is cancelled leaves none behind.
/// </summary>
internal static class OutputFolder
{
    /// <summary>For <c>run</c>, <c>embed</c> and <c>demo</c>: writable, and empty or an earlier output of <paramref name="kind"/> (replaced as a whole).</summary>
    public static string CheckRun(string path, string kind)
    {
        string full = OutputFolders.CheckWritable(path);
        RunOutputs.EarlierOutput(full, kind);
        return full;
    }

    /// <summary>For <c>evaluate</c>: writable, and empty, an earlier evaluation's, or the evaluated batch's own folder.</summary>
    public static string CheckEvaluation(string path, EvaluationSource source)
    {
        string full = OutputFolders.CheckWritable(path);
        EvaluationReport.EarlierOutput(full, source.Kind == SourceKind.Batch ? source.Folder : null);
        return full;
    }

    /// <summary>For <c>batch</c>: writable, and empty or an earlier batch's.</summary>
    public static string CheckBatch(string path)
    {
        string full = OutputFolders.CheckWritable(path);
        OutputFolderLock.CheckFolder(full);
        return full;
    }
}
