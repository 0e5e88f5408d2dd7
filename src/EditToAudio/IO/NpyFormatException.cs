namespace EditToAudio.IO;

/// <summary>
/// A <c>.npy</c> file or stream that cannot be read, or an array that cannot be converted as asked.
/// The message always starts with the file (or stream) name and says what was expected and what was found.
/// </summary>
public sealed class NpyFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="sourceName"/> (a path or a stream's name).</summary>
    public NpyFormatException(string sourceName, string problem)
        : base($"'{sourceName}': {problem}")
    {
        SourceName = sourceName;
        Problem = problem;
    }

    /// <summary>Creates the exception with the failure that caused it.</summary>
    public NpyFormatException(string sourceName, string problem, Exception innerException)
        : base($"'{sourceName}': {problem}", innerException)
    {
        SourceName = sourceName;
        Problem = problem;
    }

    /// <summary>The file path or stream name the problem is in.</summary>
    public string SourceName { get; }

    /// <summary>The problem alone, without the source name.</summary>
    public string Problem { get; }
}
