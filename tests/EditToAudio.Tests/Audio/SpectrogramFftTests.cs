using EditToAudio.Audio;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Audio;

public sealed class SpectrogramFftTests
{
    [Theory]
    [InlineData(2, 1)]
    [InlineData(4, 2)]
    [InlineData(8, 3)]
    [InlineData(64, 4)]
    [InlineData(512, 5)]
    [InlineData(2048, 6)]
    public void MatchesADirectDftOnRandomComplexInput(int size, int seed)
    {
        var random = new Random(seed);
        double[] re = Enumerable.Range(0, size).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] im = Enumerable.Range(0, size).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        AssertMatchesDirectDft(re, im, $"random n={size}");
    }

    [Theory]
    [InlineData(16)]
    [InlineData(1024)]
    public void MatchesADirectDftOnStructuredInput(int size)
    {
        // An impulse off the origin, a constant, and an alternating sequence: each has a known, sparse or flat spectrum.
        double[] impulse = new double[size];
        impulse[3] = 1;
        AssertMatchesDirectDft(impulse, new double[size], $"impulse n={size}");
        AssertMatchesDirectDft(Enumerable.Repeat(0.5, size).ToArray(), new double[size], $"constant n={size}");
        AssertMatchesDirectDft(Enumerable.Range(0, size).Select(n => n % 2 == 0 ? 1.0 : -1.0).ToArray(), new double[size], $"alternating n={size}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(12)]
    public void RefusesSizesThatAreNotPowersOfTwo(int size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpectrogramFft(size));

    private static void AssertMatchesDirectDft(double[] re, double[] im, string what)
    {
        int size = re.Length;
        var expectedRe = new double[size];
        var expectedIm = new double[size];
        for (int k = 0; k < size; k++)
        {
            for (int n = 0; n < size; n++)
            {
                double angle = -2 * Math.PI * (k * (long)n % size) / size;
                expectedRe[k] += re[n] * Math.Cos(angle) - im[n] * Math.Sin(angle);
                expectedIm[k] += re[n] * Math.Sin(angle) + im[n] * Math.Cos(angle);
            }
        }
        double[] actualRe = [.. re], actualIm = [.. im];
        new SpectrogramFft(size).Forward(actualRe, actualIm);
        // float64 throughout: error grows like log2(N)·ε·‖x‖.
        double atol = 1e-12 * Math.Sqrt(size) * Math.Log2(size + 1);
        Tolerance.AssertClose(expectedRe, actualRe, atol, 0, what + " (real)");
        Tolerance.AssertClose(expectedIm, actualIm, atol, 0, what + " (imaginary)");
    }
}
