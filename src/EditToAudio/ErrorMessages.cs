using System.Globalization;
using System.Text.Json;

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

    /// <summary>
    /// A JSON syntax error as "invalid JSON at line 3, column 28: …", counted from 1 (System.Text.Json
    /// counts from 0 and appends its own position), or at the column only for a one-line document.
    /// </summary>
    public static string Json(JsonException error, bool oneLine = false)
    {
        ArgumentNullException.ThrowIfNull(error);
        string message = error.Message;
        int position = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (position >= 0)
        {
            message = message[..position];
        }
        // Advice about the parser's options is for programmers, not for whoever wrote the file.
        message = message.Replace(" Change the reader options.", "", StringComparison.Ordinal).TrimEnd('.');
        string where = (error.LineNumber, error.BytePositionInLine) switch
        {
            ({ } line, { } column) when !oneLine => string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}, column {column + 1}"),
            ({ } line, null) when !oneLine => string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}"),
            (_, { } column) => string.Create(CultureInfo.InvariantCulture, $" at column {column + 1}"),
            _ => "",
        };
        return $"invalid JSON{where}: {message}";
    }
}
