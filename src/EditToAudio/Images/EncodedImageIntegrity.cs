using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;

namespace EditToAudio.Images;

/// <summary>
/// Checks that an encoded file is complete before it is decoded. ImageSharp fills the missing
/// part of a truncated GIF, BMP or WebP with black instead of failing; an engine that segments
/// and embeds the picture must not silently work on half of it. Only the container structure is
/// walked (chunks, segments, blocks), never the pixel data, so this costs one pass over the bytes.
/// </summary>
internal static class EncodedImageIntegrity
{
    /// <summary>Returns why the file is incomplete, or null when its structure is whole.</summary>
    internal static string? FindTruncation(IImageFormat format, ReadOnlySpan<byte> bytes)
    {
        if (format == PngFormat.Instance)
        {
            return Png(bytes);
        }
        if (format == JpegFormat.Instance)
        {
            return Jpeg(bytes);
        }
        if (format == GifFormat.Instance)
        {
            return Gif(bytes);
        }
        if (format == BmpFormat.Instance)
        {
            return Bmp(bytes);
        }
        if (format == WebpFormat.Instance)
        {
            return Webp(bytes);
        }
        return null;
    }

    private static string Truncated(string format, long have, long need) =>
        string.Create(CultureInfo.InvariantCulture, $"the {format} file is truncated: it has {have} bytes, its structure needs at least {need}");

    // Chunks: 4-byte length, 4-byte type, data, 4-byte CRC; the last is IEND. A whole chunk
    // structure can still carry too little image data (an encoder that stopped early), which the
    // decoder would fill with black rows, so the IDAT stream is inflated and measured too.
    private static string? Png(ReadOnlySpan<byte> bytes)
    {
        long position = 8;
        using var data = new MemoryStream();
        while (position + 8 <= bytes.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes[(int)position..]);
            ReadOnlySpan<byte> type = bytes.Slice((int)position + 4, 4);
            long next = position + 12 + length;
            if (next > bytes.Length)
            {
                return Truncated("PNG", bytes.Length, next);
            }
            if (type.SequenceEqual("IEND"u8))
            {
                return PngDataShortfall(bytes, data);
            }
            if (type.SequenceEqual("IDAT"u8))
            {
                data.Write(bytes.Slice((int)position + 8, (int)length));
            }
            position = next;
        }
        return "the PNG file is truncated: it ends before its IEND chunk";
    }

    /// <summary>Why the inflated image data is shorter than the header's size needs, or null when it is whole.</summary>
    private static string? PngDataShortfall(ReadOnlySpan<byte> bytes, MemoryStream compressed)
    {
        // IHDR is the first chunk: width, height, bit depth, color type, compression, filter, interlace.
        if (bytes.Length < 8 + 8 + 13 || !bytes.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return null; // the decoder's header check reports this
        }
        long width = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
        long height = BinaryPrimitives.ReadUInt32BigEndian(bytes[20..]);
        int bitDepth = bytes[24];
        int channels = bytes[25] switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (channels == 0)
        {
            return null;
        }
        long bitsPerPixel = (long)channels * bitDepth;
        long RowBytes(long pixels) => 1 + ((pixels * bitsPerPixel) + 7) / 8; // a filter byte, then the pixels
        long need;
        if (bytes[28] == 1)
        {
            // Adam7: seven reduced images, each with its own rows.
            (int X, int Y, int Dx, int Dy)[] passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];
            need = 0;
            foreach ((int x, int y, int dx, int dy) in passes)
            {
                long columns = (width - x + dx - 1) / dx, passRows = (height - y + dy - 1) / dy;
                need += columns > 0 && passRows > 0 ? passRows * RowBytes(columns) : 0;
            }
        }
        else
        {
            need = height * RowBytes(width);
        }

        compressed.Position = 0;
        long have = 0;
        try
        {
            using var inflater = new ZLibStream(compressed, CompressionMode.Decompress);
            byte[] buffer = new byte[81920];
            int read;
            while (have < need && (read = inflater.Read(buffer)) > 0)
            {
                have += read;
            }
        }
        catch (InvalidDataException)
        {
            // Corrupt data is the decoder's to report; only a clean stream that ends early is checked here.
        }
        if (have >= need)
        {
            return null;
        }
        string rows = bytes[28] == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $" holds {have / RowBytes(width)} of its {height} rows ({have} of {need} bytes);");
        return string.Create(CultureInfo.InvariantCulture,
            $"the PNG image data is incomplete:{(rows.Length > 0 ? rows : $" it holds {have} of the {need} bytes its size needs;")} the missing part would decode as black");
    }

    // Segments with 16-bit lengths up to the first scan (SOS); entropy-coded data cannot hold an
    // FF D9 (FF bytes are stuffed), so the end-of-image marker must follow the scan.
    private static string? Jpeg(ReadOnlySpan<byte> bytes)
    {
        int position = 2;
        while (true)
        {
            if (position + 2 > bytes.Length)
            {
                return "the JPEG file is truncated: it ends before its image data";
            }
            if (bytes[position] != 0xFF)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the JPEG file is corrupt: no marker at byte {position}");
            }
            byte marker = bytes[position + 1];
            if (marker == 0xFF)
            {
                position++; // fill byte
                continue;
            }
            if (marker == 0xDA)
            {
                break;
            }
            if (marker == 0xD9)
            {
                return "the JPEG file is corrupt: it ends before its image data";
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
            {
                position += 2;
                continue;
            }
            if (position + 4 > bytes.Length)
            {
                return Truncated("JPEG", bytes.Length, position + 4);
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(position + 2)..]);
            position += 2 + length;
        }
        return bytes[position..].IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) >= 0
            ? null
            : "the JPEG file is truncated: it has no end-of-image marker after its image data";
    }

    // Header, logical screen, color tables, then extension and image blocks made of sub-blocks,
    // up to the trailer (0x3B).
    private static string? Gif(ReadOnlySpan<byte> bytes)
    {
        const int screenEnd = 13;
        if (bytes.Length < screenEnd)
        {
            return Truncated("GIF", bytes.Length, screenEnd);
        }
        long position = screenEnd + ColorTableBytes(bytes[10]);
        while (true)
        {
            if (position >= bytes.Length)
            {
                return "the GIF file is truncated: it ends before its trailer";
            }
            byte block = bytes[(int)position];
            if (block == 0x3B)
            {
                return null;
            }
            if (block == 0x21)
            {
                position += 2; // introducer and label
            }
            else if (block == 0x2C)
            {
                if (position + 10 > bytes.Length)
                {
                    return Truncated("GIF", bytes.Length, position + 10);
                }
                position += 10 + ColorTableBytes(bytes[(int)position + 9]) + 1; // descriptor, local table, LZW code size
            }
            else
            {
                return string.Create(CultureInfo.InvariantCulture, $"the GIF file is corrupt: unknown block 0x{block:X2} at byte {position}");
            }
            // Sub-blocks: a size byte then that many bytes, until a size of zero.
            while (true)
            {
                if (position >= bytes.Length)
                {
                    return "the GIF file is truncated: it ends inside a block";
                }
                byte size = bytes[(int)position];
                position += 1 + size;
                if (size == 0)
                {
                    break;
                }
            }
        }
    }

    private static int ColorTableBytes(byte packed) => (packed & 0x80) != 0 ? 3 << ((packed & 7) + 1) : 0;

    // Uncompressed (and bit-field) BMPs store |height| rows padded to 4 bytes from the data offset.
    private static string? Bmp(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 26)
        {
            return Truncated("BMP", bytes.Length, 26);
        }
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(bytes[10..]);
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[14..]);
        long width, height;
        int bitsPerPixel;
        uint compression;
        if (headerSize == 12)
        {
            width = BinaryPrimitives.ReadInt16LittleEndian(bytes[18..]);
            height = BinaryPrimitives.ReadInt16LittleEndian(bytes[20..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bytes[24..]);
            compression = 0;
        }
        else
        {
            if (bytes.Length < 34)
            {
                return Truncated("BMP", bytes.Length, 34);
            }
            width = BinaryPrimitives.ReadInt32LittleEndian(bytes[18..]);
            height = BinaryPrimitives.ReadInt32LittleEndian(bytes[22..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bytes[28..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(bytes[30..]);
        }
        const uint rgb = 0, bitFields = 3, alphaBitFields = 6;
        if (compression is not (rgb or bitFields or alphaBitFields))
        {
            return null; // run-length and embedded JPEG/PNG data have no fixed size
        }
        long stride = ((Math.Abs(width) * bitsPerPixel) + 31) / 32 * 4;
        long need = offset + (stride * Math.Abs(height));
        return need > bytes.Length ? Truncated("BMP", bytes.Length, need) : null;
    }

    // RIFF header: "RIFF", then the size of everything after these 8 bytes.
    private static string? Webp(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 12)
        {
            return Truncated("WebP", bytes.Length, 12);
        }
        long need = 8L + BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        return need > bytes.Length ? Truncated("WebP", bytes.Length, need) : null;
    }
}
