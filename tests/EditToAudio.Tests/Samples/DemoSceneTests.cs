using EditToAudio.Samples;
using EditToAudio.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace EditToAudio.Tests.Samples;

public sealed class DemoSceneTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<int, int> Sizes() => new()
    {
        { 640, 480 },
        { 64, 64 },
        { 1024, 300 },
        { 300, 900 },
        { 333, 251 },
    };

    [Fact]
    public void SameSizeGivesTheSameBytes()
    {
        DemoImages first = DemoScene.Create(), second = DemoScene.Create();
        Assert.Equal(640, first.Width);
        Assert.Equal(480, first.Height);
        Assert.Equal(first.OriginalRgb, second.OriginalRgb);
        Assert.Equal(first.EditedRgb, second.EditedRgb);
        Assert.Equal(first.RemoveMask, second.RemoveMask);
        Assert.Equal(first.AddMask, second.AddMask);
        Assert.Equal(first.RemovePoint, second.RemovePoint);
        Assert.Equal(first.AddPoint, second.AddPoint);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MasksAreExactlyWhereEachObjectIsDrawn(int width, int height)
    {
        DemoImages scene = DemoScene.Create(width, height);
        int pixels = width * height;
        Assert.Equal(pixels * 3, scene.OriginalRgb.Length);
        Assert.Equal(pixels * 3, scene.EditedRgb.Length);
        Assert.Equal(pixels, scene.RemoveMask.Length);
        Assert.Equal(pixels, scene.AddMask.Length);

        int mismatches = 0, first = -1;
        for (int i = 0; i < pixels; i++)
        {
            var original = Pixel(scene.OriginalRgb, i);
            var edited = Pixel(scene.EditedRgb, i);
            bool removed = scene.RemoveMask[i] == 1, added = scene.AddMask[i] == 1;
            bool keptInOriginal = original == DemoScene.Kept.Color, keptInEdited = edited == DemoScene.Kept.Color;
            bool ok = scene.RemoveMask[i] <= 1 && scene.AddMask[i] <= 1
                // A is drawn exactly on its mask, C exactly on its own.
                && (original == DemoScene.Removed.Color) == removed
                && (edited == DemoScene.Added.Color) == added
                // A never survives into the edit, C is not in the original.
                && edited != DemoScene.Removed.Color && original != DemoScene.Added.Color
                // B is untouched by the edit and never under A or C.
                && keptInOriginal == keptInEdited && !(keptInOriginal && (removed || added))
                // Everything else is the flat background.
                && (removed || keptInOriginal || original == DemoScene.Background)
                && (added || keptInEdited || edited == DemoScene.Background);
            if (!ok)
            {
                mismatches++;
                first = first < 0 ? i : first;
            }
        }
        Assert.True(mismatches == 0, $"{mismatches} of {pixels} pixels disagree with the masks; first at (x {first % width}, y {first / width})");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EachObjectIsOneSolidBlobWithItsPromptInside(int width, int height)
    {
        DemoImages scene = DemoScene.Create(width, height);
        byte[] keptMask = Enumerable.Range(0, width * height).Select(i => Pixel(scene.OriginalRgb, i) == DemoScene.Kept.Color ? (byte)1 : (byte)0).ToArray();

        Assert.Equal(1, scene.RemoveMask[scene.RemovePoint.Y * width + scene.RemovePoint.X]);
        Assert.Equal(1, scene.AddMask[scene.AddPoint.Y * width + scene.AddPoint.X]);
        foreach ((string name, byte[] mask) in new[] { ("removed", scene.RemoveMask), ("added", scene.AddMask), ("kept", keptMask) })
        {
            int area = mask.Count(m => m == 1);
            double fraction = area / (double)(width * height);
            // Large enough for a 16×16 patch grid to see, small enough to leave background.
            Assert.True(fraction is > 0.005 and < 0.25, $"{name} covers {fraction:P2} of a {width}×{height} image");
            Assert.Equal(area, FloodFillArea(mask, width, height, FirstSet(mask)));
            Assert.True(TouchesBorder(mask, width, height) == false, $"{name} touches the image border");
        }

        // C stands where A stood: their centroids nearly coincide and the shapes overlap mostly.
        (double ax, double ay) = Centroid(scene.RemoveMask, width);
        (double cx, double cy) = Centroid(scene.AddMask, width);
        double shorter = Math.Min(width, height);
        Assert.True(Math.Abs(ax - cx) < 0.02 * shorter + 1 && Math.Abs(ay - cy) < 0.02 * shorter + 1, $"centroids A ({ax}, {ay}) and C ({cx}, {cy})");
        int overlap = Enumerable.Range(0, width * height).Count(i => scene.RemoveMask[i] == 1 && scene.AddMask[i] == 1);
        int union = Enumerable.Range(0, width * height).Count(i => scene.RemoveMask[i] == 1 || scene.AddMask[i] == 1);
        Assert.True(overlap > 0.5 * union, $"A and C overlap on {overlap} of {union} pixels");
        // A circle and a triangle are different shapes: C is not just A recoloured.
        Assert.True(union - overlap > 0.1 * union, $"A and C differ on only {union - overlap} of {union} pixels");
    }

    [Theory]
    [InlineData(63, 480)]
    [InlineData(640, 0)]
    [InlineData(8193, 480)]
    public void SizesOutsideTheRangeAreRefused(int width, int height) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DemoScene.Create(width, height));

    [Fact]
    public void PngsHoldExactlyTheDrawnPixels()
    {
        DemoImages scene = DemoScene.Create();
        string folder = Path.Combine(_folder.Path, "nested", "demo");
        (string originalPath, string editedPath) = DemoScene.SavePngs(folder, scene);

        Assert.Equal(Path.Combine(Path.GetFullPath(folder), "original.png"), originalPath);
        Assert.Equal(Path.Combine(Path.GetFullPath(folder), "edited.png"), editedPath);
        Assert.Equal([Path.Combine("nested", "demo", "edited.png"), Path.Combine("nested", "demo", "original.png")], _folder.Files());
        Assert.Equal(scene.OriginalRgb, Decode(originalPath, scene.Width, scene.Height));
        Assert.Equal(scene.EditedRgb, Decode(editedPath, scene.Width, scene.Height));
    }

    [Fact]
    public void SavingAnInconsistentBufferWritesNothing()
    {
        DemoImages scene = DemoScene.Create(64, 64) with { Width = 65 };
        Assert.Throws<ArgumentException>(() => DemoScene.SavePngs(_folder.Path, scene));
        Assert.Empty(_folder.Files());
    }

    private static byte[] Decode(string path, int width, int height)
    {
        using var image = Image.Load<Rgb24>(path);
        Assert.Equal(width, image.Width);
        Assert.Equal(height, image.Height);
        var rgb = new byte[width * height * 3];
        image.CopyPixelDataTo(rgb);
        return rgb;
    }

    private static (byte R, byte G, byte B) Pixel(byte[] rgb, int index) => (rgb[3 * index], rgb[3 * index + 1], rgb[3 * index + 2]);

    private static int FirstSet(byte[] mask) => Array.IndexOf(mask, (byte)1);

    private static (double X, double Y) Centroid(byte[] mask, int width)
    {
        double sx = 0, sy = 0;
        int count = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 1)
            {
                sx += i % width;
                sy += i / width;
                count++;
            }
        }
        return (sx / count, sy / count);
    }

    private static bool TouchesBorder(byte[] mask, int width, int height)
    {
        for (int i = 0; i < mask.Length; i++)
        {
            int x = i % width, y = i / width;
            if (mask[i] == 1 && (x == 0 || y == 0 || x == width - 1 || y == height - 1))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Size of the 4-connected region of set pixels containing <paramref name="start"/>.</summary>
    private static int FloodFillArea(byte[] mask, int width, int height, int start)
    {
        Assert.True(start >= 0, "mask is empty");
        var seen = new bool[mask.Length];
        var pending = new Stack<int>();
        pending.Push(start);
        seen[start] = true;
        int area = 0;
        while (pending.Count > 0)
        {
            int i = pending.Pop();
            area++;
            int x = i % width, y = i / width;
            foreach ((int nx, int ny) in new[] { (x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1) })
            {
                int n = ny * width + nx;
                if (nx >= 0 && ny >= 0 && nx < width && ny < height && !seen[n] && mask[n] == 1)
                {
                    seen[n] = true;
                    pending.Push(n);
                }
            }
        }
        return area;
    }
}
