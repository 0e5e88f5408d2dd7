using System.Globalization;
using EditToAudio.IO;
using ScottPlot;

namespace EditToAudio.Audio;

/// <summary>
/// STFT magnitude spectrograms in dB (see <see cref="SpectrogramOptions"/>) and their plots,
/// so a clip can be looked at as well as listened to.
/// </summary>
public static class Spectrogram
{
    /// <summary>
    /// Computes the spectrogram of a mono waveform: frame <c>f</c> is centred on sample <c>f·hop</c>
    /// (zeros outside the signal), windowed by a periodic Hann window of <c>FftSize</c> samples;
    /// the level is <c>20·log10(2·|X|/Σw)</c> dB, limited below by <c>FloorDecibels</c>.
    /// </summary>
    /// <param name="samples">The waveform; at least one sample, all finite.</param>
    /// <param name="sampleRate">Samples per second; only validated here (the bins do not depend on it).</param>
    /// <param name="options">Settings, <see cref="SpectrogramOptions.Default"/> when null.</param>
    /// <returns>Levels in dB, indexed [frame, bin]; <c>1 + samples / hop</c> frames (integer division) and <c>FftSize/2 + 1</c> bins.</returns>
    public static float[,] Compute(ReadOnlySpan<float> samples, int sampleRate, SpectrogramOptions? options = null)
    {
        options ??= SpectrogramOptions.Default;
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        if (samples.IsEmpty)
        {
            throw new ArgumentException("The waveform is empty; a spectrogram needs at least one sample.", nameof(samples));
        }
        WaveFile.ThrowIfNotFinite(samples, nameof(samples));

        int size = options.FftSize, half = size / 2, hop = options.HopLength, bins = options.BinCount;
        int frames = 1 + samples.Length / hop;
        double[] window = HannWindow(size);
        double windowSum = window.Sum();
        // Scales so that a full-scale sine at a bin centre reads 1 (0 dB).
        double amplitudeScale = 2.0 / windowSum;
        double floorAmplitude = Math.Pow(10.0, options.FloorDecibels / 20.0);

        var fft = new SpectrogramFft(size);
        var real = new double[size];
        var imaginary = new double[size];
        var levels = new float[frames, bins];
        for (int frame = 0; frame < frames; frame++)
        {
            int start = frame * hop - half;
            for (int n = 0; n < size; n++)
            {
                int index = start + n;
                real[n] = (uint)index < (uint)samples.Length ? samples[index] * window[n] : 0.0;
                imaginary[n] = 0.0;
            }
            fft.Forward(real, imaginary);
            for (int bin = 0; bin < bins; bin++)
            {
                double amplitude = amplitudeScale * Math.Sqrt(real[bin] * real[bin] + imaginary[bin] * imaginary[bin]);
                levels[frame, bin] = (float)(20.0 * Math.Log10(Math.Max(amplitude, floorAmplitude)));
            }
        }
        return levels;
    }

    /// <summary>
    /// Writes the spectrogram as a PNG (atomically): time in seconds across, frequency in Hz up,
    /// a colour bar in dB, and the title followed by what is plotted.
    /// </summary>
    /// <param name="path">The PNG to write; its folder is created when missing.</param>
    /// <param name="samples">The waveform; at least one sample, all finite.</param>
    /// <param name="sampleRate">Samples per second.</param>
    /// <param name="title">What the clip is, e.g. "manipulated_audio.wav".</param>
    /// <param name="options">Settings, <see cref="SpectrogramOptions.Default"/> when null.</param>
    public static void SavePng(string path, ReadOnlySpan<float> samples, int sampleRate, string title, SpectrogramOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(title);
        options ??= SpectrogramOptions.Default;
        float[,] levels = Compute(samples, sampleRate, options);
        byte[] png = Render(levels, samples.Length, sampleRate, title, options);
        AtomicFile.WriteAllBytes(path, png);
    }

    /// <summary>The subtitle that says what the plot shows.</summary>
    internal static string Describe(int sampleRate, SpectrogramOptions options) => string.Create(CultureInfo.InvariantCulture,
        $"STFT magnitude (dB re full-scale sine), Hann {options.FftSize}, hop {options.HopLength}, {sampleRate} Hz");

    private static byte[] Render(float[,] levels, int sampleCount, int sampleRate, string title, SpectrogramOptions options)
    {
        int frames = levels.GetLength(0), bins = levels.GetLength(1);
        // Row 0 of a ScottPlot heatmap is drawn at the top, so the highest bin goes first.
        var intensities = new double[bins, frames];
        for (int frame = 0; frame < frames; frame++)
        {
            for (int bin = 0; bin < bins; bin++)
            {
                intensities[bins - 1 - bin, frame] = levels[frame, bin];
            }
        }

        double hopSeconds = options.HopLength / (double)sampleRate;
        double binHertz = sampleRate / (double)options.FftSize;
        using var plot = new Plot();
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Inferno();
        heatmap.ManualRange = new ScottPlot.Range(options.FloorDecibels, 0);
        // Cells are centred on their frame time and bin frequency.
        heatmap.Rectangle = new CoordinateRect(
            -hopSeconds / 2, (frames - 0.5) * hopSeconds,
            -binHertz / 2, (bins - 0.5) * binHertz);
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = "level (dB)";

        plot.Title($"{title}\n{Describe(sampleRate, options)}");
        plot.XLabel("time (s)");
        plot.YLabel("frequency (Hz)");
        plot.Axes.SetLimits(0, Math.Max(sampleCount / (double)sampleRate, hopSeconds), 0, sampleRate / 2.0);
        return plot.GetImageBytes(options.ImageWidth, options.ImageHeight, ImageFormat.Png);
    }

    /// <summary>The periodic Hann window (as STFT libraries use): w[n] = ½ − ½·cos(2πn/N).</summary>
    internal static double[] HannWindow(int size)
    {
        var window = new double[size];
        for (int n = 0; n < size; n++)
        {
            window[n] = 0.5 - 0.5 * Math.Cos(2.0 * Math.PI * n / size);
        }
        return window;
    }
}
