using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace EditToAudio.IO;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0).
/// </summary>
/// <remarks>
/// <para>Reading accepts the dtypes <c>'&lt;f2'</c>, <c>'&lt;f4'</c>, <c>'&lt;f8'</c>, <c>'&lt;i8'</c> and their big-endian forms
/// (byte-swapped on load), <c>'|b1'</c> and <c>'|u1'</c> (also spelled with <c>'&lt;'</c> or <c>'&gt;'</c>), in C or
/// Fortran order (Fortran order is converted to C order). Descriptors that do not state a byte order
/// (<c>'=f4'</c>, <c>'f4'</c>) are refused: NumPy never writes them, and their meaning depends on the machine
/// that wrote the file. Bytes after the array's data are ignored, as NumPy does, and the stream is left
/// just after the data, so arrays saved one after another to one stream can be read in turn. Arrays of
/// more than <see cref="Array.MaxLength"/> elements are refused.</para>
/// <para>Writing always produces what NumPy's <c>np.save</c> produces for the same array: little-endian,
/// C order, format 1.0 (2.0 only if the header needs more than 65535 bytes), header padded to 64 bytes.</para>
/// </remarks>
public static class Npy
{
    /// <summary>Headers longer than this are refused: no real header comes close, and it bounds what a hostile file can make the reader allocate.</summary>
    public const int MaxHeaderBytes = 1 << 20;

    /// <summary>The six bytes every <c>.npy</c> file starts with.</summary>
    internal static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Size of the first data buffer when the stream's length is unknown; it grows only as data arrives, so a lying header cannot force a huge allocation.</summary>
    private const int UnseekableFirstChunkBytes = 1 << 20;

    /// <summary>Elements handled per step, so byte views of arrays over 2 GiB stay within a span's length.</summary>
    private const int WindowElements = 1 << 20;

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the array in the file at <paramref name="path"/>.</summary>
    /// <exception cref="NpyFormatException">The file is not a readable <c>.npy</c> file; the message names the path.</exception>
    /// <exception cref="IOException">The file cannot be opened (the message of <see cref="FileNotFoundException"/> names the path).</exception>
    public static NpyArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(stream, path);
    }

    /// <summary>Reads one array from <paramref name="stream"/>, leaving the stream just after its data.</summary>
    /// <param name="stream">The stream, positioned at the magic string.</param>
    /// <param name="source">A name for the stream (usually a path), used in error messages and as <see cref="NpyArray.Source"/>.</param>
    /// <exception cref="NpyFormatException">The stream does not hold a readable <c>.npy</c> array.</exception>
    public static NpyArray Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        NpyHeader header = ReadHeader(stream, source, out long dataBytes);
        Array data = header.DType switch
        {
            NpyDType.Float16 => ReadElements<Half>(stream, source, header, dataBytes),
            NpyDType.Float32 => ReadElements<float>(stream, source, header, dataBytes),
            NpyDType.Float64 => ReadElements<double>(stream, source, header, dataBytes),
            NpyDType.Int64 => ReadElements<long>(stream, source, header, dataBytes),
            _ => ReadElements<byte>(stream, source, header, dataBytes),
        };
        if (header.DType == NpyDType.Bool)
        {
            NormalizeBooleans((byte[])data);
        }
        if (header.FortranOrder)
        {
            data = FortranToC(data, header.Shape);
        }
        return new NpyArray(header.DType, header.Shape, data, source);
    }

    /// <summary>
    /// Reads and checks the magic string, version and header, leaving <paramref name="stream"/> at the
    /// first data byte; where the stream's length is known, also checks that the data is all there.
    /// </summary>
    /// <param name="stream">The stream, positioned at the magic string.</param>
    /// <param name="source">A name for the stream, used in error messages.</param>
    /// <param name="dataBytes">The size of the array's data in bytes.</param>
    /// <exception cref="NpyFormatException">The stream does not start with a readable <c>.npy</c> header, or its data is cut short.</exception>
    internal static NpyHeader ReadHeader(Stream stream, string source, out long dataBytes)
    {

        Span<byte> prefix = stackalloc byte[Magic.Length + 2];
        int got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        int magicBytes = Math.Min(got, Magic.Length);
        if (!prefix[..magicBytes].SequenceEqual(Magic[..magicBytes]) || got == 0)
        {
            throw new NpyFormatException(source,
                $"not a NumPy .npy file: expected it to start with the bytes 93 4E 55 4D 50 59 (\\x93NUMPY), found {Hex(prefix[..magicBytes])}");
        }
        if (got < prefix.Length)
        {
            throw Truncated(source, "header", prefix.Length, got);
        }

        byte major = prefix[Magic.Length], minor = prefix[Magic.Length + 1];
        int lengthFieldSize = (major, minor) switch
        {
            (1, 0) => 2,
            (2, 0) or (3, 0) => 4,
            _ => throw new NpyFormatException(source, $"unsupported .npy format version {major}.{minor}; expected 1.0, 2.0 or 3.0"),
        };

        Span<byte> lengthField = stackalloc byte[lengthFieldSize];
        got = stream.ReadAtLeast(lengthField, lengthFieldSize, throwOnEndOfStream: false);
        if (got < lengthFieldSize)
        {
            throw Truncated(source, "header length", lengthFieldSize, got);
        }
        long headerLength = lengthFieldSize == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField)
            : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        if (headerLength > MaxHeaderBytes)
        {
            throw new NpyFormatException(source, $"header length {headerLength} bytes is above the limit of {MaxHeaderBytes} bytes");
        }
        if (TryGetRemaining(stream, out long remaining) && remaining < headerLength)
        {
            throw Truncated(source, "header", headerLength, remaining);
        }

        byte[] headerBytes = new byte[headerLength];
        got = stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false);
        if (got < headerBytes.Length)
        {
            throw Truncated(source, "header", headerBytes.Length, got);
        }

        string headerText;
        try
        {
            // Formats 1.0 and 2.0 store the header as latin-1, 3.0 as UTF-8.
            headerText = major == 3 ? StrictUtf8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new NpyFormatException(source, $"the format {major}.{minor} header is not valid UTF-8", e);
        }
        NpyHeader header = NpyHeader.Parse(headerText, source, allowLongSuffix: major < 3);

        dataBytes = header.Count * header.DType.ItemSize();
        if (TryGetRemaining(stream, out remaining) && remaining < dataBytes)
        {
            throw TruncatedData(source, header, dataBytes, remaining);
        }
        return header;
    }

    /// <summary>Writes <paramref name="array"/> to <paramref name="path"/> atomically (a reader never sees a partial file).</summary>
    public static void Write(string path, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(array);
        AtomicFile.Write(path, stream => Write(stream, array));
    }

    /// <summary>Writes float32 data of the given shape (C order) to <paramref name="path"/> atomically, without copying it.</summary>
    /// <exception cref="ArgumentException">The shape has a negative dimension or does not match the data length.</exception>
    public static unsafe void Write(string path, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckShape(shape, data.Length, nameof(shape));
        byte[] header = NpyHeader.Format(NpyDType.Float32, shape);
        // A span cannot be captured by the writing callback; the callback runs before
        // AtomicFile.Write returns, so the pinned address stays valid while it is used.
        fixed (float* pinned = data)
        {
            nint address = (nint)pinned;
            int length = data.Length;
            AtomicFile.Write(path, stream =>
            {
                stream.Write(header);
                WriteLittleEndian(stream, new ReadOnlySpan<float>((void*)address, length));
            });
        }
    }

    /// <summary>Writes <paramref name="array"/> to <paramref name="stream"/> exactly as NumPy's <c>np.save</c> would.</summary>
    public static void Write(Stream stream, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        stream.Write(NpyHeader.Format(array.DType, array.ShapeSpan));
        switch (array.Data)
        {
            case float[] single: WriteLittleEndian<float>(stream, single); break;
            case double[] wide: WriteLittleEndian<double>(stream, wide); break;
            case Half[] half: WriteLittleEndian<Half>(stream, half); break;
            case long[] integers: WriteLittleEndian<long>(stream, integers); break;
            default: stream.Write((byte[])array.Data); break;
        }
    }

    /// <summary>Checks that <paramref name="shape"/> has no negative dimension and holds <paramref name="length"/> elements.</summary>
    internal static void CheckShape(ReadOnlySpan<int> shape, long length, string parameterName)
    {
        for (int axis = 0; axis < shape.Length; axis++)
        {
            if (shape[axis] < 0)
            {
                throw new ArgumentException($"Dimension {axis} of shape {NpyHeader.FormatShape(shape)} is negative.", parameterName);
            }
        }
        long count;
        try
        {
            count = NpyHeader.CountElements(shape, NpyArray.InMemorySource);
        }
        catch (NpyFormatException e)
        {
            throw new ArgumentException(e.Problem, parameterName, e);
        }
        if (count != length)
        {
            throw new ArgumentException(
                $"Shape {NpyHeader.FormatShape(shape)} holds {count} elements but the data has {length}.", parameterName);
        }
    }

    private static T[] ReadElements<T>(Stream stream, string source, NpyHeader header, long dataBytes)
        where T : unmanaged
    {
        long count = header.Count;
        int itemSize = Marshal.SizeOf<T>();
        // With a known length the size was checked above; otherwise grow as data actually arrives.
        long firstCapacity = stream.CanSeek ? count : Math.Min(count, UnseekableFirstChunkBytes / itemSize);
        var elements = new T[firstCapacity];
        long filled = 0; // bytes
        while (filled < dataBytes)
        {
            long firstFree = filled / itemSize;
            if (firstFree == elements.LongLength)
            {
                Array.Resize(ref elements, (int)Math.Min(count, elements.LongLength * 2));
                continue;
            }
            // A window keeps the byte view of the elements within a span's int length.
            int window = (int)Math.Min(elements.LongLength - firstFree, WindowElements);
            Span<byte> free = MemoryMarshal.AsBytes(elements.AsSpan((int)firstFree, window))[(int)(filled % itemSize)..];
            int read = stream.Read(free);
            if (read == 0)
            {
                throw TruncatedData(source, header, dataBytes, filled);
            }
            filled += read;
        }

        if (header.BigEndian == BitConverter.IsLittleEndian && itemSize > 1)
        {
            for (int start = 0; start < elements.Length; start += WindowElements)
            {
                int window = Math.Min(elements.Length - start, WindowElements);
                SwapBytes(MemoryMarshal.AsBytes(elements.AsSpan(start, window)), itemSize);
            }
        }
        return elements;
    }

    private static void WriteLittleEndian<T>(Stream stream, ReadOnlySpan<T> data)
        where T : unmanaged
    {
        int itemSize = Marshal.SizeOf<T>();
        bool swap = !BitConverter.IsLittleEndian && itemSize > 1;
        byte[]? buffer = swap ? ArrayPool<byte>.Shared.Rent(WindowElements * itemSize) : null;
        try
        {
            for (int start = 0; start < data.Length; start += WindowElements)
            {
                ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(data.Slice(start, Math.Min(data.Length - start, WindowElements)));
                if (buffer is null)
                {
                    stream.Write(bytes);
                    continue;
                }
                bytes.CopyTo(buffer);
                SwapBytes(buffer.AsSpan(0, bytes.Length), itemSize);
                stream.Write(buffer, 0, bytes.Length);
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static void SwapBytes(Span<byte> bytes, int itemSize)
    {
        switch (itemSize)
        {
            case 2:
                Span<ushort> u16 = MemoryMarshal.Cast<byte, ushort>(bytes);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                Span<uint> u32 = MemoryMarshal.Cast<byte, uint>(bytes);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                Span<ulong> u64 = MemoryMarshal.Cast<byte, ulong>(bytes);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(itemSize), itemSize, "Only 2-, 4- and 8-byte elements are swapped.");
        }
    }

    /// <summary>NumPy reads any non-zero byte of a bool array as True; store those as 1.</summary>
    private static void NormalizeBooleans(byte[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] > 1)
            {
                values[i] = 1;
            }
        }
    }

    /// <summary>Reorders elements stored column-major (first axis fastest) into row-major order.</summary>
    private static Array FortranToC(Array fortran, int[] shape)
    {
        return fortran switch
        {
            float[] a => Reorder(a, shape),
            double[] a => Reorder(a, shape),
            Half[] a => Reorder(a, shape),
            long[] a => Reorder(a, shape),
            _ => Reorder((byte[])fortran, shape),
        };

        static T[] Reorder<T>(T[] source, int[] shape)
        {
            if (shape.Length < 2 || source.Length == 0)
            {
                return source; // 0-d, 1-d and empty arrays are the same in both orders
            }
            var stride = new long[shape.Length]; // row-major strides
            stride[^1] = 1;
            for (int axis = shape.Length - 2; axis >= 0; axis--)
            {
                stride[axis] = stride[axis + 1] * shape[axis + 1];
            }

            var result = new T[source.Length];
            var index = new int[shape.Length];
            long target = 0;
            for (int i = 0; i < source.Length; i++)
            {
                result[target] = source[i];
                // Advance the multi-index with axis 0 fastest, keeping the row-major offset in step.
                for (int axis = 0; axis < shape.Length; axis++)
                {
                    target += stride[axis];
                    if (++index[axis] < shape[axis])
                    {
                        break;
                    }
                    target -= stride[axis] * shape[axis];
                    index[axis] = 0;
                }
            }
            return result;
        }
    }

    private static bool TryGetRemaining(Stream stream, out long remaining)
    {
        if (!stream.CanSeek)
        {
            remaining = 0;
            return false;
        }
        remaining = Math.Max(0, stream.Length - stream.Position);
        return true;
    }

    private static NpyFormatException Truncated(string source, string part, long expected, long found) =>
        new(source, $"truncated {part}: expected {expected} bytes, found {found}");

    private static NpyFormatException TruncatedData(string source, NpyHeader header, long expected, long found) =>
        new(source,
            $"truncated data: shape {NpyHeader.FormatShape(header.Shape)} of dtype {header.DType} needs {expected} bytes, found {found}");

    private static string Hex(ReadOnlySpan<byte> bytes) =>
        bytes.IsEmpty ? "an empty file" : string.Join(' ', bytes.ToArray().Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
}
