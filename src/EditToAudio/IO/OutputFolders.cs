namespace EditToAudio.IO;

/// <summary>
/// An output folder the engine will not write into: it cannot be created or written, or it holds
/// files that are not an earlier output of the same command (which would then look like the new
/// run's). Nothing was written when this is thrown.
/// </summary>
public sealed class OutputFolderException : IOException
{
    /// <summary>Creates the exception with its message.</summary>
    public OutputFolderException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    public OutputFolderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public OutputFolderException()
    {
    }
}

/// <summary>
/// What every command that writes a folder shares: checking that it can be written without
/// creating it (folders appear only with their first file), and listing what it holds.
/// </summary>
public static class OutputFolders
{
    /// <summary>
    /// Checks, before any long work, that <paramref name="path"/> exists as a writable folder or
    /// can be created: the nearest existing folder on the way is probed with a file that is
    /// removed at once, so nothing is left behind either way.
    /// </summary>
    /// <returns>The full path.</returns>
    /// <exception cref="OutputFolderException">A file is in the way, or the folder cannot be written.</exception>
    public static string CheckWritable(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string? existing = full;
        while (existing is not null && !Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                throw new OutputFolderException($"cannot write to the output folder {full}: {existing} is a file, not a folder.");
            }
            existing = Path.GetDirectoryName(existing);
        }
        if (existing is null)
        {
            throw new OutputFolderException($"cannot write to the output folder {full}: none of the folders on its path exists.");
        }
        string probe = Path.Combine(existing, $".write-check-{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new OutputFolderException($"cannot write to the output folder {full}: {error.Message}", error);
        }
        return full;
    }

    /// <summary>Whether <paramref name="fileName"/> is a temporary file of <see cref="AtomicFile"/> (left only by a process that was killed while writing).</summary>
    public static bool IsTemporary(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        string name = Path.GetFileName(fileName);
        return name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal);
    }

    /// <summary>Every file under <paramref name="folder"/>, relative to it with '/' separators, sorted; none when it does not exist.</summary>
    public static List<string> Files(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            return [];
        }
        return [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Deletes <paramref name="files"/> (relative to <paramref name="folder"/>), then the folders
    /// under <paramref name="folder"/> that this left empty.
    /// </summary>
    public static void Delete(string folder, IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var parents = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            string path = Path.Combine(folder, file);
            File.Delete(path);
            for (string? parent = Path.GetDirectoryName(path); parent is not null && parent.Length > folder.Length; parent = Path.GetDirectoryName(parent))
            {
                parents.Add(parent);
            }
        }
        foreach (string parent in parents.OrderByDescending(p => p.Length))
        {
            if (Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any())
            {
                Directory.Delete(parent);
            }
        }
    }

    /// <summary>Up to five names of <paramref name="files"/> and how many more, for messages.</summary>
    public static string Describe(IReadOnlyCollection<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        string shown = string.Join(", ", files.Take(5));
        return files.Count > 5 ? $"{shown} and {files.Count - 5} more" : shown;
    }
}
