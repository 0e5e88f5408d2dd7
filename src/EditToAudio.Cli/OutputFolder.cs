namespace EditToAudio.Cli;

/// <summary>Checks that an output folder can be written before any long work starts.</summary>
internal static class OutputFolder
{
    public static string Prepare(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, $".write-check-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write to the output folder {full}: {error.Message}", error);
        }
        return full;
    }
}
