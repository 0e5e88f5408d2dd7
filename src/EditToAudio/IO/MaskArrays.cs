using System.Globalization;
using EditToAudio.Images;

namespace EditToAudio.IO;

/// <summary>
/// Reads masks stored as NumPy arrays, [H, W] or [B, H, W] (bool, uint8 or float, values 0/1). Every
/// problem is reported as an <see cref="InvalidDataException"/> that names the file and what was
/// expected. Bool and uint8 masks are used in the memory-mapped file, without a copy (see
/// <see cref="NpyMappedFile"/>): dispose the returned file after the last use of its masks.
/// </summary>
public static class MaskArrays
{
    /// <summary>Reads and checks a mask array: one mask per image.</summary>
    public static MappedItems<BinaryMask> ReadMasks(string path) => MappedItems<BinaryMask>.Read(path, 3, (array, batched) =>
    {
        IReadOnlyList<int> shape = array.Shape;
        if (!(shape.Count is 2 or 3) || shape[^2] < 1 || shape[^1] < 1 || (batched && shape[0] < 1))
        {
            throw new InvalidDataException($"{path}: a mask must have shape [H, W] or [B, H, W] with every size ≥ 1, found {array.ShapeText}.");
        }
        int count = batched ? shape[0] : 1, height = shape[^2], width = shape[^1];
        int perMask = height * width;
        ReadOnlyMemory<byte> values = ToBinaryBytes(array, path, height, width);
        var masks = new BinaryMask[count];
        for (int b = 0; b < count; b++)
        {
            masks[b] = new BinaryMask(values.Slice(b * perMask, perMask), height, width, valuesChecked: true);
        }
        return masks;
    });

    /// <summary>The mask's 0/1 bytes: in place for bool and uint8, converted from float types.</summary>
    private static ReadOnlyMemory<byte> ToBinaryBytes(NpyMappedFile array, string path, int height, int width)
    {
        ReadOnlyMemory<byte> bytes;
        if (array.DType is NpyDType.Bool or NpyDType.UInt8)
        {
            bytes = array.AsBytes();
        }
        else
        {
            double[] values = array.ToArray().ToDouble();
            var converted = new byte[values.Length];
            bytes = converted;
            for (int i = 0; i < values.Length; i++)
            {
                converted[i] = values[i] switch
                {
                    0.0 => 0,
                    1.0 => 1,
                    _ => throw NotBinary(path, i, values[i].ToString("G", CultureInfo.InvariantCulture), height, width, array.Shape.Count == 3),
                };
            }
        }
        int bad = bytes.Span.IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0)
        {
            throw NotBinary(path, bad, bytes.Span[bad].ToString(CultureInfo.InvariantCulture), height, width, array.Shape.Count == 3);
        }
        return bytes;
    }

    private static InvalidDataException NotBinary(string path, long index, string value, int height, int width, bool batched)
    {
        long perMask = (long)height * width;
        long within = index % perMask;
        string where = $"{(batched ? $"mask {index / perMask}, " : "")}row {within / width}, column {within % width}";
        return new InvalidDataException($"{path}: the mask is not binary: value {value} at {where} (expected 0 or 1; a 0/255 mask must be divided by 255 first).");
    }

}
