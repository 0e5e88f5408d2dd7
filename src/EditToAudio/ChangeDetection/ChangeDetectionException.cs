namespace EditToAudio.ChangeDetection;

/// <summary>Why two images were refused as an edit.</summary>
public enum ChangeRefusal
{
    /// <summary>Nothing visible changed.</summary>
    Identical,

    /// <summary>Most of the frame changed: a different scene (or a different crop), not an edit.</summary>
    DifferentScene,

    /// <summary>The aspect ratios differ, so the frames cannot be aligned by scaling.</summary>
    AspectMismatch,

    /// <summary>Something changed, but no object was found on either side.</summary>
    NothingFound,
}

/// <summary>The two images cannot be compared as an edit; the message says why, with the numbers.</summary>
public sealed class ChangeDetectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChangeDetectionException() : this(ChangeRefusal.Identical, "The images were refused as an edit.") { }

    /// <summary>Creates the exception with a message.</summary>
    public ChangeDetectionException(string message) : this(ChangeRefusal.Identical, message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ChangeDetectionException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for <paramref name="reason"/>.</summary>
    public ChangeDetectionException(ChangeRefusal reason, string message) : base(message) => Reason = reason;

    /// <summary>Why the images were refused.</summary>
    public ChangeRefusal Reason { get; }
}
