using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using EditToAudio.Images;
using EditToAudio.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace EditToAudio.Tests.Images;

public sealed class ImageLoaderTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Write(string name, byte[] bytes) => _folder.Write(name, bytes);

    private static ImageLoadException AssertRefused(string path, ImageLoadFailure failure, ImageLimits? limits = null)
    {
        var error = Assert.Throws<ImageLoadException>(() => ImageLoader.Load(path, limits));
        Assert.Equal(failure, error.Failure);
        Assert.Equal(path, error.ImageSource);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        return error;
    }

    private static void AssertSamePixels(byte[] expected, RgbImage actual, string what) =>
        Tolerance.AssertClose(TestImages.Widen(expected), TestImages.Widen(actual.Pixels), 0, 0, what,
            i => TestImages.DescribeRgb(i, actual.Width));

    [Fact]
    public void Png_loads_with_its_size_and_colors()
    {
        RgbImage image = ImageLoader.Load(TestImages.DataFile("scene_300x200.png"));
        Assert.Equal((300, 200), (image.Width, image.Height));
        Assert.Equal(3 * 300 * 200, image.Pixels.Length);
        Assert.Equal(TestImages.DataFile("scene_300x200.png"), image.Source);
        int Offset(int x, int y) => 3 * ((y * 300) + x);
        Assert.Equal(new byte[] { 250, 20, 20 }, image.Pixels.AsSpan(Offset(60, 70), 3).ToArray());   // rectangle
        Assert.Equal(new byte[] { 20, 200, 40 }, image.Pixels.AsSpan(Offset(205, 95), 3).ToArray());  // ellipse
    }

    [Fact]
    public void Alpha_is_dropped_not_composited()
    {
        // The RGBA file's color channels are the formula pattern under alpha from 0 to 255.
        RgbImage image = ImageLoader.Load(TestImages.DataFile("portrait_rgba_180x260.png"));
        AssertSamePixels(TestImages.Formula(180, 260).Pixels, image, "RGBA PNG color channels");
    }

    [Fact]
    public void Sixteen_bit_channels_keep_their_high_byte_as_in_pillow()
    {
        var random = new Random(16);
        var wide = new Rgb48[5 * 3];
        for (int i = 0; i < wide.Length; i++)
        {
            wide[i] = new Rgb48((ushort)random.Next(65536), (ushort)random.Next(65536), (ushort)random.Next(65536));
        }
        using var encoded = Image.LoadPixelData<Rgb48>(wide, 5, 3);
        using var bytes = new MemoryStream();
        encoded.SaveAsPng(bytes, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb });
        bytes.Position = 0;
        RgbImage image = ImageLoader.Load(bytes, "deep.png");
        byte[] expected = wide.SelectMany(p => new[] { (byte)(p.R >> 8), (byte)(p.G >> 8), (byte)(p.B >> 8) }).ToArray();
        AssertSamePixels(expected, image, "16-bit PNG");
    }

    [Fact]
    public void Gif_gives_its_first_frame_only()
    {
        RgbImage image = ImageLoader.Load(TestImages.DataFile("two_frames_64x48.gif"));
        Assert.Equal((64, 48), (image.Width, image.Height));
        AssertSamePixels(TestImages.ClipGoldens["decoded_gif_first_frame"].AsBytes(), image, "GIF first frame vs Pillow");
    }

    [Fact]
    public void Lossless_webp_and_bmp_decode_exactly()
    {
        AssertSamePixels(TestImages.Formula(40, 30).Pixels, ImageLoader.Load(TestImages.DataFile("lossless_40x30.webp")), "WebP");
        AssertSamePixels(TestImages.Formula(50, 40).Pixels, ImageLoader.Load(TestImages.DataFile("plain_50x40.bmp")), "BMP");
    }

    [Fact]
    public void Jpeg_exif_orientation_is_applied()
    {
        // Stored 96x64 with red/green over blue/yellow quadrants, orientation 6 (turn 90° clockwise).
        RgbImage image = ImageLoader.Load(TestImages.DataFile("orientation6_96x64.jpg"));
        Assert.Equal((64, 96), (image.Width, image.Height));
        void AssertColor(int x, int y, byte r, byte g, byte b, string corner)
        {
            int o = 3 * ((y * image.Width) + x);
            byte[] actual = image.Pixels[o..(o + 3)];
            Assert.True(Math.Abs(actual[0] - r) <= 12 && Math.Abs(actual[1] - g) <= 12 && Math.Abs(actual[2] - b) <= 12,
                $"{corner} at ({x},{y}): expected about ({r},{g},{b}), got ({actual[0]},{actual[1]},{actual[2]})");
        }
        AssertColor(5, 5, 30, 30, 220, "top-left (stored bottom-left, blue)");
        AssertColor(58, 5, 220, 30, 30, "top-right (stored top-left, red)");
        AssertColor(5, 90, 230, 230, 40, "bottom-left (stored bottom-right, yellow)");
        AssertColor(58, 90, 30, 220, 30, "bottom-right (stored top-right, green)");

        // Same picture as Pillow's decode + exif_transpose, up to JPEG decoder differences.
        byte[] pillow = TestImages.ClipGoldens["decoded_jpeg_oriented"].AsBytes();
        double meanDifference = pillow.Select((p, i) => Math.Abs(p - image.Pixels[i])).Average();
        Assert.True(meanDifference < 2.0, $"mean |ImageSharp − Pillow| = {meanDifference:F3} levels");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Every_exif_orientation_is_applied(ushort orientation)
    {
        // A lossless PNG carrying an EXIF profile, so the expected pixels are exact.
        const int storedWidth = 7, storedHeight = 4;
        RgbImage stored = TestImages.Random(new Random(orientation), storedWidth, storedHeight, "stored");
        using var encoded = Image.LoadPixelData<Rgb24>(stored.Pixels, storedWidth, storedHeight);
        encoded.Metadata.ExifProfile = new ExifProfile();
        encoded.Metadata.ExifProfile.SetValue(ExifTag.Orientation, orientation);
        using var bytes = new MemoryStream();
        encoded.SaveAsPng(bytes);
        bytes.Position = 0;
        RgbImage shown = ImageLoader.Load(bytes, $"orientation {orientation}");

        bool swapped = orientation >= 5;
        Assert.Equal(swapped ? (storedHeight, storedWidth) : (storedWidth, storedHeight), (shown.Width, shown.Height));
        // Where displayed pixel (x, y) comes from in the stored image, per the EXIF specification.
        (int X, int Y) From(int x, int y) => orientation switch
        {
            1 => (x, y),
            2 => (storedWidth - 1 - x, y),
            3 => (storedWidth - 1 - x, storedHeight - 1 - y),
            4 => (x, storedHeight - 1 - y),
            5 => (y, x),
            6 => (y, storedHeight - 1 - x),
            7 => (storedWidth - 1 - y, storedHeight - 1 - x),
            _ => (storedWidth - 1 - y, x),
        };
        double[] expected = [.. Enumerable.Range(0, shown.Pixels.Length).Select(i =>
        {
            (int sx, int sy) = From(i / 3 % shown.Width, i / 3 / shown.Width);
            return (double)stored.Pixels[(3 * ((sy * storedWidth) + sx)) + (i % 3)];
        })];
        Tolerance.AssertClose(expected, TestImages.Widen(shown.Pixels), 0, 0, $"orientation {orientation}",
            i => TestImages.DescribeRgb(i, shown.Width));
    }

    public static TheoryData<string, byte[]> HugeDeclaredImages => new()
    {
        { "huge.png", CraftedPngs.HeaderOnly(20000, 20000) },
        { "huge.gif", GifHeaderOnly(60000, 60000) },
        { "huge.bmp", BmpHeaderOnly(30000, 30000) },
    };

    [Theory]
    [MemberData(nameof(HugeDeclaredImages))]
    public void Huge_declared_size_is_refused_before_decoding(string name, byte[] bytes)
    {
        string path = Write(name, bytes);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        ImageLoadException error = AssertRefused(path, ImageLoadFailure.TooManyPixels);
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.Contains("above the limit of 64000000 pixels", error.Message, StringComparison.Ordinal);
        // Decoding would need gigabytes; reading a header needs next to nothing.
        Assert.True(allocated < 16 * 1024 * 1024, $"{allocated} bytes allocated while refusing {name}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"refusing {name} took {clock.Elapsed}");
    }

    [Fact]
    public void An_image_larger_than_memory_allows_is_refused_with_what_it_needs_whatever_the_pixel_limit()
    {
        // 3600 megapixels under a 4000-megapixel limit: before, an OverflowException after seconds and gigabytes.
        string path = Write("vast.png", CraftedPngs.HeaderOnly(60000, 60000));
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        ImageLoadException error = AssertRefused(path, ImageLoadFailure.TooMuchMemory, new ImageLimits(MaxPixels: 4_000_000_000));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < 16 * 1024 * 1024);
        Assert.Contains("60000x60000", error.Message, StringComparison.Ordinal);
        Assert.Contains("GB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_memory_an_image_needs_is_compared_with_what_is_available()
    {
        Assert.Null(ImageMemory.Refusal(4000, 3000, availableBytes: 8L << 30));
        string? refusal = ImageMemory.Refusal(20000, 20000, availableBytes: 2L << 30);
        Assert.NotNull(refusal);
        Assert.Contains("needs about 9.1 GB of memory, and 2.1 GB is available", refusal, StringComparison.Ordinal);
        // A single buffer has a size limit of its own: a very tall image's SAM2 resize would exceed it.
        Assert.Contains("SAM2 resize", ImageMemory.Refusal(1, 800_000_000, availableBytes: long.MaxValue), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Png_image_data_that_stops_early_is_refused(bool interlaced)
    {
        string path = Write(interlaced ? "short-interlaced.png" : "short.png", CraftedPngs.WithRows(640, 480, rows: 100, interlaced));
        ImageLoadException error = AssertRefused(path, ImageLoadFailure.Corrupt);
        Assert.Contains("the PNG image data is incomplete", error.Message, StringComparison.Ordinal);
        if (!interlaced)
        {
            Assert.Contains("holds 100 of its 480 rows", error.Message, StringComparison.Ordinal);
        }
        Assert.Equal(480, ImageLoader.Load(Write("whole.png", CraftedPngs.WithRows(640, 480, rows: 480, interlaced: false))).Height);
    }

    [Fact]
    public void The_pixel_limit_is_configurable()
    {
        var limits = new ImageLimits(MaxPixels: 59_999);
        ImageLoadException error = AssertRefused(TestImages.DataFile("scene_300x200.png"), ImageLoadFailure.TooManyPixels, limits);
        Assert.Contains("300x200 = 60000 pixels", error.Message, StringComparison.Ordinal);
        Assert.Equal(200, ImageLoader.Load(TestImages.DataFile("scene_300x200.png"), new ImageLimits(MaxPixels: 60_000)).Height);
    }

    [Fact]
    public void The_file_size_limit_is_checked_before_reading()
    {
        AssertRefused(TestImages.DataFile("scene_300x200.png"), ImageLoadFailure.FileTooLarge, new ImageLimits(MaxFileBytes: 1000));
    }

    [Fact]
    public void Non_seekable_streams_are_read_up_to_the_limit()
    {
        byte[] bytes = File.ReadAllBytes(TestImages.DataFile("scene_300x200.png"));
        RgbImage image = ImageLoader.Load(new ForwardOnlyStream(bytes), "piped.png");
        Assert.Equal(("piped.png", 300), (image.Source, image.Width));
        var error = Assert.Throws<ImageLoadException>(() =>
            ImageLoader.Load(new ForwardOnlyStream(bytes), "piped.png", new ImageLimits(MaxFileBytes: 1000)));
        Assert.Equal(ImageLoadFailure.FileTooLarge, error.Failure);
    }

    [Fact]
    public void Text_is_not_an_image()
    {
        string path = Write("notes.png", Encoding.UTF8.GetBytes("these are not the pixels you are looking for\n"));
        ImageLoadException error = AssertRefused(path, ImageLoadFailure.NotAnImage);
        Assert.Contains("JPEG, PNG, WebP, BMP, GIF", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Formats_outside_the_supported_five_are_refused()
    {
        using var tiff = new Image<Rgb24>(8, 8);
        using var bytes = new MemoryStream();
        tiff.SaveAsTiff(bytes);
        AssertRefused(Write("picture.tiff", bytes.ToArray()), ImageLoadFailure.NotAnImage);
    }

    [Fact]
    public void Empty_file_is_refused()
    {
        AssertRefused(Write("empty.jpg", []), ImageLoadFailure.Empty);
    }

    [Theory]
    [InlineData("scene_300x200.png")]
    [InlineData("two_frames_64x48.gif")]
    [InlineData("orientation6_96x64.jpg")]
    [InlineData("plain_50x40.bmp")]
    [InlineData("lossless_40x30.webp")]
    public void Truncated_file_is_refused(string name)
    {
        byte[] whole = File.ReadAllBytes(TestImages.DataFile(name));
        string path = Write("truncated-" + name, whole[..(whole.Length / 2)]);
        var error = Assert.Throws<ImageLoadException>(() => ImageLoader.Load(path));
        Assert.Equal(ImageLoadFailure.Corrupt, error.Failure);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_refused_with_its_name()
    {
        AssertRefused(_folder.File("no-such-image.png"), ImageLoadFailure.NotFound);
        AssertRefused(_folder.File(Path.Combine("no-such-folder", "image.png")), ImageLoadFailure.NotFound);
    }

    [Fact]
    public void Folder_is_refused_with_its_name()
    {
        var error = Assert.Throws<ImageLoadException>(() => ImageLoader.Load(_folder.Path));
        Assert.Contains(_folder.Path, error.Message, StringComparison.Ordinal);
    }

    // --- crafted headers -------------------------------------------------------------------

    private static byte[] GifHeaderOnly(ushort width, ushort height)
    {
        var gif = new List<byte>(Encoding.ASCII.GetBytes("GIF89a"));
        gif.AddRange(BitConverter.GetBytes(width));
        gif.AddRange(BitConverter.GetBytes(height));
        gif.AddRange([0x80, 0, 0, 0, 0, 0, 255, 255, 255]);    // global color table of 2 entries
        gif.Add(0x2C);                                           // image descriptor, same size
        gif.AddRange([0, 0, 0, 0]);
        gif.AddRange(BitConverter.GetBytes(width));
        gif.AddRange(BitConverter.GetBytes(height));
        gif.Add(0);
        gif.AddRange([2, 2, 0x4C, 0x01, 0, 0x3B]);              // a tiny LZW block, then the trailer
        return [.. gif];
    }

    private static byte[] BmpHeaderOnly(int width, int height)
    {
        byte[] bmp = new byte[54];
        bmp[0] = (byte)'B';
        bmp[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);
        return bmp;
    }

    /// <summary>A stream that cannot seek or report its length, like a pipe.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }
    }
}
