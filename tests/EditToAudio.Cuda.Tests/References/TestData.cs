using System.Globalization;

namespace EditToAudio.Cuda.Tests.References;

/// <summary>Seeded inputs and comparisons with failure messages that name the worst element.</summary>
internal static class TestData
{
    public static float[] RandomTokens(Random random, int images)
    {
        // CLIP-like tokens: a shared direction plus per-token noise, so the spectrum has a dominant top value.
        var shared = new double[768];
        for (int c = 0; c < 768; c++)
        {
            shared[c] = Gaussian(random);
        }
        var tokens = new float[images * 257 * 768];
        for (int t = 0; t < images * 257; t++)
        {
            for (int c = 0; c < 768; c++)
            {
                tokens[t * 768 + c] = (float)(0.8 * shared[c] + Gaussian(random));
            }
        }
        return tokens;
    }

    /// <summary>Binary patch weights with about <paramref name="density"/> of the patches selected.</summary>
    public static float[] RandomMask(Random random, int images, double density)
    {
        var weights = new float[images * 256];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = random.NextDouble() < density ? 1f : 0f;
        }
        return weights;
    }

    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    public static double Cosine(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>|actual − expected| ≤ atol + rtol·|expected| everywhere; the message gives the mismatch count and the worst element.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double atol, double rtol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int mismatches = 0, worst = -1;
        double worstExcess = double.NegativeInfinity;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            double excess = error - (atol + rtol * Math.Abs(expected[i]));
            if (!(excess <= 0))
            {
                mismatches++;
            }
            if (!(excess <= worstExcess))
            {
                worstExcess = excess;
                worst = i;
            }
        }
        if (mismatches > 0)
        {
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {mismatches} of {expected.Length} elements outside atol={atol:g3}, rtol={rtol:g3}; worst at index {worst}: expected {expected[worst]:R}, actual {actual[worst]:R}"));
        }
    }
}
