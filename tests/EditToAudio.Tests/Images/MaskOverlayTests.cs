using EditToAudio.Images;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Images;

public sealed class MaskOverlayTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // A 12x9 image with a 5x4 rectangle mask at (3..7, 2..5).
    private static (RgbImage Image, byte[] Mask) Scene()
    {
        RgbImage image = TestImages.Random(new Random(3), 12, 9, "scene");
        var mask = new byte[12 * 9];
        for (int y = 2; y <= 5; y++)
        {
            for (int x = 3; x <= 7; x++)
            {
                mask[(y * 12) + x] = 1;
            }
        }
        return (image, mask);
    }

    [Fact]
    public void Outside_is_unchanged_inside_is_blended_and_the_edge_is_solid()
    {
        (RgbImage image, byte[] mask) = Scene();
        RgbImage overlay = MaskOverlay.Render(image, mask);
        byte[] tint = MaskOverlay.Tint.ToArray();
        double Expected(int i)
        {
            int pixel = i / 3, x = pixel % 12, y = pixel / 12, c = i % 3;
            bool inside = x is >= 3 and <= 7 && y is >= 2 and <= 5;
            bool edge = inside && (x == 3 || x == 7 || y == 2 || y == 5);
            return !inside ? image.Pixels[i] : edge ? tint[c] : Math.Floor((image.Pixels[i] + tint[c] + 1) / 2.0);
        }
        Tolerance.AssertClose(overlay.Pixels.Length, Expected, i => overlay.Pixels[i], 0.0, 0, "overlay",
            i => TestImages.DescribeRgb(i, 12));
    }

    [Fact]
    public void Png_holds_the_rendered_overlay_and_no_temporary_file_is_left()
    {
        (RgbImage image, byte[] mask) = Scene();
        string path = _folder.File("overlay.png");
        MaskOverlay.SavePng(image, mask, path);
        RgbImage saved = ImageLoader.Load(path);
        Assert.Equal(MaskOverlay.Render(image, mask).Pixels, saved.Pixels);
        Assert.Equal(["overlay.png"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Mask_of_the_wrong_size_is_refused_and_nothing_is_written()
    {
        (RgbImage image, _) = Scene();
        string path = _folder.File("overlay.png");
        var error = Assert.Throws<ArgumentException>(() => MaskOverlay.SavePng(image, new byte[10], path));
        Assert.Contains("12x9", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Mask_values_other_than_0_and_1_are_refused_with_their_position()
    {
        (RgbImage image, byte[] mask) = Scene();
        mask[(4 * 12) + 10] = 255;
        var error = Assert.Throws<ArgumentException>(() => MaskOverlay.Render(image, mask));
        Assert.Contains("(x=10, y=4)", error.Message, StringComparison.Ordinal);
    }
}
