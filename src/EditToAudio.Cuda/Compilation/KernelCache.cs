using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EditToAudio.IO;

namespace EditToAudio.Cuda.Compilation;

/// <summary>
/// Compiled kernels on disk, one file per key. The key hashes everything that changes the binary
/// (source and headers, options, NVRTC version, target, engine version). Files are written
/// atomically and carry their own key and a payload hash, so a damaged or foreign file is a miss.
/// </summary>
public sealed class KernelCache
{
    private static readonly byte[] Magic = "E2AKERN1"u8.ToArray();

    /// <summary>Uses <paramref name="folder"/> for the cache files (created on first write).</summary>
    public KernelCache(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Folder = Path.GetFullPath(folder);
    }

    /// <summary>The cache folder.</summary>
    public string Folder { get; }

    /// <summary>The default folder: <c>$XDG_CACHE_HOME/edit2audio/kernels</c>, else <c>~/.cache/edit2audio/kernels</c>.</summary>
    public static string DefaultFolder
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg;
            return Path.Combine(root, "edit2audio", "kernels");
        }
    }

    /// <summary>The cache key (lower-case hex SHA-256) of one compilation.</summary>
    public static string Key(KernelSource source, IReadOnlyList<KernelSource> headers, IEnumerable<string> options,
        string nvrtcVersion, KernelTarget target, string engineVersion)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(headers);
        var text = new StringBuilder();
        // Length-prefixed fields, so no two different inputs concatenate to the same text.
        void Field(string value) => text.Append(value.Length).Append(':').Append(value).Append('\n');
        Field(source.Name);
        Field(source.Text);
        // Counts too, so a header's (name, text) cannot pass for two options or the other way round.
        Field(headers.Count.ToString(CultureInfo.InvariantCulture));
        foreach (KernelSource header in headers.OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            Field(header.Name);
            Field(header.Text);
        }
        string[] optionList = [.. options];
        Field(optionList.Length.ToString(CultureInfo.InvariantCulture));
        foreach (string option in optionList)
        {
            Field(option);
        }
        Field(nvrtcVersion);
        Field(target.ToString());
        Field(target.Kind.ToString());
        Field(engineVersion);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The file that holds <paramref name="key"/>.</summary>
    public string PathFor(string key) => Path.Combine(Folder, key + ".bin");

    /// <summary>The stored payload for <paramref name="key"/>, or null when absent or damaged.</summary>
    public byte[]? TryRead(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        byte[] file;
        try
        {
            file = File.ReadAllBytes(PathFor(key));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An entry that cannot be read is a miss like a damaged one; the compiled image replaces it.
            return null;
        }
        byte[] keyBytes = Encoding.ASCII.GetBytes(key);
        int header = Magic.Length + 4 + keyBytes.Length + 4 + 32;
        if (file.Length < header || !file.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return null;
        }
        int offset = Magic.Length;
        int keyLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(offset));
        offset += 4;
        if (keyLength != keyBytes.Length || !file.AsSpan(offset, keyLength).SequenceEqual(keyBytes))
        {
            return null;
        }
        offset += keyLength;
        int payloadLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(offset));
        offset += 4;
        ReadOnlySpan<byte> hash = file.AsSpan(offset, 32);
        offset += 32;
        if (payloadLength < 0 || file.Length - offset != payloadLength)
        {
            return null;
        }
        byte[] payload = file.AsSpan(offset).ToArray();
        return SHA256.HashData(payload).AsSpan().SequenceEqual(hash) ? payload : null;
    }

    /// <summary>Stores <paramref name="payload"/> under <paramref name="key"/> atomically.</summary>
    public void Write(string key, ReadOnlySpan<byte> payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        byte[] keyBytes = Encoding.ASCII.GetBytes(key);
        byte[] file = new byte[Magic.Length + 4 + keyBytes.Length + 4 + 32 + payload.Length];
        Span<byte> span = file;
        Magic.CopyTo(span);
        int offset = Magic.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], keyBytes.Length);
        offset += 4;
        keyBytes.CopyTo(span[offset..]);
        offset += keyBytes.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], payload.Length);
        offset += 4;
        SHA256.HashData(payload, span.Slice(offset, 32));
        offset += 32;
        payload.CopyTo(span[offset..]);
        AtomicFile.WriteAllBytes(PathFor(key), file);
    }
}

/// <summary>NVRTC behind the disk cache.</summary>
public sealed class CachedKernelCompiler
{
    /// <summary>Compiles with <paramref name="compiler"/>, caching in <paramref name="cache"/> (null: no cache).</summary>
    public CachedKernelCompiler(NvrtcCompiler compiler, KernelCache? cache)
    {
        ArgumentNullException.ThrowIfNull(compiler);
        Compiler = compiler;
        Cache = cache;
    }

    /// <summary>The compiler.</summary>
    public NvrtcCompiler Compiler { get; }

    /// <summary>The cache, if any.</summary>
    public KernelCache? Cache { get; }

    /// <summary>Why the last image could not be stored in <see cref="Cache"/>; null when every store succeeded.</summary>
    public string? CacheWriteError { get; private set; }

    /// <summary>The image of <paramref name="source"/> for <paramref name="target"/>, from the cache when there, compiled and stored otherwise.</summary>
    /// <param name="source">The file to compile.</param>
    /// <param name="target">The target.</param>
    /// <param name="extraOptions">Options beyond the standard ones.</param>
    /// <param name="fromCache">True when the image came from the cache.</param>
    public KernelImage GetImage(KernelSource source, KernelTarget target, IReadOnlyList<string>? extraOptions, out bool fromCache)
    {
        ArgumentNullException.ThrowIfNull(source);
        IReadOnlyList<KernelSource> headers = KernelSources.Headers;
        string key = KernelCache.Key(source, headers, NvrtcCompiler.Options(target, extraOptions), Compiler.Version, target, EngineInfo.Version);
        if (Cache?.TryRead(key) is { } cached)
        {
            fromCache = true;
            return new KernelImage(target, cached, "");
        }
        KernelImage image = Compiler.Compile(source, headers, target, extraOptions);
        if (Cache is not null)
        {
            try
            {
                Cache.Write(key, image.Data);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A read-only or full cache folder costs a recompilation next time, not this run's kernels.
                CacheWriteError = $"could not store the compiled {source.Name} in {Cache.Folder}: {e.Message}";
            }
        }
        fromCache = false;
        return image;
    }
}
