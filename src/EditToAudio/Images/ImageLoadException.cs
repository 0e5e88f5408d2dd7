namespace EditToAudio.Images;

/// <summary>Why an image could not be loaded.</summary>
public enum ImageLoadFailure
{
    /// <summary>The file (or its folder) does not exist.</summary>
    NotFound,

    /// <summary>The file exists but could not be read (permissions, I/O error).</summary>
    Unreadable,

    /// <summary>The file has no bytes.</summary>
    Empty,

    /// <summary>The encoded file is larger than <see cref="ImageLimits.MaxFileBytes"/>.</summary>
    FileTooLarge,

    /// <summary>The image declares more pixels than <see cref="ImageLimits.MaxPixels"/>.</summary>
    TooManyPixels,

    /// <summary>The image is larger than the memory available (or than one buffer can hold) to decode and process it.</summary>
    TooMuchMemory,

    /// <summary>The bytes are not an image in a supported format.</summary>
    NotAnImage,

    /// <summary>The bytes start like a supported image but cannot be decoded (corrupt or truncated).</summary>
    Corrupt,
}

/// <summary>
/// An image file could not be loaded; the message names the file and the reason.
/// </summary>
public sealed class ImageLoadException : Exception
{
    /// <summary>Creates the exception for <paramref name="imageSource"/>.</summary>
    /// <param name="imageSource">File path or caller-chosen name of the image.</param>
    /// <param name="failure">The kind of failure.</param>
    /// <param name="reason">What was wrong, in words.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ImageLoadException(string imageSource, ImageLoadFailure failure, string reason, Exception? innerException = null)
        : base($"Cannot load image '{imageSource}': {reason}", innerException)
    {
        ImageSource = imageSource;
        Failure = failure;
        Reason = reason;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public ImageLoadException()
        : this("(unknown)", ImageLoadFailure.Corrupt, "unknown reason")
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public ImageLoadException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public ImageLoadException(string message, Exception? innerException)
        : base(message, innerException)
    {
        ImageSource = "(unknown)";
        Failure = ImageLoadFailure.Corrupt;
        Reason = message;
    }

    /// <summary>File path or caller-chosen name of the image.</summary>
    public string ImageSource { get; }

    /// <summary>The kind of failure.</summary>
    public ImageLoadFailure Failure { get; }

    /// <summary>What was wrong, in words (the message without the file name).</summary>
    public string Reason { get; }
}
