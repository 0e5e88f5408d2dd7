using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace EditToAudio.Tests.Images;

/// <summary>
/// Test-only reader for the golden arrays: a NumPy .npz (a zip of .npy entries, as written by
/// numpy.savez_compressed) holding little-endian uint8, int32 or float32 C-order arrays.
/// </summary>
internal sealed partial class TestNpz
{
    private readonly Dictionary<string, TestNpyArray> _arrays = new(StringComparer.Ordinal);

    private TestNpz()
    {
    }

    public static TestNpz Open(string path)
    {
        var npz = new TestNpz();
        using ZipArchive zip = ZipFile.OpenRead(path);
        foreach (ZipArchiveEntry entry in zip.Entries)
        {
            using Stream stream = entry.Open();
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            string name = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
            npz._arrays[name] = ParseNpy(memory.ToArray(), $"{path}:{entry.FullName}");
        }
        return npz;
    }

    public TestNpyArray this[string name] =>
        _arrays.TryGetValue(name, out TestNpyArray? array) ? array
        : throw new KeyNotFoundException($"Golden array '{name}' is missing; present: {string.Join(", ", _arrays.Keys)}");

    private static TestNpyArray ParseNpy(byte[] bytes, string where)
    {
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
        {
            throw new InvalidDataException($"{where}: not a .npy array");
        }
        int major = bytes[6];
        int headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int headerStart = major == 1 ? 10 : 12;
        string header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        string descr = DescrPattern().Match(header).Groups[1].Value;
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{where}: Fortran order is not supported");
        }
        int[] shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse).ToArray();
        int count = shape.Aggregate(1, (a, b) => a * b);
        ReadOnlySpan<byte> data = bytes.AsSpan(headerStart + headerLength);
        return descr switch
        {
            "|u1" => new TestNpyArray(shape, data[..count].ToArray(), null, null),
            "<i4" => new TestNpyArray(shape, null, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(data[..(count * 4)]).ToArray(), null),
            "<f4" => new TestNpyArray(shape, null, null, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data[..(count * 4)]).ToArray()),
            _ => throw new InvalidDataException($"{where}: dtype {descr} is not supported by the test reader"),
        };
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}

internal sealed record TestNpyArray(int[] Shape, byte[]? Bytes, int[]? Ints, float[]? Floats)
{
    public byte[] AsBytes() => Bytes ?? throw new InvalidDataException("array is not uint8");

    public int[] AsInts() => Ints ?? throw new InvalidDataException("array is not int32");

    public float[] AsFloats() => Floats ?? throw new InvalidDataException("array is not float32");
}
