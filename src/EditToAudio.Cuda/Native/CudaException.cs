namespace EditToAudio.Cuda.Native;

/// <summary>A CUDA library call returned an error status.</summary>
public sealed class CudaException : Exception
{
    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="library">The library that reported the error ("CUDA driver", "NVRTC", "cuBLAS", "cuSOLVER").</param>
    /// <param name="call">The failing call as written in the engine's source.</param>
    /// <param name="status">The numeric status the call returned.</param>
    /// <param name="statusName">The library's name for the status.</param>
    /// <param name="description">The library's description of the status, when it has one.</param>
    public CudaException(string library, string call, int status, string statusName, string description)
        : base($"{library} call {call} failed with {statusName} ({status}){(description.Length > 0 ? ": " + description : "")}")
    {
        Library = library;
        Call = call;
        Status = status;
        StatusName = statusName;
    }

    /// <summary>Creates the exception with a plain message.</summary>
    public CudaException() : this("CUDA", "(unknown)", -1, "unknown", "") { }

    /// <summary>Creates the exception with a plain message.</summary>
    public CudaException(string message) : base(message)
    {
        Library = "CUDA";
        Call = "(unknown)";
        StatusName = "unknown";
    }

    /// <summary>Creates the exception with a plain message and an inner exception.</summary>
    public CudaException(string message, Exception innerException) : base(message, innerException)
    {
        Library = "CUDA";
        Call = "(unknown)";
        StatusName = "unknown";
    }

    /// <summary>The library that reported the error.</summary>
    public string Library { get; }

    /// <summary>The failing call as written in the engine's source.</summary>
    public string Call { get; }

    /// <summary>The numeric status.</summary>
    public int Status { get; }

    /// <summary>The library's name for the status.</summary>
    public string StatusName { get; }
}

/// <summary>A CUDA library could not be loaded; the message lists every path that was tried.</summary>
public sealed class CudaLibraryNotFoundException : DllNotFoundException
{
    /// <summary>Creates the exception for <paramref name="library"/> after trying <paramref name="triedPaths"/>.</summary>
    public CudaLibraryNotFoundException(string library, IReadOnlyList<string> triedPaths)
        : base($"Could not load the {library} library. Tried:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", triedPaths)}{Environment.NewLine}" +
               $"Set {CudaLibraryLocator.PathVariable} to ':'-separated folders that hold it (a Python environment's site-packages works: its nvidia/*/lib folders are searched).")
    {
        LibraryName = library;
        TriedPaths = triedPaths;
    }

    /// <summary>Creates the exception with a plain message.</summary>
    public CudaLibraryNotFoundException() : this("CUDA", []) { }

    /// <summary>Creates the exception with a plain message.</summary>
    public CudaLibraryNotFoundException(string message) : base(message)
    {
        LibraryName = "CUDA";
        TriedPaths = [];
    }

    /// <summary>Creates the exception with a plain message and an inner exception.</summary>
    public CudaLibraryNotFoundException(string message, Exception innerException) : base(message, innerException)
    {
        LibraryName = "CUDA";
        TriedPaths = [];
    }

    /// <summary>The library that was looked for.</summary>
    public string LibraryName { get; }

    /// <summary>Every file name or path handed to the loader, in order.</summary>
    public IReadOnlyList<string> TriedPaths { get; }
}
