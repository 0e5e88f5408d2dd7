using EditToAudio.Images;

namespace EditToAudio.Samples;

/// <summary>An object of the demo scene: what it stands for, how it is drawn and its colour.</summary>
/// <param name="Label">The sound source it stands for ("cat", "dog", "duck").</param>
/// <param name="Shape">The drawn shape ("circle", "square", "triangle").</param>
/// <param name="Color">Its flat RGB colour.</param>
public sealed record DemoObject(string Label, string Shape, (byte R, byte G, byte B) Color);

/// <summary>
/// The demo's image pair, RGB row-major (3 bytes a pixel), with the prompt points and the
/// ground-truth masks (H·W bytes, 1 inside the object, 0 outside).
/// </summary>
/// <param name="OriginalRgb">The original image: the removed object A and the kept object B.</param>
/// <param name="EditedRgb">The edited image: B and the added object C where A was.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="RemovePoint">A pixel inside A in the original (the remove prompt).</param>
/// <param name="AddPoint">A pixel inside C in the edited image (the add prompt).</param>
/// <param name="RemoveMask">Where A is drawn in the original.</param>
/// <param name="AddMask">Where C is drawn in the edited image.</param>
public sealed record DemoImages(
    byte[] OriginalRgb,
    byte[] EditedRgb,
    int Width,
    int Height,
    (int X, int Y) RemovePoint,
    (int X, int Y) AddPoint,
    byte[] RemoveMask,
    byte[] AddMask);

/// <summary>
/// The sample scene of the <c>demo</c> command, drawn from code so the repository ships no images:
/// flat shapes on a flat background. The original holds an orange circle ("cat", removed) and a
/// blue square ("dog", kept); the edit replaces the circle by a green triangle ("duck").
/// </summary>
public static class DemoScene
{
    /// <summary>File name of the original image written by <see cref="SavePngs"/>.</summary>
    public const string OriginalFileName = "original.png";

    /// <summary>File name of the edited image written by <see cref="SavePngs"/>.</summary>
    public const string EditedFileName = "edited.png";

    /// <summary>Smallest accepted width or height: the shapes must stay several pixels wide.</summary>
    public const int MinimumSize = 64;

    /// <summary>Largest accepted width or height.</summary>
    public const int MaximumSize = 8192;

    /// <summary>The flat background colour.</summary>
    public static (byte R, byte G, byte B) Background { get; } = (228, 232, 222);

    /// <summary>Object A, in the original only: the one the edit removes.</summary>
    public static DemoObject Removed { get; } = new("cat", "circle", (240, 140, 30));

    /// <summary>Object B, in both images.</summary>
    public static DemoObject Kept { get; } = new("dog", "square", (40, 90, 200));

    /// <summary>Object C, in the edited image only, where A was.</summary>
    public static DemoObject Added { get; } = new("duck", "triangle", (50, 170, 60));

    /// <summary>Draws the two images; the same size always gives the same bytes.</summary>
    /// <param name="width">Image width, <see cref="MinimumSize"/> to <see cref="MaximumSize"/>.</param>
    /// <param name="height">Image height, <see cref="MinimumSize"/> to <see cref="MaximumSize"/>.</param>
    public static DemoImages Create(int width = 640, int height = 480)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, MinimumSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, MinimumSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, MaximumSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, MaximumSize);

        // Layout in units of the shorter side so any size keeps the same composition:
        // A/C in the left part, B in the right part, never touching.
        double unit = Math.Min(width, height);
        double leftX = width * 0.28, rightX = width * 0.72, centreY = height * 0.55;
        double radius = unit * 0.17;
        double halfSide = unit * 0.16;
        double triangleHalfBase = unit * 0.19;
        double triangleHeight = triangleHalfBase * Math.Sqrt(3.0);

        bool InCircle(int x, int y) => Square(x + 0.5 - leftX) + Square(y + 0.5 - centreY) <= radius * radius;
        bool InSquare(int x, int y) => Math.Abs(x + 0.5 - rightX) <= halfSide && Math.Abs(y + 0.5 - centreY) <= halfSide;
        // Upright equilateral triangle whose centroid sits on A's centre.
        double apexY = centreY - triangleHeight * 2.0 / 3.0, baseY = centreY + triangleHeight / 3.0;
        bool InTriangle(int x, int y)
        {
            double px = x + 0.5, py = y + 0.5;
            if (py < apexY || py > baseY)
            {
                return false;
            }
            double halfWidthAtRow = triangleHalfBase * (py - apexY) / triangleHeight;
            return Math.Abs(px - leftX) <= halfWidthAtRow;
        }

        int pixels = width * height;
        var original = new byte[pixels * 3];
        var edited = new byte[pixels * 3];
        var removeMask = new byte[pixels];
        var addMask = new byte[pixels];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int index = y * width + x;
                bool kept = InSquare(x, y);
                bool removed = InCircle(x, y);
                bool added = InTriangle(x, y);
                removeMask[index] = removed ? (byte)1 : (byte)0;
                addMask[index] = added ? (byte)1 : (byte)0;
                Put(original, index, kept ? Kept.Color : removed ? Removed.Color : Background);
                Put(edited, index, kept ? Kept.Color : added ? Added.Color : Background);
            }
        }

        // The prompts are the shapes' centres: both lie well inside their shapes.
        var point = ((int)Math.Floor(leftX), (int)Math.Floor(centreY));
        return new DemoImages(original, edited, width, height, point, point, removeMask, addMask);
    }

    /// <summary>Writes <see cref="OriginalFileName"/> and <see cref="EditedFileName"/> into <paramref name="folder"/> (created when missing), each atomically.</summary>
    /// <param name="folder">Destination folder.</param>
    /// <param name="images">The images from <see cref="Create"/>.</param>
    /// <returns>The full paths written.</returns>
    public static (string OriginalPath, string EditedPath) SavePngs(string folder, DemoImages images)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(images);
        string originalPath = Path.GetFullPath(Path.Combine(folder, OriginalFileName));
        string editedPath = Path.GetFullPath(Path.Combine(folder, EditedFileName));
        SavePng(originalPath, images.OriginalRgb, images.Width, images.Height);
        SavePng(editedPath, images.EditedRgb, images.Width, images.Height);
        return (originalPath, editedPath);
    }

    /// <summary>Both images as PNG file bytes (original, edited), for callers that write them with their other outputs.</summary>
    public static (byte[] Original, byte[] Edited) EncodePngs(DemoImages images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return (new RgbImage(images.Width, images.Height, images.OriginalRgb, OriginalFileName).EncodePng(),
            new RgbImage(images.Width, images.Height, images.EditedRgb, EditedFileName).EncodePng());
    }

    private static void SavePng(string path, byte[] rgb, int width, int height) =>
        new RgbImage(width, height, rgb, path).SavePng(path);

    private static double Square(double value) => value * value;

    private static void Put(byte[] rgb, int pixel, (byte R, byte G, byte B) color)
    {
        rgb[pixel * 3] = color.R;
        rgb[pixel * 3 + 1] = color.G;
        rgb[pixel * 3 + 2] = color.B;
    }
}
