namespace EditToAudio;

/// <summary>Version facts recorded with every run.</summary>
public static class EngineInfo
{
    /// <summary>The engine's version, as recorded in run records and cache keys.</summary>
    public static string Version { get; } =
        typeof(EngineInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
