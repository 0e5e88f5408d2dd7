using System.Globalization;

namespace EditToAudio.Audio;

/// <summary>
/// Settings of <see cref="Spectrogram"/>: a short-time Fourier transform with a periodic Hann window,
/// frames centred on multiples of the hop (zero padding at both ends), magnitude in decibels.
/// </summary>
public sealed record SpectrogramOptions
{
    /// <summary>FFT size and window length in samples; a power of two (1024 = 64 ms at 16 kHz).</summary>
    public int FftSize { get; init; } = 1024;

    /// <summary>Samples between frame centres (160 = 10 ms at 16 kHz, AudioLDM's hop).</summary>
    public int HopLength { get; init; } = 160;

    /// <summary>
    /// The lowest level in dB and the value of silence. Levels are relative to a full-scale sine
    /// (amplitude 1 at a bin centre reads 0 dB).
    /// </summary>
    public float FloorDecibels { get; init; } = -100f;

    /// <summary>Width of the PNG in pixels.</summary>
    public int ImageWidth { get; init; } = 1200;

    /// <summary>Height of the PNG in pixels.</summary>
    public int ImageHeight { get; init; } = 500;

    /// <summary>The defaults.</summary>
    public static SpectrogramOptions Default { get; } = new();

    /// <summary>Number of frequency bins, <c>FftSize / 2 + 1</c>, from 0 Hz to the Nyquist frequency.</summary>
    public int BinCount => FftSize / 2 + 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (FftSize < 16 || FftSize > 1 << 16 || (FftSize & (FftSize - 1)) != 0)
        {
            throw Invalid($"{nameof(FftSize)} is {FftSize}; expected a power of two from 16 to 65536.");
        }
        if (HopLength < 1)
        {
            throw Invalid($"{nameof(HopLength)} is {HopLength}; expected at least 1.");
        }
        if (!float.IsFinite(FloorDecibels) || FloorDecibels >= 0)
        {
            throw Invalid($"{nameof(FloorDecibels)} is {FloorDecibels}; expected a finite negative level.");
        }
        if (ImageWidth < 200 || ImageWidth > 8192 || ImageHeight < 150 || ImageHeight > 8192)
        {
            throw Invalid($"The image size is {ImageWidth}×{ImageHeight}; expected 200–8192 × 150–8192 pixels.");
        }
    }

    private static ArgumentException Invalid(FormattableString message) =>
        new("Invalid spectrogram options: " + message.ToString(CultureInfo.InvariantCulture));
}
