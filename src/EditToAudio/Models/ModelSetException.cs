namespace EditToAudio.Models;

/// <summary>A model set cannot be used: missing folder, manifest or file, invalid manifest, or a network that breaks its contract.</summary>
public sealed class ModelSetException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelSetException() { }

    /// <summary>Creates the exception with a message that names the file and what was expected.</summary>
    public ModelSetException(string message) : base(message) { }

    /// <summary>Creates the exception with a cause.</summary>
    public ModelSetException(string message, Exception innerException) : base(message, innerException) { }
}
