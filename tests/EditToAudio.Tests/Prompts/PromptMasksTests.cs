using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Prompts;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Prompts;

public sealed class PromptMasksTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static byte[] Square(int width, int height)
    {
        var mask = new byte[width * height];
        for (int y = height / 4; y < height / 2; y++)
        {
            for (int x = width / 4; x < width / 2; x++)
            {
                mask[y * width + x] = 1;
            }
        }
        return mask;
    }

    [Fact]
    public void A_black_and_white_png_is_read_as_its_bright_pixels()
    {
        byte[] truth = Square(40, 30);
        var rgb = new byte[3 * truth.Length];
        for (int i = 0; i < truth.Length; i++)
        {
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = truth[i] == 1 ? (byte)255 : (byte)0;
        }
        // A grey edge below mid-grey stays outside.
        rgb[0] = rgb[1] = rgb[2] = 100;
        string path = _folder.File("mask.png");
        new RgbImage(40, 30, rgb, path).SavePng(path);
        Assert.Equal(truth, PromptMasks.Load(path, 40, 30, "add object 1", "edited.png").Values);
    }

    [Fact]
    public void A_npy_mask_is_read()
    {
        byte[] truth = Square(40, 30);
        string path = _folder.File("mask.npy");
        Npy.Write(path, NpyArray.FromBytes(truth, NpyDType.UInt8, 30, 40));
        Assert.Equal(truth, PromptMasks.Load(path, 40, 30, "remove object 2", "original.png").Values);
    }

    [Fact]
    public void A_mask_of_another_size_is_refused_naming_both_sizes()
    {
        string path = _folder.File("mask.npy");
        Npy.Write(path, NpyArray.FromBytes(Square(40, 30), NpyDType.UInt8, 30, 40));
        var error = Assert.Throws<InvalidDataException>(() => PromptMasks.Load(path, 640, 480, "remove object 2", "original.png"));
        Assert.Equal($"remove object 2: the mask {path} is 40×30 pixels, but original.png is 640×480; a mask must have its image's size.", error.Message);
    }

    [Fact]
    public void An_empty_or_batched_mask_is_refused()
    {
        string empty = _folder.File("empty.npy");
        Npy.Write(empty, NpyArray.FromBytes(new byte[12], NpyDType.UInt8, 3, 4));
        Assert.Contains("is empty", Assert.Throws<InvalidDataException>(() => PromptMasks.Load(empty, 4, 3, "add object 1", "e.png")).Message, StringComparison.Ordinal);
        string batched = _folder.File("batched.npy");
        Npy.Write(batched, NpyArray.FromBytes(new byte[24], NpyDType.UInt8, 2, 3, 4));
        Assert.Contains("batch dimension", Assert.Throws<InvalidDataException>(() => PromptMasks.Load(batched, 4, 3, "add object 1", "e.png")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing.png", null, "remove object 2: the mask file {0} does not exist.")]
    [InlineData("missing.npy", null, "remove object 2: the mask file {0} does not exist.")]
    [InlineData("broken.png", "\u0089PNG\r\n\u001a\nnot really", "remove object 2: the mask {0} cannot be read: ")]
    [InlineData("broken.npy", "\u0093NUMPY garbage", "remove object 2: the mask {0} cannot be read: ")]
    public void A_missing_or_unreadable_mask_names_the_object_and_the_mask(string name, string? content, string message)
    {
        string path = _folder.File(name);
        if (content is not null)
        {
            File.WriteAllBytes(path, [.. content.Select(c => (byte)c)]);
        }
        Exception error = Assert.ThrowsAny<Exception>(() => PromptMasks.Load(path, 40, 30, "remove object 2", "original.png"));
        Assert.True(error is InvalidDataException or FileNotFoundException, error.GetType().Name);
        Assert.StartsWith(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, path), error.Message, StringComparison.Ordinal);
    }
}
