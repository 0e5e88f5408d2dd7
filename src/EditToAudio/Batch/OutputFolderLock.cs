using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using EditToAudio.IO;

namespace EditToAudio.Batch;

/// <summary>The process that holds a batch output folder (<c>batch.lock</c>).</summary>
/// <param name="ProcessId">Its process id.</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="StartedUtc">When it took the folder (UTC, ISO 8601).</param>
/// <param name="Shard">The slice it runs ("0/1" for the whole manifest).</param>
public sealed record LockHolder(int ProcessId, string Host, string StartedUtc, string Shard)
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"process {ProcessId} on {Host}, since {StartedUtc}");
}

/// <summary>
/// Exclusive use of a batch output folder by one process for one slice: two batches on the same
/// folder and slice would both do all the work and overwrite each other's files. The operating
/// system's file lock on <c>.batch.lock</c> decides (it dies with its process, so the lock of a
/// killed batch is taken over without asking); <c>batch.lock</c> says who holds it, for the
/// message the next one prints, and is removed when the batch ends. Slices of one manifest
/// (<c>--shard I/N</c>) each lock their own name and so share a folder.
/// </summary>
public sealed partial class OutputFolderLock : IDisposable
{
    private readonly FileStream _handle;
    private readonly string _infoPath;

    private OutputFolderLock(FileStream handle, string infoPath, LockHolder? previous)
    {
        _handle = handle;
        _infoPath = infoPath;
        TakenOver = previous;
    }

    /// <summary>The holder whose lock was left behind by a process that is no longer running, and was taken over; null otherwise.</summary>
    public LockHolder? TakenOver { get; }

    /// <summary>Name of the file that says who holds the folder for <paramref name="shard"/>.</summary>
    public static string FileName(ShardSpec shard) => $"batch{shard.FileSuffix}.lock";

    /// <summary>Takes <paramref name="folder"/> (created if needed) for <paramref name="shard"/>.</summary>
    /// <exception cref="OutputFolderException">Another running process holds it; the message names that process.</exception>
    public static OutputFolderLock Acquire(string folder, ShardSpec shard)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string name = FileName(shard);
        string infoPath = Path.Combine(folder, name);
        Directory.CreateDirectory(folder);
        FileStream handle;
        try
        {
            handle = new FileStream(Path.Combine(folder, "." + name), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            string holder = Read(infoPath)?.ToString() ?? "another process";
            throw new OutputFolderException(
                $"the output folder {folder} is in use by another batch{(shard.Count == 1 ? "" : $" of slice {shard}")} ({holder}); wait for it to finish or choose another folder.", e);
        }
        try
        {
            // Holding the system's lock, a batch.lock still there was left by a process that died.
            LockHolder? previous = Read(infoPath);
            var holder = new LockHolder(Environment.ProcessId, Environment.MachineName,
                DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), shard.ToString());
            AtomicFile.WriteAllText(infoPath, ReadableJson.Serialize(holder, LockJson.Default.LockHolder) + "\n");
            return new OutputFolderLock(handle, infoPath, previous);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Refuses, before anything is written, a folder that holds files but is not an earlier batch's
    /// output (no results, batch record or lock of any slice), since the batch would mix its items
    /// with them. A missing or empty folder is fine.
    /// </summary>
    /// <exception cref="OutputFolderException">The folder holds something else.</exception>
    public static void CheckFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            return;
        }
        string[] entries = [.. Directory.EnumerateFileSystemEntries(folder).Select(e => Path.GetFileName(e)).Order(StringComparer.Ordinal)];
        if (entries.Length == 0 || entries.Any(e => BatchFile().IsMatch(e)))
        {
            return;
        }
        throw new OutputFolderException(
            $"the output folder {folder} is not empty ({OutputFolders.Describe(entries)}) and is not an earlier batch's (it has no results.jsonl, batch.json or batch.lock), " +
            "so the batch's items would mix with its files; choose a new or empty folder, or empty this one.");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            File.Delete(_infoPath);
        }
        finally
        {
            _handle.Dispose();
        }
    }

    private static LockHolder? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), LockJson.Default.LockHolder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^\.?(results|batch)(-shard-\d+-of-\d+)?\.(jsonl|json|lock)$", RegexOptions.CultureInvariant)]
    private static partial Regex BatchFile();
}

/// <summary>Source-generated JSON for <see cref="LockHolder"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(LockHolder))]
internal sealed partial class LockJson : JsonSerializerContext;
