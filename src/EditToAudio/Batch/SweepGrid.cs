using System.Globalization;
using EditToAudio.Editing;

namespace EditToAudio.Batch;

/// <summary>One point of a sweep grid: the edit hyperparameters of one setting and its folder name.</summary>
/// <param name="Name">Readable, deterministic name, e.g. <c>k10_a0.1_b2_m0.2-0.5-0.3</c>.</param>
/// <param name="Edit">The edit hyperparameters of this setting.</param>
public sealed record SweepSetting(string Name, EditParameters Edit)
{
    /// <summary>The folder name of <paramref name="edit"/>'s k, α, β and mix.</summary>
    public static string NameOf(EditParameters edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        return string.Create(CultureInfo.InvariantCulture,
            $"k{edit.K}_a{edit.Alpha:R}_b{edit.Beta:R}_m{edit.Mix.Suppressed:R}-{edit.Mix.Boosted:R}-{edit.Mix.Background:R}");
    }
}

/// <summary>
/// A grid over the edit hyperparameters (<c>k=5,10 alpha=0.05,0.1 beta=1.5,2 mix=0.2/0.5/0.3,0.1/0.6/0.3</c>):
/// every combination of the listed values; an axis that is not listed keeps the item's value.
/// </summary>
public sealed class SweepGrid
{
    /// <summary>The axes a sweep may list.</summary>
    public static IReadOnlyList<string> Axes { get; } = ["k", "alpha", "beta", "mix"];

    private SweepGrid(IReadOnlyList<int>? k, IReadOnlyList<double>? alpha, IReadOnlyList<double>? beta, IReadOnlyList<MixWeights>? mix, string text)
    {
        K = k;
        Alpha = alpha;
        Beta = beta;
        Mix = mix;
        Text = text;
    }

    /// <summary>Values of k, or null when k is not swept.</summary>
    public IReadOnlyList<int>? K { get; }

    /// <summary>Values of α, or null.</summary>
    public IReadOnlyList<double>? Alpha { get; }

    /// <summary>Values of β, or null.</summary>
    public IReadOnlyList<double>? Beta { get; }

    /// <summary>Values of the mix, or null.</summary>
    public IReadOnlyList<MixWeights>? Mix { get; }

    /// <summary>The grid as given.</summary>
    public string Text { get; }

    /// <summary>Parses axis=value,value,… terms (separate arguments or one space-separated string).</summary>
    /// <exception cref="FormatException">An unknown or repeated axis, an empty list, a value that does not parse, is out of range or repeats.</exception>
    public static SweepGrid Parse(IEnumerable<string> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        string[] parts = [.. terms.SelectMany(t => t.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        if (parts.Length == 0)
        {
            throw new FormatException("the sweep lists no axis (expected terms like k=5,10 alpha=0.05,0.1 beta=1.5,2 mix=0.2/0.5/0.3)");
        }
        List<int>? k = null;
        List<double>? alpha = null, beta = null;
        List<MixWeights>? mix = null;
        foreach (string part in parts)
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == part.Length - 1)
            {
                throw new FormatException($"'{part}' is not axis=value[,value…] (axes: {string.Join(", ", Axes)})");
            }
            string axis = part[..equals].ToLowerInvariant();
            string[] values = part[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries);
            switch (axis)
            {
                case "k":
                    k = Once(k, axis, [.. values.Select(v => ParseK(v))]);
                    break;
                case "alpha":
                    alpha = Once(alpha, axis, [.. values.Select(v => ParseFactor(v, axis))]);
                    break;
                case "beta":
                    beta = Once(beta, axis, [.. values.Select(v => ParseFactor(v, axis))]);
                    break;
                case "mix":
                    mix = Once(mix, axis, [.. values.Select(ParseMix)]);
                    break;
                default:
                    throw new FormatException($"unknown sweep axis '{part[..equals]}' (axes: {string.Join(", ", Axes)})");
            }
        }
        return new SweepGrid(k, alpha, beta, mix, string.Join(' ', parts));
    }

    /// <summary>The settings of the grid around <paramref name="item"/>'s edit, in a fixed order (k, then α, β, mix), names unique.</summary>
    public IReadOnlyList<SweepSetting> Expand(EditParameters item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var settings = new List<SweepSetting>();
        foreach (int k in K ?? [item.K])
        {
            foreach (double alpha in Alpha ?? [item.Alpha])
            {
                foreach (double beta in Beta ?? [item.Beta])
                {
                    foreach (MixWeights mix in Mix ?? [item.Mix])
                    {
                        EditParameters edit = item with { K = k, Alpha = alpha, Beta = beta, Mix = mix };
                        settings.Add(new SweepSetting(SweepSetting.NameOf(edit), edit));
                    }
                }
            }
        }
        return settings;
    }

    /// <inheritdoc/>
    public override string ToString() => Text;

    private static List<T> Once<T>(List<T>? existing, string axis, List<T> values)
    {
        if (existing is not null)
        {
            throw new FormatException($"the sweep lists the axis '{axis}' twice");
        }
        if (values.Distinct().Count() != values.Count)
        {
            throw new FormatException($"the sweep axis '{axis}' repeats a value");
        }
        return values;
    }

    private static int ParseK(string text)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) || k < 1)
        {
            throw new FormatException($"sweep value k={text} is not an integer ≥ 1");
        }
        return k;
    }

    private static double ParseFactor(string text, string axis)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value < 0)
        {
            throw new FormatException($"sweep value {axis}={text} is not a finite number ≥ 0");
        }
        return value;
    }

    private static MixWeights ParseMix(string text)
    {
        try
        {
            return MixWeights.Parse(text, '/');
        }
        catch (FormatException error)
        {
            throw new FormatException($"sweep value mix={text}: {error.Message}", error);
        }
    }
}
