using System.Globalization;

namespace EditToAudio.Tests.Networks;

/// <summary>Element-wise comparison with a float64 reference: |actual − expected| ≤ abs + rel·|expected|.</summary>
internal static class NumericAssert
{
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double absolute, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int mismatches = 0, worst = -1;
        double worstExcess = double.NegativeInfinity;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            double allowed = absolute + relative * Math.Abs(expected[i]);
            if (!(error <= allowed)) mismatches++;
            double excess = double.IsNaN(error) ? double.PositiveInfinity : error - allowed;
            if (excess > worstExcess) { worstExcess = excess; worst = i; }
        }
        Assert.True(mismatches == 0, string.Create(CultureInfo.InvariantCulture,
            $"{what}: {mismatches} of {expected.Length} elements outside abs {absolute:G3} + rel {relative:G3}; worst at index {worst}: expected {expected[worst]:R}, actual {actual[worst]:R}"));
    }
}
