using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EditToAudio.IO;

/// <summary>
/// JSON as people read it: UTF-8 text with quotes, apostrophes and non-ASCII letters as they are
/// (<c>"ü"</c>, not <c>"\u00FC"</c>). The default encoder escapes them for embedding in HTML,
/// which the engine's records never are.
/// </summary>
public static class ReadableJson
{
    private static readonly ConcurrentDictionary<JsonSerializerOptions, JsonSerializerOptions> Relaxed = new();

    /// <summary>Serializes <paramref name="value"/> with the settings of <paramref name="typeInfo"/> (naming, indentation), escaping only what JSON requires.</summary>
    public static string Serialize<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        JsonSerializerOptions options = Relaxed.GetOrAdd(typeInfo.Options,
            static original => new JsonSerializerOptions(original) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return JsonSerializer.Serialize(value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
    }
}
