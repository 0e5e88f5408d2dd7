using System.Globalization;
using EditToAudio.Networks;

namespace EditToAudio.Prompts;

/// <summary>
/// A box prompt in its image's pixels, XYXY: left, top, right, bottom (0 ≤ X0 &lt; X1 ≤ width,
/// 0 ≤ Y0 &lt; Y1 ≤ height). SAM2's predictor passes a box to its prompt encoder as two points, the
/// top-left corner labelled 2 and the bottom-right corner labelled 3, ahead of any other point;
/// <see cref="Corners"/> is that form.
/// </summary>
/// <param name="X0">Left edge.</param>
/// <param name="Y0">Top edge.</param>
/// <param name="X1">Right edge.</param>
/// <param name="Y1">Bottom edge.</param>
public readonly record struct PromptBox(double X0, double Y0, double X1, double Y1)
{
    /// <summary>The box as SAM2's two labelled corner points.</summary>
    public IReadOnlyList<PromptPoint> Corners => [new(X0, Y0, PromptLabel.BoxTopLeft), new(X1, Y1, PromptLabel.BoxBottomRight)];

    /// <summary>Width in pixels.</summary>
    public double Width => X1 - X0;

    /// <summary>Height in pixels.</summary>
    public double Height => Y1 - Y0;

    /// <summary>Parses "X0,Y0,X1,Y1" (invariant culture).</summary>
    /// <exception cref="FormatException">Not four finite numbers, or not left &lt; right and top &lt; bottom.</exception>
    public static PromptBox Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[4];
        if (parts.Length != 4 || !parts.Select((p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && double.IsFinite(values[i])).All(ok => ok))
        {
            throw new FormatException($"expected X0,Y0,X1,Y1 (left, top, right, bottom in image pixels), got '{text}'");
        }
        return Create(values[0], values[1], values[2], values[3]);
    }

    /// <summary>A box from its edges.</summary>
    /// <exception cref="FormatException">A value is not finite, or not left &lt; right and top &lt; bottom.</exception>
    public static PromptBox Create(double x0, double y0, double x1, double y1)
    {
        var box = new PromptBox(x0, y0, x1, y1);
        if (!(double.IsFinite(x0) && double.IsFinite(y0) && double.IsFinite(x1) && double.IsFinite(y1)))
        {
            throw new FormatException($"the box {box} has a value that is not a finite number");
        }
        if (!(x0 < x1 && y0 < y1))
        {
            throw new FormatException($"the box {box} is empty: left < right and top < bottom are needed (X0,Y0,X1,Y1)");
        }
        return box;
    }

    /// <summary>Whether the box lies within a <paramref name="width"/>×<paramref name="height"/> image (its edges may touch the image's).</summary>
    public bool FitsIn(int width, int height) => X0 >= 0 && Y0 >= 0 && X1 <= width && Y1 <= height;

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{X0}, {Y0}, {X1}, {Y1}]");
}
