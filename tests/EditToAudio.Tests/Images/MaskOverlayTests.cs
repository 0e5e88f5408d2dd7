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

    private static byte[] Block(int width, int height, int x0, int y0, int x1, int y1)
    {
        var mask = new byte[width * height];
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                mask[y * width + x] = 1;
            }
        }
        return mask;
    }

    private static (byte, byte, byte) At(RgbImage image, int x, int y)
    {
        int i = 3 * (y * image.Width + x);
        return (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }

    [Fact]
    public void Several_objects_each_take_their_own_tint()
    {
        var image = new RgbImage(60, 40, new byte[3 * 60 * 40], "black");
        RgbImage overlay = MaskOverlay.Render(image, [new OverlayObject(Block(60, 40, 5, 5, 20, 20)), new OverlayObject(Block(60, 40, 30, 10, 50, 30))]);
        Assert.Equal(MaskOverlay.Palette[0], At(overlay, 5, 10));                 // edge of the first: solid tint
        Assert.Equal(MaskOverlay.Palette[1], At(overlay, 30, 20));                // edge of the second
        (byte r, byte g, byte b) = MaskOverlay.Palette[1];
        Assert.Equal(((byte)((r + 1) >> 1), (byte)((g + 1) >> 1), (byte)((b + 1) >> 1)), At(overlay, 40, 20)); // inside: half-and-half
        Assert.Equal(((byte)0, (byte)0, (byte)0), At(overlay, 25, 35));
        // One object without prompts or label is the single-mask overlay.
        byte[] mask = Block(60, 40, 5, 5, 20, 20);
        Assert.Equal(MaskOverlay.Render(image, mask).Pixels, MaskOverlay.Render(image, [new OverlayObject(mask)]).Pixels);
    }

    [Fact]
    public void Boxes_are_dashed_points_are_marked_and_labels_are_written()
    {
        var image = new RgbImage(120, 80, new byte[3 * 120 * 80], "black");
        var item = new OverlayObject(Block(120, 80, 40, 40, 60, 60), "A1", (30, 30, 80, 70), [(50, 50, true), (90, 20, false)]);
        RgbImage overlay = MaskOverlay.Render(image, [item]);
        (byte, byte, byte) tint = MaskOverlay.Palette[0], black = (0, 0, 0), white = (255, 255, 255);

        // Dashes of 4 pixels along the box's top edge (row 30): on, off, on.
        Assert.Equal([tint, tint, tint, tint, black, black, black, black, tint], Enumerable.Range(30, 9).Select(x => At(overlay, x, 30)));
        Assert.Equal(tint, At(overlay, 79, 69)); // bottom-right corner, just inside the box
        // A + at the positive point, an × at the negative one, each outlined in black.
        Assert.Equal(tint, At(overlay, 54, 50));
        Assert.Equal(tint, At(overlay, 50, 46));
        Assert.Equal(tint, At(overlay, 93, 23));
        Assert.Equal(tint, At(overlay, 87, 17));
        // The label sits on a plate above the box's top-left corner: 2 glyphs, 1 pixel of padding.
        int plateTop = 30 - (PixelFont.GlyphHeight + 2);
        Assert.Equal(tint, At(overlay, 30, plateTop));
        for (int row = 0; row < PixelFont.GlyphHeight; row++)
        {
            for (int column = 0; column < PixelFont.GlyphWidth; column++)
            {
                Assert.Equal(PixelFont.IsSet('A', column, row) ? white : tint, At(overlay, 31 + column, plateTop + 1 + row));
                Assert.Equal(PixelFont.IsSet('1', column, row) ? white : tint, At(overlay, 31 + PixelFont.Advance + column, plateTop + 1 + row));
            }
        }
    }

    [Fact]
    public void The_font_draws_lower_case_as_upper_case_and_unknown_characters_as_a_question_mark()
    {
        for (int row = 0; row < PixelFont.GlyphHeight; row++)
        {
            for (int column = 0; column < PixelFont.GlyphWidth; column++)
            {
                Assert.Equal(PixelFont.IsSet('K', column, row), PixelFont.IsSet('k', column, row));
                Assert.Equal(PixelFont.IsSet('?', column, row), PixelFont.IsSet('é', column, row));
            }
        }
        Assert.Equal(5 * 6 - 1, PixelFont.Width("cat 1", 1));
        Assert.Equal(2 * (5 * 6 - 1), PixelFont.Width("cat 1", 2));
    }
}
