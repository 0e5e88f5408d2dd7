using EditToAudio.Evaluation;
using EditToAudio.Numerics;

namespace EditToAudio.Tests.Evaluation;

public class BootstrapTests
{
    private static double?[] Values(int count, ulong stream, double mean = 0)
    {
        var draws = new float[count];
        Philox4x32.FillNormal(5, stream, 0, draws);
        return [.. draws.Select(v => (double?)(mean + v))];
    }

    [Fact]
    public void The_interval_is_the_percentile_of_resampled_means_drawn_as_documented()
    {
        double?[] values = Values(37, 1);
        var bootstrap = new Bootstrap(resamples: 500, confidence: 0.9, seed: 123);

        MeanInterval interval = bootstrap.Interval(values)!.Value;

        // Resample b, draw i: index ⌊word·N / 2³²⌋ of Philox word i, stream (seed, Bootstrap stage, step b).
        var means = new List<double>();
        for (int b = 0; b < 500; b++)
        {
            double sum = 0;
            for (int i = 0; i < values.Length; i++)
            {
                uint word = Philox4x32.Word(123, ((ulong)(byte)NoiseStage.Bootstrap << 56) | (uint)b, (ulong)i);
                sum += values[(int)(((ulong)word * (ulong)values.Length) >> 32)]!.Value;
            }
            means.Add(sum / values.Length);
        }
        means.Sort();
        Assert.Equal(37, interval.Count);
        Assert.Equal(values.Average(v => v!.Value), interval.Mean, 14);
        Assert.Equal(NumpyQuantile(means, 0.05), interval.Low, 14);
        Assert.Equal(NumpyQuantile(means, 0.95), interval.High, 14);
    }

    [Fact]
    public void Quantiles_interpolate_between_order_statistics_as_numpy_does()
    {
        // np.quantile([3, 1, 4, 1.5, 9, 2.6], [0, .025, .1, .5, .975, 1]) = [1, 1.0625, 1.25, 2.8, 8.375, 9]
        double[] sorted = [.. new[] { 3.0, 1, 4, 1.5, 9, 2.6 }.Order()];
        Assert.Equal([1, 1.0625, 1.25, 2.8, 8.375, 9], new[] { 0, 0.025, 0.1, 0.5, 0.975, 1 }.Select(p => Math.Round(Bootstrap.Quantile(sorted, p), 12)));
    }

    [Fact]
    public void Intervals_repeat_for_a_seed_and_change_with_it()
    {
        double?[] values = Values(50, 2);
        MeanInterval first = new Bootstrap(seed: 7).Interval(values)!.Value;
        Assert.Equal(first, new Bootstrap(seed: 7).Interval(values)!.Value);
        Assert.NotEqual(first, new Bootstrap(seed: 8).Interval(values)!.Value);
    }

    [Fact]
    public void Ninety_five_percent_intervals_cover_the_true_mean_about_ninety_five_percent_of_the_time()
    {
        // 300 samples of 60 normals with mean 1.5: a percentile bootstrap covers about 94 % at this size.
        int covered = 0;
        var bootstrap = new Bootstrap(resamples: 1000, seed: 3);
        for (ulong sample = 0; sample < 300; sample++)
        {
            MeanInterval interval = bootstrap.Interval(Values(60, 1000 + sample, mean: 1.5))!.Value;
            covered += interval.Low <= 1.5 && 1.5 <= interval.High ? 1 : 0;
        }
        Assert.InRange(covered / 300.0, 0.90, 0.98);
    }

    [Fact]
    public void Missing_values_are_left_out_of_each_resample_and_one_value_gives_a_point_interval()
    {
        var bootstrap = new Bootstrap(resamples: 200, seed: 1);
        MeanInterval partial = bootstrap.Interval([1.0, null, 3.0, null])!.Value;
        Assert.Equal(2, partial.Count);
        Assert.Equal(2.0, partial.Mean);
        Assert.InRange(partial.Low, 1.0, 2.0);
        Assert.InRange(partial.High, 2.0, 3.0);
        Assert.Equal(new MeanInterval(1, 0.25, 0.25, 0.25), bootstrap.Interval([0.25])!.Value);
        Assert.Null(bootstrap.Interval([null, null]));
    }

    private static double NumpyQuantile(List<double> sorted, double p)
    {
        double h = (sorted.Count - 1) * p;
        int low = (int)Math.Floor(h);
        return low + 1 < sorted.Count ? sorted[low] + (h - low) * (sorted[low + 1] - sorted[low]) : sorted[low];
    }
}
