using EditToAudio.Numerics;

namespace EditToAudio.Evaluation;

/// <summary>The mean of a score over pairs and its bootstrap confidence interval.</summary>
/// <param name="Count">Pairs that have the score.</param>
/// <param name="Mean">Their mean.</param>
/// <param name="Low">Lower end of the percentile interval of the resampled means.</param>
/// <param name="High">Upper end.</param>
public readonly record struct MeanInterval(int Count, double Mean, double Low, double High);

/// <summary>
/// Percentile bootstrap of the mean, reproducible from a seed. Resample b draws N pair indices
/// with replacement, index i = ⌊word·N / 2³²⌋ from Philox word i of stream (seed, Bootstrap, b);
/// every score of one set of N pairs is resampled with the same indices (a paired bootstrap, so
/// scores of one set stay comparable), and a resample's mean of a score is taken over the drawn
/// pairs that have it. The interval's ends are the (1 ± confidence)/2 quantiles of the resampled
/// means, interpolated linearly between order statistics (NumPy's default).
/// </summary>
public sealed class Bootstrap
{
    /// <summary>Default number of resamples.</summary>
    public const int DefaultResamples = 2000;

    /// <summary>Default confidence of the intervals.</summary>
    public const double DefaultConfidence = 0.95;

    private readonly Dictionary<int, int[]> _indices = [];
    private readonly Lock _gate = new();

    /// <summary>Resamples <paramref name="resamples"/> times at <paramref name="confidence"/> with <paramref name="seed"/>.</summary>
    public Bootstrap(int resamples = DefaultResamples, double confidence = DefaultConfidence, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "The confidence must be between 0 and 1 (exclusive).");
        }
        Resamples = resamples;
        Confidence = confidence;
        Seed = seed;
    }

    /// <summary>Resamples per interval.</summary>
    public int Resamples { get; }

    /// <summary>Confidence of the intervals.</summary>
    public double Confidence { get; }

    /// <summary>The seed of the resampling.</summary>
    public ulong Seed { get; }

    /// <summary>Pair index <paramref name="draw"/> of resample <paramref name="resample"/> among <paramref name="count"/> pairs.</summary>
    public int Index(int count, int resample, int draw)
    {
        uint word = Philox4x32.Word(Seed, NoiseStream.Id(NoiseStage.Bootstrap, 0, resample), (ulong)draw);
        return (int)(((ulong)word * (ulong)count) >> 32);
    }

    /// <summary>
    /// The mean and interval of <paramref name="values"/> (one entry per pair of the set, null where
    /// a pair lacks the score); null when no pair has it.
    /// </summary>
    public MeanInterval? Interval(IReadOnlyList<double?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.Count;
        int present = 0;
        double sum = 0;
        foreach (double? v in values)
        {
            if (v is { } x)
            {
                present++;
                sum += x;
            }
        }
        if (present == 0)
        {
            return null;
        }
        double mean = sum / present;
        int[] indices = IndicesFor(n);
        var means = new List<double>(Resamples);
        for (int b = 0; b < Resamples; b++)
        {
            double resampleSum = 0;
            int resampleCount = 0;
            for (int i = 0; i < n; i++)
            {
                if (values[indices[b * n + i]] is { } x)
                {
                    resampleSum += x;
                    resampleCount++;
                }
            }
            if (resampleCount > 0)
            {
                means.Add(resampleSum / resampleCount);
            }
        }
        means.Sort();
        double tail = (1 - Confidence) / 2;
        return new MeanInterval(present, mean, Quantile(means, tail), Quantile(means, 1 - tail));
    }

    /// <summary>The <paramref name="p"/>-quantile of sorted <paramref name="sorted"/>, linear between order statistics.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            throw new ArgumentException("No values to take a quantile of.", nameof(sorted));
        }
        double h = (sorted.Count - 1) * p;
        int low = (int)Math.Floor(h);
        int high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }

    private int[] IndicesFor(int count)
    {
        lock (_gate)
        {
            if (!_indices.TryGetValue(count, out int[]? indices))
            {
                indices = new int[Resamples * count];
                Parallel.For(0, Resamples, b =>
                {
                    for (int i = 0; i < count; i++)
                    {
                        indices[b * count + i] = Index(count, b, i);
                    }
                });
                _indices[count] = indices;
            }
            return indices;
        }
    }
}
