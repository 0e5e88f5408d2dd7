using EditToAudio.ChangeDetection;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Numerics;
using EditToAudio.Prompts;
using EditToAudio.Tests.Models;

namespace EditToAudio.Tests.ChangeDetection;

/// <summary>A flat-coloured shape of a drawn scene; <see cref="Contains"/> takes pixel-centre coordinates.</summary>
internal sealed record Shape(string Name, (byte R, byte G, byte B) Color, Func<double, double, bool> Contains)
{
    public static Shape Circle(string name, (byte, byte, byte) color, double cx, double cy, double r) =>
        new(name, color, (x, y) => (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r);

    public static Shape Rectangle(string name, (byte, byte, byte) color, double x0, double y0, double x1, double y1) =>
        new(name, color, (x, y) => x >= x0 && x < x1 && y >= y0 && y < y1);

    /// <summary>An upright equilateral triangle with its centroid at (cx, cy).</summary>
    public static Shape Triangle(string name, (byte, byte, byte) color, double cx, double cy, double halfBase)
    {
        double height = halfBase * Math.Sqrt(3), apex = cy - height * 2 / 3, bottom = cy + height / 3;
        return new(name, color, (x, y) => y >= apex && y <= bottom && Math.Abs(x - cx) <= halfBase * (y - apex) / height);
    }

    /// <summary>The same shape moved by (dx, dy) pixels.</summary>
    public Shape Moved(double dx, double dy) => this with { Contains = (x, y) => Contains(x - dx, y - dy) };
}

/// <summary>Scenes of flat shapes drawn in the tests (the synthetic SAM2 segments flat colours), and SAM2 over them.</summary>
internal static class EditScenes
{
    public const int Width = 320, Height = 240;

    public static readonly (byte R, byte G, byte B) Background = (228, 232, 222);
    public static readonly (byte, byte, byte) Orange = (240, 140, 30), Blue = (40, 90, 200), Green = (50, 170, 60), Purple = (150, 60, 170), Red = (200, 40, 50);

    /// <summary>Draws the shapes (later ones on top) on the background, with optional brightness offset and Philox noise of ±<paramref name="noise"/>.</summary>
    public static RgbImage Draw(string name, IReadOnlyList<Shape> shapes, int width = Width, int height = Height, int brightness = 0, int noise = 0, ulong seed = 1)
    {
        var pixels = new byte[3 * width * height];
        var jitter = new float[3 * width * height];
        if (noise > 0)
        {
            Philox4x32.FillNormal(seed, 7, 0, jitter);
        }
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                (byte r, byte g, byte b) = shapes.LastOrDefault(s => s.Contains(x + 0.5, y + 0.5))?.Color ?? Background;
                int i = 3 * (y * width + x);
                byte[] color = [r, g, b];
                for (int c = 0; c < 3; c++)
                {
                    double value = color[c] + brightness + (noise > 0 ? Math.Clamp(jitter[i + c], -2, 2) * noise / 2.0 : 0);
                    pixels[i + c] = (byte)Math.Clamp(Math.Round(value), 0, 255);
                }
            }
        }
        return new RgbImage(width, height, pixels, name);
    }

    /// <summary>The shape's mask at <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static byte[] Truth(Shape shape, int width = Width, int height = Height)
    {
        var mask = new byte[width * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                mask[y * width + x] = shape.Contains(x + 0.5, y + 0.5) ? (byte)1 : (byte)0;
            }
        }
        return mask;
    }

    /// <summary>The synthetic SAM2 over the two images, each encoded once.</summary>
    public static SegmentSide Sam2(RgbImage original, RgbImage edited, MaskSelection selection = MaskSelection.SingleMask)
    {
        var segmenter = new Segmenter(SyntheticSet.Networks);
        var encoded = new Dictionary<EditSide, Lazy<Sam2ImageEmbedding>>
        {
            [EditSide.Remove] = new(() => segmenter.Encode(Sam2Preprocessor.ToInput(original), original.Width, original.Height)),
            [EditSide.Add] = new(() => segmenter.Encode(Sam2Preprocessor.ToInput(edited), edited.Width, edited.Height)),
        };
        return (side, prompts, cancellationToken) => [.. prompts.Select(p => segmenter.Segment(encoded[side].Value, p, selection, cancellationToken))];
    }

    /// <summary>Detects and decides with the synthetic SAM2.</summary>
    public static FoundObjects Find(RgbImage original, RgbImage edited, ChangeDetectionOptions? options = null)
    {
        ChangeMap map = ChangeDetector.Detect(original, edited, options, TestContext.Current.CancellationToken);
        return ObjectFinder.Find(map, Sam2(original, edited), options, TestContext.Current.CancellationToken);
    }
}
