using System.Globalization;
using EditToAudio.Models;
using EditToAudio.Networks;

namespace EditToAudio.Audio;

/// <summary>One copy of the fit: <see cref="Count"/> samples from clip offset <see cref="Source"/> to window offset <see cref="Destination"/>.</summary>
/// <param name="Source">Offset in the clip.</param>
/// <param name="Destination">Offset in the window.</param>
/// <param name="Count">Samples copied.</param>
public readonly record struct WindowCopy(int Source, int Destination, int Count);

/// <summary>
/// How a clip of any length reaches a CLAP audio encoder whose input length is fixed, the way
/// AudioLDM's CLAP prepares audio (LAION-CLAP's <c>get_audio_features</c> with <c>repeatpad</c>
/// filling): a clip shorter than the window is repeated ⌊window / length⌋ whole times and the rest
/// of the window is zeros; a longer clip is cropped to the window. Upstream crops at a random
/// offset; the engine takes the first window, so a ranking repeats from run to run. An encoder
/// with a dynamic length gets every clip unchanged.
/// </summary>
public sealed class ClapAudioWindow
{
    private ClapAudioWindow(int? length) => Length = length;

    /// <summary>An encoder that takes clips of any length.</summary>
    public static ClapAudioWindow Dynamic { get; } = new(null);

    /// <summary>The window in samples; null when the encoder takes any length.</summary>
    public int? Length { get; }

    /// <summary>An encoder whose input holds exactly <paramref name="length"/> samples.</summary>
    public static ClapAudioWindow Fixed(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return new ClapAudioWindow(length);
    }

    /// <summary>The window for an input declared with <paramref name="samples"/> (its last axis; 0 or less when dynamic).</summary>
    public static ClapAudioWindow ForDeclaredLength(long samples)
    {
        if (samples <= 0)
        {
            return Dynamic;
        }
        if (samples > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "The CLAP audio encoder declares a window longer than the engine can hold.");
        }
        return Fixed((int)samples);
    }

    /// <summary>The window of an open CLAP audio encoder, read from the length its <c>wave</c> input declares.</summary>
    public static ClapAudioWindow Of(ModelSession encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        DeclaredTensor wave = encoder.DeclaredInputs.Single(input => input.Name == "wave");
        return ForDeclaredLength(wave.Dimensions[^1]);
    }

    /// <summary>Samples per clip the encoder is fed for clips of <paramref name="clipLength"/> samples.</summary>
    public int InputLength(int clipLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clipLength);
        return Length ?? clipLength;
    }

    /// <summary>True when clips of <paramref name="clipLength"/> samples go to the encoder as they are.</summary>
    public bool Passes(int clipLength) => InputLength(clipLength) == clipLength;

    /// <summary>
    /// The copies that fill a window from a clip of <paramref name="clipLength"/> samples; the
    /// window's samples that no copy writes are zeros. Host and device paths both run this plan.
    /// </summary>
    public IReadOnlyList<WindowCopy> Copies(int clipLength)
    {
        int window = InputLength(clipLength);
        if (clipLength >= window)
        {
            return [new WindowCopy(0, 0, window)];
        }
        int repeats = window / clipLength;
        var copies = new WindowCopy[repeats];
        for (int r = 0; r < repeats; r++)
        {
            copies[r] = new WindowCopy(0, r * clipLength, clipLength);
        }
        return copies;
    }

    /// <summary>Fills <paramref name="window"/> (exactly <see cref="InputLength"/> samples) from <paramref name="clip"/>.</summary>
    public void Fit(ReadOnlySpan<float> clip, Span<float> window)
    {
        int length = InputLength(clip.Length);
        if (window.Length != length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A clip of {clip.Length} samples fills a window of {length}, got {window.Length}."), nameof(window));
        }
        window.Clear();
        foreach (WindowCopy copy in Copies(clip.Length))
        {
            clip.Slice(copy.Source, copy.Count).CopyTo(window.Slice(copy.Destination, copy.Count));
        }
    }

    /// <summary>
    /// <see cref="Fit"/> for <paramref name="count"/> clips of <paramref name="clipLength"/> samples
    /// stored one after another; returns the windows one after another (the same array when the clips pass unchanged).
    /// </summary>
    public float[] FitEach(float[] clips, int count, int clipLength)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if ((long)count * clipLength != clips.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{count} clips of {clipLength} samples need {(long)count * clipLength} values, got {clips.Length}."), nameof(clips));
        }
        if (Passes(clipLength))
        {
            return clips;
        }
        int window = InputLength(clipLength);
        var windows = new float[(long)count * window];
        for (int i = 0; i < count; i++)
        {
            Fit(clips.AsSpan(i * clipLength, clipLength), windows.AsSpan(i * window, window));
        }
        return windows;
    }

    /// <inheritdoc/>
    public override string ToString() => Length is { } length
        ? string.Create(CultureInfo.InvariantCulture, $"fixed window of {length} samples")
        : "any length";
}
