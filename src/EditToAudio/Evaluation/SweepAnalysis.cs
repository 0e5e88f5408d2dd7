using System.Globalization;

namespace EditToAudio.Evaluation;

/// <summary>
/// Per-setting results of pairs that span several edit settings: every score's mean and interval per
/// setting, the settings ranked by the objective (the first of <see cref="Evaluator.Objectives"/> any
/// pair has), the best one with its interval, and for each pair of swept parameters a grid of the
/// objective's mean (pooling the pairs over the other parameters).
/// </summary>
internal static class SweepAnalysis
{
    /// <summary>The edit parameters a sweep can vary, in report order.</summary>
    public static IReadOnlyList<string> ParameterNames { get; } = ["k", "alpha", "beta", "mix"];

    public static SweepRecord Analyze(IReadOnlyList<PairRecord> pairs, Bootstrap bootstrap)
    {
        string? objective = Evaluator.Objectives.FirstOrDefault(o => pairs.Any(p => p.Scores.ContainsKey(o)));
        var summaries = pairs.GroupBy(p => p.Parameters.Name, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Parameters: g.First().Parameters, Pairs: g.Count(), Scores: Evaluator.Aggregate([.. g], bootstrap)))
            .ToList();
        double Key(IReadOnlyDictionary<string, MeanInterval> scores) =>
            objective is not null && scores.TryGetValue(objective, out MeanInterval value) ? value.Mean : double.NegativeInfinity;
        var ranked = summaries.OrderByDescending(s => Key(s.Scores)).ThenBy(s => s.Name, StringComparer.Ordinal)
            .Select((s, i) => new SettingSummary(i + 1, s.Name, s.Parameters, s.Pairs, s.Scores)).ToList();

        BestSetting? best = null;
        if (objective is not null && ranked[0].Scores.TryGetValue(objective, out MeanInterval top))
        {
            SettingSummary? second = ranked.Count > 1 ? ranked[1] : null;
            bool separated = second is not null && second.Scores.TryGetValue(objective, out MeanInterval next) && top.Low > next.High;
            best = new BestSetting(ranked[0].Name, top, second?.Name, separated);
        }

        string[] swept = [.. ParameterNames.Where(name => pairs.Select(p => Value(p.Parameters, name)).Distinct(StringComparer.Ordinal).Count() > 1)];
        var heatmaps = new List<HeatmapRecord>();
        if (objective is not null)
        {
            for (int a = 0; a < swept.Length; a++)
            {
                for (int b = a + 1; b < swept.Length; b++)
                {
                    heatmaps.Add(Heatmap(pairs, objective, swept[a], swept[b]));
                }
            }
        }
        return new SweepRecord(swept, objective, ranked, best, heatmaps);
    }

    /// <summary>The file a heatmap of <paramref name="x"/> and <paramref name="y"/> is written to.</summary>
    public static string HeatmapFile(string x, string y) => $"heatmap_{x}_{y}.png";

    /// <summary>How a setting's parameter is written in tables and on axes.</summary>
    public static string Value(SettingParameters parameters, string name) => name switch
    {
        "k" => parameters.K.ToString(CultureInfo.InvariantCulture),
        "alpha" => parameters.Alpha.ToString("R", CultureInfo.InvariantCulture),
        "beta" => parameters.Beta.ToString("R", CultureInfo.InvariantCulture),
        _ => string.Join("/", parameters.Mix.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
    };

    private static HeatmapRecord Heatmap(IReadOnlyList<PairRecord> pairs, string objective, string x, string y)
    {
        string[] xs = Ordered(pairs.Select(p => Value(p.Parameters, x)));
        string[] ys = Ordered(pairs.Select(p => Value(p.Parameters, y)));
        var means = new double?[ys.Length][];
        var counts = new int[ys.Length][];
        for (int j = 0; j < ys.Length; j++)
        {
            means[j] = new double?[xs.Length];
            counts[j] = new int[xs.Length];
            for (int i = 0; i < xs.Length; i++)
            {
                double[] values = [.. pairs
                    .Where(p => Value(p.Parameters, x) == xs[i] && Value(p.Parameters, y) == ys[j] && p.Scores.ContainsKey(objective))
                    .Select(p => p.Scores[objective])];
                counts[j][i] = values.Length;
                means[j][i] = values.Length == 0 ? null : values.Average();
            }
        }
        return new HeatmapRecord(HeatmapFile(x, y), x, y, xs, ys, means, counts);
    }

    /// <summary>Distinct values, numerically when every one is a number, else as text.</summary>
    private static string[] Ordered(IEnumerable<string> values)
    {
        string[] distinct = [.. values.Distinct(StringComparer.Ordinal)];
        return distinct.All(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            ? [.. distinct.OrderBy(v => double.Parse(v, CultureInfo.InvariantCulture))]
            : [.. distinct.Order(StringComparer.Ordinal)];
    }
}
