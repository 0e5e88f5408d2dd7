using System.Globalization;
using ScottPlot;

namespace EditToAudio.Evaluation;

/// <summary>Draws a sweep heatmap as a PNG (headless): one cell per pair of parameter values, its mean and pair count written in it.</summary>
internal static class HeatmapPlot
{
    private const int Width = 900, Height = 700;

    public static byte[] Render(HeatmapRecord heatmap, string objective)
    {
        int columns = heatmap.XValues.Count, rows = heatmap.YValues.Count;
        // Row 0 of a ScottPlot heatmap is drawn at the top; the largest y value goes first.
        var intensities = new double[rows, columns];
        for (int j = 0; j < rows; j++)
        {
            for (int i = 0; i < columns; i++)
            {
                intensities[rows - 1 - j, i] = heatmap.Means[j][i] ?? double.NaN;
            }
        }
        using var plot = new Plot();
        var cells = plot.Add.Heatmap(intensities);
        cells.Colormap = new ScottPlot.Colormaps.Viridis();
        cells.NaNCellColor = Colors.LightGray;
        cells.Rectangle = new CoordinateRect(-0.5, columns - 0.5, -0.5, rows - 0.5);
        var colorBar = plot.Add.ColorBar(cells);
        colorBar.Label = $"mean {objective}";
        for (int j = 0; j < rows; j++)
        {
            for (int i = 0; i < columns; i++)
            {
                string text = heatmap.Means[j][i] is { } mean
                    ? string.Create(CultureInfo.InvariantCulture, $"{mean:0.0000}\nn={heatmap.Counts[j][i]}")
                    : "no pairs";
                var label = plot.Add.Text(text, i, j);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = 13;
                label.LabelFontColor = Colors.White;
                label.LabelBackgroundColor = Colors.Black.WithAlpha(0.45);
            }
        }
        plot.Axes.Bottom.TickGenerator = Ticks(heatmap.XValues);
        plot.Axes.Left.TickGenerator = Ticks(heatmap.YValues);
        plot.Axes.SetLimits(-0.5, columns - 0.5, -0.5, rows - 0.5);
        plot.Title($"mean {objective} by {heatmap.X} and {heatmap.Y}\n(pairs pooled over the other parameters)");
        plot.XLabel(heatmap.X);
        plot.YLabel(heatmap.Y);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static ScottPlot.TickGenerators.NumericManual Ticks(IReadOnlyList<string> values)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < values.Count; i++)
        {
            ticks.AddMajor(i, values[i]);
        }
        return ticks;
    }
}
