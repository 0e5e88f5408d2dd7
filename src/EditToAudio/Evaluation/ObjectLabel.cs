using System.Text.Json.Serialization;

namespace EditToAudio.Evaluation;

/// <summary>What an edit did to an object.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ObjectRole>))]
public enum ObjectRole
{
    /// <summary>The object was in the original image and is gone from the edited one.</summary>
    [JsonStringEnumMemberName("removed")]
    Removed,

    /// <summary>The object is new in the edited image.</summary>
    [JsonStringEnumMemberName("added")]
    Added,
}

/// <summary>
/// The sound label of one edited object ("a cat meowing"), a row of a <see cref="Models.LabelTable"/>.
/// A pair's labels are a list: an edit of several objects carries one label per object, and a
/// role's label scores are the means over its labels.
/// </summary>
/// <param name="Role">Removed or added.</param>
/// <param name="Name">The label, as the label table spells it.</param>
public sealed record ObjectLabel(ObjectRole Role, string Name)
{
    /// <summary>Parses <c>removed=TEXT</c> or <c>added=TEXT</c> (the role is case-insensitive, TEXT is trimmed and kept as written).</summary>
    /// <exception cref="FormatException">Naming what was expected.</exception>
    public static ObjectLabel Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        string role = equals < 0 ? "" : text[..equals].Trim();
        string name = equals < 0 ? "" : text[(equals + 1)..].Trim();
        if (name.Length == 0 || !Enum.TryParse(role, ignoreCase: true, out ObjectRole parsed) || !Enum.IsDefined(parsed) || role.Any(char.IsAsciiDigit))
        {
            throw new FormatException($"expected removed=LABEL or added=LABEL, got '{text}'");
        }
        return new ObjectLabel(parsed, name);
    }

    /// <summary>
    /// Each role's labels: a pair's own (<paramref name="own"/>, its manifest line), else the command
    /// line's (<paramref name="given"/>), else the names of the role's objects recorded with the run
    /// (<paramref name="named"/>, from prompt files and manifest prompts): an explicit label wins over a name.
    /// </summary>
    public static IReadOnlyList<ObjectLabel> Merge(IReadOnlyList<ObjectLabel> own, IReadOnlyList<ObjectLabel> given, IReadOnlyList<ObjectLabel> named)
    {
        ArgumentNullException.ThrowIfNull(own);
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(named);
        return [.. Enum.GetValues<ObjectRole>().SelectMany(role =>
        {
            IReadOnlyList<ObjectLabel>[] sources = [own, given, named];
            return sources.Select(labels => labels.Where(l => l.Role == role).ToArray()).FirstOrDefault(l => l.Length > 0) ?? [];
        })];
    }
}
