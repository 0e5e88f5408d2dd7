using System.Globalization;
using System.Runtime.InteropServices;
using EditToAudio.IO;
using NAudio.Wave;

namespace EditToAudio.Audio;

/// <summary>How <see cref="WaveFile.Write"/> stores each sample.</summary>
public enum WaveSampleFormat
{
    /// <summary>32-bit IEEE float (format tag 3), the waveform exactly as computed.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name",
        Justification = "Names the sample encoding of the file, as audio tools do.")]
    Float32,

    /// <summary>16-bit signed PCM (format tag 1): samples clamped to [−1, 1], scaled by 32767 and rounded to nearest, ties to even.</summary>
    Pcm16,
}

/// <summary>Mono RIFF/WAVE files of the engine's waveforms, written through NAudio.</summary>
public static class WaveFile
{
    private const float Pcm16Scale = 32767f;

    /// <summary>
    /// Writes a mono WAV file atomically (a temporary name renamed over <paramref name="path"/>).
    /// A waveform holding NaN or ±∞ is refused before anything is written.
    /// </summary>
    /// <param name="path">The file to write; its folder is created when missing.</param>
    /// <param name="samples">The waveform, nominally in [−1, 1].</param>
    /// <param name="sampleRate">Samples per second (the engine's clips are 16 000).</param>
    /// <param name="format">32-bit float (default) or 16-bit PCM.</param>
    /// <exception cref="ArgumentException">A sample is NaN or infinite, or the format is unknown.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sampleRate"/> is not positive.</exception>
    public static void Write(string path, ReadOnlySpan<float> samples, int sampleRate, WaveSampleFormat format = WaveSampleFormat.Float32)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ThrowIfNotFinite(samples, nameof(samples), path);

        (WaveFormat waveFormat, byte[] data) = format switch
        {
            WaveSampleFormat.Float32 => (WaveFormat.CreateIeeeFloatWaveFormat(sampleRate, 1), ToFloat32Bytes(samples)),
            WaveSampleFormat.Pcm16 => (new WaveFormat(sampleRate, 16, 1), ToPcm16Bytes(samples)),
            _ => throw new ArgumentException($"Unknown sample format {format}; expected {WaveSampleFormat.Float32} or {WaveSampleFormat.Pcm16}.", nameof(format)),
        };

        AtomicFile.Write(path, stream =>
        {
            // NAudio 3's writer leaves a caller's stream open, so AtomicFile can still flush and close it.
            using var writer = new WaveFileWriter(stream, waveFormat);
            writer.Write(data, 0, data.Length);
        });
    }

    /// <summary>Reads a mono WAV file of 32-bit float or 16-bit PCM samples (PCM scaled by 1/32767).</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The samples and the sample rate of the file.</returns>
    /// <exception cref="InvalidDataException">The file is not a mono float32 or pcm16 WAV file.</exception>
    public static (float[] Samples, int SampleRate) Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(stream, path);
    }

    /// <summary>Reads a mono WAV file of 32-bit float or 16-bit PCM samples from <paramref name="stream"/>; <paramref name="path"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The stream does not hold a mono float32 or pcm16 WAV file.</exception>
    public static (float[] Samples, int SampleRate) Read(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        WaveFileReader reader;
        try
        {
            reader = new WaveFileReader(stream);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"'{path}' is not a readable WAV file: {ex.Message}", ex);
        }
        using (reader)
        {
            WaveFormat waveFormat = reader.WaveFormat;
            bool isFloat32 = waveFormat.Encoding == WaveFormatEncoding.IeeeFloat && waveFormat.BitsPerSample == 32;
            bool isPcm16 = waveFormat.Encoding == WaveFormatEncoding.Pcm && waveFormat.BitsPerSample == 16;
            if (waveFormat.Channels != 1 || !(isFloat32 || isPcm16))
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"'{path}' holds {waveFormat.Channels} channel(s) of {waveFormat.BitsPerSample}-bit {waveFormat.Encoding}; expected mono 32-bit IEEE float or 16-bit PCM."));
            }
            if (reader.Length > int.MaxValue)
            {
                throw new InvalidDataException($"'{path}' has {reader.Length} bytes of samples; at most {int.MaxValue} are supported.");
            }
            byte[] data = new byte[reader.Length];
            int read = 0;
            while (read < data.Length)
            {
                int count = reader.Read(data, read, data.Length - read);
                if (count == 0)
                {
                    throw new InvalidDataException($"'{path}' ends after {read} of the {data.Length} data bytes its header announces.");
                }
                read += count;
            }
            float[] samples = isFloat32 ? FromFloat32Bytes(data) : FromPcm16Bytes(data);
            return (samples, waveFormat.SampleRate);
        }
    }

    /// <summary>Throws when any sample is NaN or infinite, naming the first such sample.</summary>
    internal static void ThrowIfNotFinite(ReadOnlySpan<float> samples, string parameterName, string? destination = null)
    {
        for (int i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                string target = destination is null ? string.Empty : $" ('{destination}' not written)";
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"The waveform has a non-finite sample at index {i}: {samples[i]}{target}; every sample must be a finite number."),
                    parameterName);
            }
        }
    }

    private static byte[] ToFloat32Bytes(ReadOnlySpan<float> samples)
    {
        // WAV is little-endian; so is every platform .NET runs this engine on, checked rather than assumed.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("WAV output needs a little-endian platform.");
        }
        return MemoryMarshal.AsBytes(samples).ToArray();
    }

    private static byte[] ToPcm16Bytes(ReadOnlySpan<float> samples)
    {
        byte[] bytes = new byte[samples.Length * sizeof(short)];
        for (int i = 0; i < samples.Length; i++)
        {
            // In float64 the product is exact, so ties really are ties.
            short value = (short)Math.Round(Math.Clamp(samples[i], -1f, 1f) * (double)Pcm16Scale, MidpointRounding.ToEven);
            System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * sizeof(short)), value);
        }
        return bytes;
    }

    private static float[] FromFloat32Bytes(byte[] data)
    {
        float[] samples = new float[data.Length / sizeof(float)];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(i * sizeof(float)));
        }
        return samples;
    }

    private static float[] FromPcm16Bytes(byte[] data)
    {
        float[] samples = new float[data.Length / sizeof(short)];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(data.AsSpan(i * sizeof(short))) / Pcm16Scale;
        }
        return samples;
    }
}
