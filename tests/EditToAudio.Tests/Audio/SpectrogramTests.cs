using EditToAudio.Audio;
using EditToAudio.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace EditToAudio.Tests.Audio;

public sealed class SpectrogramTests : IDisposable
{
    private const int SampleRate = 16_000;
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, int, int> ReferenceCases() => new()
    {
        { "random", 1024, 160 },
        { "structured", 1024, 160 },
        { "short", 1024, 160 },
        { "random", 256, 100 },
        { "structured", 64, 7 },
    };

    private static float[] Signal(string kind) => kind switch
    {
        "random" => Noise(seed: 17, length: 16_037, amplitude: 0.8),
        // A tone, a click and a step: energy at one frequency, at one instant, and at DC.
        "structured" => Enumerable.Range(0, 8_000).Select(n =>
            (float)(0.3 * Math.Sin(2 * Math.PI * 1_234.5 * n / SampleRate)
                + (n == 1_600 ? 0.9 : 0.0)
                + (n >= 5_000 ? 0.25 : 0.0))).ToArray(),
        // Shorter than one window: every frame is partly outside the signal.
        "short" => Noise(seed: 23, length: 300, amplitude: 1.0),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static float[] Noise(int seed, int length, double amplitude)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2 - 1) * amplitude)).ToArray();
    }

    private static float[] Tone(double frequency, double amplitude, int length, double phase = 0.3) =>
        Enumerable.Range(0, length).Select(n => (float)(amplitude * Math.Sin(2 * Math.PI * frequency * n / SampleRate + phase))).ToArray();

    /// <summary>
    /// Float64 reference for one frame, straight from the definition: a direct DFT of the frame centred on
    /// frame·hop (zeros outside), periodic Hann window, amplitude 2|X|/Σw, 20·log10, floor.
    /// </summary>
    private static double[] ReferenceFrame(float[] signal, int frame, int fftSize, int hop, double floorDecibels)
    {
        var window = new double[fftSize];
        for (int m = 0; m < fftSize; m++)
        {
            window[m] = 0.5 * (1 - Math.Cos(2 * Math.PI * m / fftSize));
        }
        double windowSum = window.Sum();
        var levels = new double[fftSize / 2 + 1];
        for (int k = 0; k < levels.Length; k++)
        {
            double re = 0, im = 0;
            for (int m = 0; m < fftSize; m++)
            {
                int n = frame * hop - fftSize / 2 + m;
                double x = n >= 0 && n < signal.Length ? signal[n] : 0;
                // Reduce k·m modulo N first so the angle is exact.
                double angle = 2 * Math.PI * (k * (long)m % fftSize) / fftSize;
                re += x * window[m] * Math.Cos(angle);
                im -= x * window[m] * Math.Sin(angle);
            }
            double amplitude = 2 * Math.Sqrt(re * re + im * im) / windowSum;
            levels[k] = 20 * Math.Log10(Math.Max(amplitude, Math.Pow(10, floorDecibels / 20)));
        }
        return levels;
    }

    private static float[] Row(float[,] levels, int frame) =>
        Enumerable.Range(0, levels.GetLength(1)).Select(bin => levels[frame, bin]).ToArray();

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void FramesMatchAFloat64DirectDft(string kind, int fftSize, int hop)
    {
        float[] signal = Signal(kind);
        var options = new SpectrogramOptions { FftSize = fftSize, HopLength = hop };
        float[,] levels = Spectrogram.Compute(signal, SampleRate, options);

        int frames = 1 + signal.Length / hop;
        Assert.Equal(frames, levels.GetLength(0));
        Assert.Equal(fftSize / 2 + 1, levels.GetLength(1));
        int[] checkedFrames = [0, 1, frames / 3, frames / 2, frames - 2, frames - 1];
        foreach (int frame in checkedFrames.Where(f => f >= 0).Distinct())
        {
            double[] expected = ReferenceFrame(signal, frame, fftSize, hop, options.FloorDecibels);
            // dB stored as float32: a few ulps of |level| ≤ 100, plus float64 FFT error that the log amplifies near the floor.
            Tolerance.AssertClose(expected, Row(levels, frame), atol: 1e-4, rtol: 1e-6, $"{kind} n_fft {fftSize} hop {hop} frame {frame}");
        }
    }

    [Fact]
    public void ToneAtABinCentrePeaksInThatBinAtItsLevelAndNowhereElse()
    {
        // 1 kHz at 16 kHz with n_fft 1024 is bin 64 exactly; amplitude 0.5 is −6.02 dB.
        float[] tone = Tone(1_000, 0.5, SampleRate);
        var options = new SpectrogramOptions();
        float[,] levels = Spectrogram.Compute(tone, SampleRate, options);

        // Interior frames only: the edge frames see the tone switch on and off.
        int firstInterior = options.FftSize / 2 / options.HopLength + 1;
        int lastInterior = (tone.Length - options.FftSize / 2) / options.HopLength - 1;
        for (int frame = firstInterior; frame <= lastInterior; frame++)
        {
            float[] row = Row(levels, frame);
            Assert.Equal(64, ArgMax(row));
            Assert.Equal(20 * Math.Log10(0.5), row[64], 1e-3);
            // A periodic Hann window spreads a bin-centred tone over bins k±1 only, at half the amplitude (−6 dB).
            Assert.Equal(20 * Math.Log10(0.25), row[63], 1e-3);
            Assert.Equal(20 * Math.Log10(0.25), row[65], 1e-3);
            for (int bin = 0; bin < row.Length; bin++)
            {
                if (Math.Abs(bin - 64) > 1)
                {
                    Assert.True(row[bin] < -200 || row[bin] == options.FloorDecibels,
                        $"frame {frame} bin {bin}: {row[bin]} dB where the tone has no energy");
                }
            }
        }
    }

    [Theory]
    [InlineData(440.0)]
    [InlineData(2_500.3)]
    [InlineData(7_003.0)]
    [InlineData(93.0)]
    public void ToneBetweenBinsPeaksInTheNearestBin(double frequency)
    {
        float[] tone = Tone(frequency, 0.7, 12_000);
        var options = new SpectrogramOptions();
        float[,] levels = Spectrogram.Compute(tone, SampleRate, options);
        int expectedBin = (int)Math.Round(frequency * options.FftSize / SampleRate);
        for (int frame = 5; frame < levels.GetLength(0) - 5; frame++)
        {
            Assert.Equal(expectedBin, ArgMax(Row(levels, frame)));
        }
    }

    [Fact]
    public void ClickLightsUpTheFrameCentredOnIt()
    {
        var click = new float[16_000];
        click[4_800] = 1f; // frame 30 at hop 160
        float[,] levels = Spectrogram.Compute(click, SampleRate);
        float[] energyByFrame = Enumerable.Range(0, levels.GetLength(0)).Select(f => Row(levels, f).Max()).ToArray();
        Assert.Equal(30, ArgMax(energyByFrame));
        // Frames whose window does not reach the click are silent.
        Assert.Equal(-100f, energyByFrame[30 - 4]);
        Assert.Equal(-100f, energyByFrame[30 + 4]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(160)]
    [InlineData(163_840)]
    public void SilenceIsTheFloorEverywhere(int length)
    {
        var options = new SpectrogramOptions { FloorDecibels = -90f };
        float[,] levels = Spectrogram.Compute(new float[length], SampleRate, options);
        Assert.Equal(1 + length / options.HopLength, levels.GetLength(0));
        Assert.Equal(513, levels.GetLength(1));
        int notFloor = levels.Cast<float>().Count(level => level != -90f);
        Assert.True(notFloor == 0, $"{notFloor} of {levels.Length} cells are not the floor");
    }

    [Fact]
    public void BadInputIsRefusedWithAClearMessage()
    {
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => Spectrogram.Compute([], SampleRate)).Message, StringComparison.Ordinal);
        float[] withNaN = [0f, 0.1f, float.NaN];
        Assert.Contains("index 2", Assert.Throws<ArgumentException>(() => Spectrogram.Compute(withNaN, SampleRate)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Spectrogram.Compute([0f], 0));
        Assert.Contains("FftSize", Assert.Throws<ArgumentException>(() => Spectrogram.Compute([0f], SampleRate, new SpectrogramOptions { FftSize = 1000 })).Message, StringComparison.Ordinal);
        Assert.Contains("HopLength", Assert.Throws<ArgumentException>(() => Spectrogram.Compute([0f], SampleRate, new SpectrogramOptions { HopLength = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("FloorDecibels", Assert.Throws<ArgumentException>(() => Spectrogram.Compute([0f], SampleRate, new SpectrogramOptions { FloorDecibels = 0 })).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1200, 500)]
    [InlineData(640, 360)]
    public void PngDecodesAtItsSizeAndShowsMoreThanOneColour(int width, int height)
    {
        float[] signal = [.. Tone(1_000, 0.5, 8_000), .. Noise(seed: 9, length: 8_000, amplitude: 0.2)];
        string path = _folder.File("clip.png");
        Spectrogram.SavePng(path, signal, SampleRate, "tone then noise", new SpectrogramOptions { ImageWidth = width, ImageHeight = height });

        Assert.Equal(["clip.png"], _folder.Files());
        using var image = Image.Load<Rgb24>(path);
        Assert.Equal(width, image.Width);
        Assert.Equal(height, image.Height);
        var colours = new HashSet<Rgb24>();
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                foreach (Rgb24 pixel in rows.GetRowSpan(y))
                {
                    colours.Add(pixel);
                }
            }
        });
        // Axes, text and a colour map give hundreds of colours; a blank or failed render gives one or two.
        Assert.True(colours.Count > 50, $"only {colours.Count} distinct colours");
    }

    [Fact]
    public void PngOfABadWaveformIsNotWritten()
    {
        string path = _folder.File("bad.png");
        Assert.Throws<ArgumentException>(() => Spectrogram.SavePng(path, [0f, float.PositiveInfinity], SampleRate, "bad"));
        Assert.Empty(_folder.Files());
    }

    [Fact]
    public void TitleSaysWhatIsPlotted()
    {
        string description = Spectrogram.Describe(SampleRate, new SpectrogramOptions());
        Assert.Contains("STFT magnitude", description, StringComparison.Ordinal);
        Assert.Contains("dB", description, StringComparison.Ordinal);
        Assert.Contains("1024", description, StringComparison.Ordinal);
        Assert.Contains("160", description, StringComparison.Ordinal);
    }
}
