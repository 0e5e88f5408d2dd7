using EditToAudio.Images;
using EditToAudio.IO;

namespace EditToAudio.Prompts;

/// <summary>
/// Reads a ready mask given as an object's prompt: a NumPy <c>.npy</c> file of shape [H, W] (bool,
/// uint8 or float, values 0/1), or an image (PNG, or any format <see cref="ImageLoader"/> reads) whose
/// bright pixels (luma ≥ 128, as a black-and-white mask exported by an image editor) are the object.
/// The mask must have its image's size: masks are not resampled, since a mask of another size is
/// nearly always a mask of another image.
/// </summary>
public static class PromptMasks
{
    /// <summary>Loads the mask at <paramref name="path"/> for a <paramref name="width"/>×<paramref name="height"/> image.</summary>
    /// <param name="path">The mask file.</param>
    /// <param name="width">Width of the image the mask belongs to.</param>
    /// <param name="height">Height of that image.</param>
    /// <param name="what">How messages name the object ("remove object 1").</param>
    /// <param name="image">How messages name the image (its path).</param>
    /// <exception cref="FileNotFoundException">The mask file does not exist (the object is named).</exception>
    /// <exception cref="InvalidDataException">The mask cannot be decoded or is of another size (both sizes are named), empty, or not binary.</exception>
    public static BinaryMask Load(string path, int width, int height, string what, string image)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{what}: the mask file {path} does not exist.", path);
        }
        BinaryMask mask;
        try
        {
            mask = Read(path, what);
        }
        catch (ImageLoadException e)
        {
            throw new InvalidDataException($"{what}: the mask {path} cannot be read: {e.Reason}.", e);
        }
        catch (NpyFormatException e)
        {
            throw new InvalidDataException($"{what}: the mask {path} cannot be read: {e.Problem}.", e);
        }
        if (mask.Width != width || mask.Height != height)
        {
            throw new InvalidDataException(
                $"{what}: the mask {path} is {mask.Width}×{mask.Height} pixels, but {image} is {width}×{height}; a mask must have its image's size.");
        }
        if (mask.CountSet() == 0)
        {
            throw new InvalidDataException($"{what}: the mask {path} is empty (no pixel is set).");
        }
        return mask;
    }

    private static BinaryMask Read(string path, string what)
    {
        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            using MappedItems<BinaryMask> file = MaskArrays.ReadMasks(path);
            if (file.Batched)
            {
                throw new InvalidDataException($"{what}: the mask {path} has a batch dimension ({file.Items.Count} masks); an object's mask is one [H, W] array.");
            }
            // A copy: the run keeps the mask after the file is unmapped.
            BinaryMask mapped = file.Items[0];
            return new BinaryMask(mapped.Values.ToArray(), mapped.Height, mapped.Width);
        }
        RgbImage picture = ImageLoader.Load(path);
        var values = new byte[picture.Width * picture.Height];
        byte[] rgb = picture.Pixels;
        for (int i = 0; i < values.Length; i++)
        {
            // ITU-R BT.601 luma, the weights Pillow's convert("L") uses.
            int luma = (rgb[3 * i] * 299 + rgb[3 * i + 1] * 587 + rgb[3 * i + 2] * 114 + 500) / 1000;
            values[i] = luma >= 128 ? (byte)1 : (byte)0;
        }
        return new BinaryMask(values, picture.Height, picture.Width);
    }
}
