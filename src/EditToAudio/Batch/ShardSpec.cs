using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EditToAudio.Batch;

/// <summary>
/// Slice <see cref="Index"/> (0-based) of <see cref="Count"/> of a manifest: the items whose id
/// hashes to it (the first 8 bytes of SHA-256 of the UTF-8 id, little-endian, modulo N). The
/// slices are disjoint, cover every item, and do not change when lines are added, removed or
/// reordered, so a re-run of a shard resumes the same items.
/// </summary>
/// <param name="Index">0-based slice index, 0 ≤ I &lt; N (Slurm's <c>--array=0-(N-1)</c>, Kubernetes' completion index).</param>
/// <param name="Count">Number of slices N ≥ 1.</param>
public readonly record struct ShardSpec(int Index, int Count)
{
    /// <summary>The whole manifest as one slice.</summary>
    public static ShardSpec All { get; } = new(0, 1);

    /// <summary>Parses "I/N" with 0 ≤ I &lt; N.</summary>
    /// <exception cref="FormatException">Naming what was expected.</exception>
    public static ShardSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('/', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
        {
            throw new FormatException($"expected I/N with a 0-based slice index I and a slice count N (e.g. 0/4), got '{text}'");
        }
        if (count < 1 || index >= count)
        {
            throw new FormatException($"the slice index must satisfy 0 ≤ I < N with N ≥ 1 (I is 0-based), got '{text}'");
        }
        return new ShardSpec(index, count);
    }

    /// <summary>True when <paramref name="id"/> belongs to this slice.</summary>
    public bool Contains(string id) => SliceOf(id, Count) == Index;

    /// <summary>The slice of <paramref name="id"/> among <paramref name="count"/>.</summary>
    public static int SliceOf(string id, int count)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(id), hash);
        // Little-endian whatever the machine, so every node of a cluster cuts the same slices.
        return (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(hash) % (ulong)count);
    }

    /// <summary>File-name suffix of this slice's records ("" for the whole manifest, "-shard-I-of-N" otherwise).</summary>
    public string FileSuffix => Count == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $"-shard-{Index}-of-{Count}");

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
