using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace EditToAudio.Tests.IO;

/// <summary>The fixtures written by scripts/make_npy_fixtures.py and the formulas they were built from.</summary>
internal static class NpyFixtures
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "npy", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>The value at C-order index <paramref name="i"/> of each fixture family (see the script).</summary>
    public static double Expected(string family, long i) => family switch
    {
        "ramp" => i * 0.25 - 1.0,
        "thirds" => i / 3.0,
        "mask" => i % 3 == 0 ? 1 : 0,
        "u1" => i * 25,
        "count" => i,
        "scalar" => 3.5,
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "Unknown fixture family."),
    };

    public static double[] ExpectedValues(string family, long count)
    {
        var values = new double[count];
        for (long i = 0; i < count; i++)
        {
            values[i] = Expected(family, i);
        }
        return values;
    }
}

/// <summary>Exact comparisons whose failure names the first mismatching element and the mismatch count.</summary>
internal static class ExactAssert
{
    public static void Equal(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: expected {expected.Count} elements, found {actual.Count}");
        int mismatches = 0, first = -1;
        for (int i = 0; i < expected.Count; i++)
        {
            // Bitwise, so -0 vs +0 and NaN payloads count too.
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                mismatches++;
                if (first < 0)
                {
                    first = i;
                }
            }
        }
        Assert.True(mismatches == 0,
            $"{what}: {mismatches} of {expected.Count} elements differ; first at index {first}: expected {Show(expected, first)}, actual {Show(actual, first)}");
    }

    public static void Equal(IReadOnlyList<float> expected, IReadOnlyList<float> actual, string what) =>
        Equal(expected.Select(v => (double)v).ToArray(), actual.Select(v => (double)v).ToArray(), what);

    public static void SameBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        int length = Math.Min(expected.Length, actual.Length);
        int first = expected[..length].CommonPrefixLength(actual[..length]);
        Assert.True(expected.Length == actual.Length && first == length,
            $"{what}: expected {expected.Length} bytes, found {actual.Length}; first difference at byte {first}" +
            (first < length ? $" (expected 0x{expected[first]:X2}, actual 0x{actual[first]:X2})" : ""));
    }

    private static string Show(IReadOnlyList<double> values, int index) =>
        index >= 0 && index < values.Count ? values[index].ToString("R", CultureInfo.InvariantCulture) : "-";
}

/// <summary>Builds .npy bytes by hand, independently of the writer under test.</summary>
internal static class NpyBytes
{
    public static byte[] Build(string header, ReadOnlySpan<byte> data, byte major = 1, byte minor = 0, Encoding? encoding = null)
    {
        byte[] text = (encoding ?? Encoding.Latin1).GetBytes(header + "\n");
        int lengthField = major == 1 ? 2 : 4;
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, minor };
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)text.Length);
        bytes.AddRange(length[..lengthField].ToArray());
        bytes.AddRange(text);
        bytes.AddRange(data.ToArray());
        return [.. bytes];
    }

    public static string Header(string descr, string shape, bool fortran = false) =>
        $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";

    public static byte[] Floats(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}

/// <summary>A read-only stream that cannot seek and returns at most a few bytes per read, like a pipe.</summary>
internal sealed class TricklingStream(byte[] content, int maxChunk = 7) : Stream
{
    private int _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(Math.Min(buffer.Length, maxChunk), content.Length - _position);
        content.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
