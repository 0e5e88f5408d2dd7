using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace EditToAudio.Tests.Images;

/// <summary>PNG files built chunk by chunk, to say what a header claims independently of the data.</summary>
public static class CraftedPngs
{
    /// <summary>An 8-bit RGB PNG whose header declares <paramref name="width"/>×<paramref name="height"/> and whose data is one empty zlib stream.</summary>
    public static byte[] HeaderOnly(int width, int height) => Build(width, height, interlaced: false, [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);

    /// <summary>
    /// An 8-bit RGB PNG whose header declares <paramref name="width"/>×<paramref name="height"/>, with
    /// valid, complete chunks whose image data holds only the first <paramref name="rows"/> rows' bytes
    /// (all rows of the first Adam7 passes when interlaced).
    /// </summary>
    public static byte[] WithRows(int width, int height, int rows, bool interlaced)
    {
        int rowBytes = 1 + (3 * width);
        byte[] raw = new byte[(long)rows * rowBytes];
        for (int i = 0; i < raw.Length; i++)
        {
            raw[i] = i % rowBytes == 0 ? (byte)0 : (byte)(i * 7);
        }
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(raw);
        }
        return Build(width, height, interlaced, compressed.ToArray());
    }

    private static byte[] Build(int width, int height, bool interlaced, byte[] data)
    {
        var png = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        byte[] ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 2;  // truecolor
        ihdr[12] = interlaced ? (byte)1 : (byte)0;
        AddChunk(png, "IHDR", ihdr);
        AddChunk(png, "IDAT", data);
        AddChunk(png, "IEND", []);
        return [.. png];
    }

    private static void AddChunk(List<byte> png, string type, byte[] data)
    {
        byte[] length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.AddRange(length);
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        png.AddRange(typed);
        byte[] crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.AddRange(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }
        return ~crc;
    }
}
