using EditToAudio.Editing;

namespace EditToAudio.IO;

/// <summary>
/// Reads the edit command's NumPy inputs: tokens [257, D] or [B, 257, D] and masks [H, W] or
/// [B, H, W] (bool, uint8 or float, values 0/1). Every problem is reported as an
/// <see cref="InvalidDataException"/> that names the file and what was expected. Float32 tokens and
/// bool/uint8 masks in the machine's layout are used in the memory-mapped file, without a copy (see
/// <see cref="NpyMappedFile"/>): dispose the returned file after the last use of its images or masks.
/// </summary>
public static class EditArrays
{
    /// <summary>Token arrays of one or more images, and whether the file had a batch dimension.</summary>
    /// <param name="Images">Per-image tokens.</param>
    /// <param name="Batched">True for a [B, 257, D] file.</param>
    public sealed record TokenFile(IReadOnlyList<ImageTokens> Images, bool Batched) : IDisposable
    {
        internal NpyMappedFile? Mapping { get; init; }

        /// <summary>Unmaps the file: the images must not be used after this.</summary>
        public void Dispose() => Mapping?.Dispose();
    }

    /// <summary>Masks of one or more images, and whether the file had a batch dimension.</summary>
    /// <param name="Masks">Per-image masks.</param>
    /// <param name="Batched">True for a [B, H, W] file.</param>
    public sealed record MaskFile(IReadOnlyList<BinaryMask> Masks, bool Batched) : IDisposable
    {
        internal NpyMappedFile? Mapping { get; init; }

        /// <summary>Unmaps the file: the masks must not be used after this.</summary>
        public void Dispose() => Mapping?.Dispose();
    }

    /// <summary>Reads and checks a token array.</summary>
    public static TokenFile ReadTokens(string path)
    {
        NpyMappedFile array = NpyMappedFile.Open(path);
        try
        {
            IReadOnlyList<int> shape = array.Shape;
            bool batched = shape.Count == 3;
            if (!(shape.Count is 2 or 3) || shape[^2] != ImageTokens.TokenCount || shape[^1] < 1)
            {
                throw new InvalidDataException($"{path}: tokens must have shape [{ImageTokens.TokenCount}, D] or [B, {ImageTokens.TokenCount}, D], found {array.ShapeText}.");
            }
            if (array.DType is not (NpyDType.Float16 or NpyDType.Float32 or NpyDType.Float64))
            {
                throw new InvalidDataException($"{path}: tokens must be float16, float32 or float64, found {array.DType}.");
            }
            int count = batched ? shape[0] : 1, dimension = shape[^1];
            if (count < 1)
            {
                throw new InvalidDataException($"{path}: the token batch is empty (shape {array.ShapeText}).");
            }
            ReadOnlyMemory<float> values = array.AsSingles();
            int perImage = ImageTokens.TokenCount * dimension;
            var images = new ImageTokens[count];
            for (int b = 0; b < count; b++)
            {
                try
                {
                    images[b] = new ImageTokens(values.Slice(b * perImage, perImage), dimension);
                }
                catch (ArgumentException error)
                {
                    throw new InvalidDataException($"{path}: {(batched ? $"image {b}: " : "")}{MessageWithoutParameter(error)}", error);
                }
            }
            return new TokenFile(images, batched) { Mapping = array };
        }
        catch
        {
            array.Dispose();
            throw;
        }
    }

    /// <summary>Reads and checks a mask array.</summary>
    public static MaskFile ReadMasks(string path)
    {
        NpyMappedFile array = NpyMappedFile.Open(path);
        try
        {
            IReadOnlyList<int> shape = array.Shape;
            bool batched = shape.Count == 3;
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
            return new MaskFile(masks, batched) { Mapping = array };
        }
        catch
        {
            array.Dispose();
            throw;
        }
    }

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
                    _ => throw NotBinary(path, i, values[i].ToString("G", System.Globalization.CultureInfo.InvariantCulture), height, width, array.Shape.Count == 3),
                };
            }
        }
        int bad = bytes.Span.IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0)
        {
            throw NotBinary(path, bad, bytes.Span[bad].ToString(System.Globalization.CultureInfo.InvariantCulture), height, width, array.Shape.Count == 3);
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

    private static string MessageWithoutParameter(ArgumentException error) =>
        error.ParamName is null ? error.Message : error.Message.Replace($" (Parameter '{error.ParamName}')", "", StringComparison.Ordinal);
}
