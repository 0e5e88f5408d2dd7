using System.Globalization;

namespace EditToAudio;

/// <summary>Messages for people: what the engine's exceptions say, without .NET's decorations.</summary>
public static class ErrorMessages
{
    /// <summary>
    /// The message of a validation error without .NET's "(Parameter …)" suffix, with the value it got;
    /// every line of a message that lists several problems.
    /// </summary>
    public static string Plain(ArgumentException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        string message = error.Message;
        int suffix = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (suffix >= 0)
        {
            message = message[..suffix];
        }
        if (error is ArgumentOutOfRangeException)
        {
            // .NET puts "Actual value was …" on a line of its own; the value is appended below instead.
            message = message.Split('\n')[0];
        }
        message = message.TrimEnd('.', '\r', '\n');
        return error is ArgumentOutOfRangeException { ActualValue: { } actual }
            ? string.Create(CultureInfo.InvariantCulture, $"{message} (got {actual})")
            : message;
    }
}
