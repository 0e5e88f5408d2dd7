namespace EditToAudio.Cuda.Compilation;

/// <summary>NVRTC rejected a kernel source; the message carries NVRTC's log and the numbered source.</summary>
public sealed class KernelCompilationException : Exception
{
    /// <summary>Creates the exception for <paramref name="source"/> compiled for <paramref name="target"/>.</summary>
    public KernelCompilationException(KernelSource source, KernelTarget target, string log)
        : base($"NVRTC could not compile {source?.Name} for {target}:{Environment.NewLine}{log}{Environment.NewLine}--- {source?.Name} ---{Environment.NewLine}{source?.Numbered()}")
    {
        ArgumentNullException.ThrowIfNull(source);
        SourceName = source.Name;
        Log = log;
    }

    /// <summary>Creates the exception with a plain message.</summary>
    public KernelCompilationException() : this("kernel compilation failed") { }

    /// <summary>Creates the exception with a plain message.</summary>
    public KernelCompilationException(string message) : base(message)
    {
        SourceName = "";
        Log = "";
    }

    /// <summary>Creates the exception with a plain message and an inner exception.</summary>
    public KernelCompilationException(string message, Exception innerException) : base(message, innerException)
    {
        SourceName = "";
        Log = "";
    }

    /// <summary>The file that failed.</summary>
    public string SourceName { get; }

    /// <summary>NVRTC's compile log.</summary>
    public string Log { get; }
}
