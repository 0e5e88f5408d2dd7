using System.Globalization;

namespace EditToAudio.Tests.Support;

/// <summary>Closeness assertions whose failures name the worst element, as numerical test suites do.</summary>
public static class Tolerance
{
    /// <summary>float32 results of float64 computations: a few float32 ulps of a unit-scale value.</summary>
    public const double Float32Absolute = 2e-6;

    /// <summary>
    /// Asserts |expected − actual| ≤ atol + rtol·|expected| everywhere; <paramref name="describe"/>
    /// names an element in the failure message (its index when null).
    /// </summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double atol, double rtol, string what, Func<int, string>? describe = null)
    {
        var widened = new double[actual.Length];
        for (int i = 0; i < actual.Length; i++)
        {
            widened[i] = actual[i];
        }
        AssertClose(expected, widened, atol, rtol, what, describe);
    }

    /// <summary>
    /// Asserts |expected − actual| ≤ atol + rtol·|expected| everywhere; <paramref name="describe"/>
    /// names an element in the failure message (its index when null).
    /// </summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double atol, double rtol, string what, Func<int, string>? describe = null)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        double[] e = expected.ToArray(), a = actual.ToArray();
        AssertClose(e.Length, i => e[i], i => a[i], atol, rtol, what, describe);
    }

    /// <summary>
    /// Asserts |expected(i) − actual(i)| ≤ atol + rtol·|expected(i)| for i &lt; <paramref name="count"/>
    /// (for values computed on the fly or sampled); a NaN always fails. The message gives the
    /// mismatch count and the worst element, named by <paramref name="describe"/> (its index when null).
    /// </summary>
    public static void AssertClose(int count, Func<int, double> expected, Func<int, double> actual, double atol, double rtol, string what, Func<int, string>? describe = null)
    {
        int mismatches = 0, worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < count; i++)
        {
            double difference = Math.Abs(expected(i) - actual(i));
            double allowed = atol + rtol * Math.Abs(expected(i));
            if (!(difference <= allowed))
            {
                mismatches++;
                double excess = double.IsNaN(difference) ? double.PositiveInfinity : difference - allowed;
                if (worst < 0 || excess > worstExcess)
                {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }
        if (mismatches > 0)
        {
            double e = expected(worst), a = actual(worst);
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {mismatches} of {count} elements mismatched (atol {atol:G3}, rtol {rtol:G3}); worst at {(describe is null ? $"index {worst}" : describe(worst))}: expected {e:G17}, actual {a:G17}, |diff| {Math.Abs(e - a):G3}"));
        }
    }

    /// <summary>Asserts cos(expected, actual) ≥ <paramref name="minimum"/>, naming the worst component when it fails.</summary>
    public static void AssertCosine(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double minimum, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        double dot = 0, ee = 0, aa = 0;
        int worst = 0;
        double worstDifference = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            dot += expected[i] * actual[i];
            ee += expected[i] * expected[i];
            aa += (double)actual[i] * actual[i];
            double difference = Math.Abs(expected[i] - actual[i]);
            if (difference > worstDifference)
            {
                worstDifference = difference;
                worst = i;
            }
        }
        double cosine = dot / Math.Sqrt(ee * aa);
        Assert.True(cosine >= minimum, string.Create(CultureInfo.InvariantCulture,
            $"{what}: cosine {cosine:G10} < {minimum:G10}; worst component {worst}: expected {expected[worst]:G9}, actual {actual[worst]:G9}"));
    }
}
