using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using EditToAudio.Audio;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Audio;

public sealed class WaveFileTests : IDisposable
{
    private const int SampleRate = 16_000;
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Waveforms() => new("random", "structured", "empty");

    private static float[] Waveform(string kind) => kind switch
    {
        // Seeded noise beyond full scale, so PCM clamping is exercised too.
        "random" => RandomWaveform(seed: 7, length: 4_001, amplitude: 1.5),
        // Exact edge values: zeros of both signs, full scale, just past it, the smallest subnormal, the largest float.
        "structured" => [0f, -0f, 1f, -1f, 1.0000001f, -1.0000001f, 0.5f / 32767f, 1.5f / 32767f, 2.5f / 32767f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, 1e-30f, 0.25f],
        "empty" => [],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static float[] RandomWaveform(int seed, int length, double amplitude)
    {
        var random = new Random(seed);
        var samples = new float[length];
        for (int i = 0; i < length; i++)
        {
            samples[i] = (float)((random.NextDouble() * 2 - 1) * amplitude);
        }
        return samples;
    }

    [Theory]
    [MemberData(nameof(Waveforms))]
    public void Float32RoundTripIsBitExact(string kind)
    {
        float[] samples = Waveform(kind);
        string path = _folder.File("clip.wav");
        WaveFile.Write(path, samples, SampleRate);

        (float[] read, int rate) = WaveFile.Read(path);
        Assert.Equal(SampleRate, rate);
        Assert.Equal(samples.Length, read.Length);
        int mismatches = 0, first = -1;
        for (int i = 0; i < samples.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(samples[i]) != BitConverter.SingleToInt32Bits(read[i]))
            {
                mismatches++;
                first = first < 0 ? i : first;
            }
        }
        Assert.True(mismatches == 0, $"{mismatches} of {samples.Length} samples changed; first at {first}: wrote {(first >= 0 ? samples[first] : 0)}, read {(first >= 0 ? read[first] : 0)}");
        Assert.Equal(["clip.wav"], _folder.Files());
    }

    [Theory]
    [MemberData(nameof(Waveforms))]
    public void Pcm16RoundTripIsWithinHalfAStepOfTheClampedWaveform(string kind)
    {
        float[] samples = Waveform(kind);
        string path = _folder.File("clip16.wav");
        WaveFile.Write(path, samples, SampleRate, WaveSampleFormat.Pcm16);

        (float[] read, int rate) = WaveFile.Read(path);
        Assert.Equal(SampleRate, rate);
        var expected = samples.Select(s => Math.Clamp((double)s, -1.0, 1.0)).ToArray();
        // Rounding to the nearest of 65535 levels: at most half a step, plus float32 rounding of the scaled value.
        Tolerance.AssertClose(expected, read, atol: 0.5 / 32767 + 1e-7, rtol: 0, "pcm16 round trip");
        // Full scale and beyond land exactly on ±32767 (and nothing reads outside [−1, 1]).
        for (int i = 0; i < samples.Length; i++)
        {
            if (Math.Abs(samples[i]) >= 1f)
            {
                Assert.Equal(Math.Sign(samples[i]), read[i]);
            }
        }
    }

    [Fact]
    public void Pcm16CodesAreTheNearestLevelsInTheFileBytes()
    {
        float[] samples = [0f, 1f, -1f, 2f, -2f, 0.5f, -0.5f, 1f / 32767f, -3f / 32767f, 0.4f / 32767f, 0.6f / 32767f];
        string path = _folder.File("codes.wav");
        WaveFile.Write(path, samples, SampleRate, WaveSampleFormat.Pcm16);

        RiffWave wave = RiffWave.Parse(File.ReadAllBytes(path));
        short[] codes = new short[wave.Data.Length / 2];
        for (int i = 0; i < codes.Length; i++)
        {
            codes[i] = BinaryPrimitives.ReadInt16LittleEndian(wave.Data.AsSpan(2 * i));
        }
        // 0.5·32767 = 16383.5 rounds to even.
        Assert.Equal(new short[] { 0, 32767, -32767, 32767, -32767, 16384, -16384, 1, -3, 0, 1 }, codes);
    }

    [Theory]
    [InlineData(WaveSampleFormat.Float32, 16_000)]
    [InlineData(WaveSampleFormat.Pcm16, 16_000)]
    [InlineData(WaveSampleFormat.Float32, 44_100)]
    [InlineData(WaveSampleFormat.Pcm16, 8_000)]
    public void HeaderFollowsTheRiffWaveLayout(WaveSampleFormat format, int sampleRate)
    {
        float[] samples = RandomWaveform(seed: 3, length: 1_234, amplitude: 0.9);
        string path = _folder.File("header.wav");
        WaveFile.Write(path, samples, sampleRate, format);
        byte[] bytes = File.ReadAllBytes(path);

        RiffWave wave = RiffWave.Parse(bytes);
        int bits = format == WaveSampleFormat.Float32 ? 32 : 16;
        Assert.Equal(bytes.Length - 8, wave.RiffSize);
        Assert.Equal(format == WaveSampleFormat.Float32 ? 3 : 1, wave.FormatTag);
        Assert.Equal(1, wave.Channels);
        Assert.Equal(sampleRate, wave.SampleRate);
        Assert.Equal(bits, wave.BitsPerSample);
        Assert.Equal(bits / 8, wave.BlockAlign);
        Assert.Equal(sampleRate * bits / 8, wave.ByteRate);
        Assert.Equal(samples.Length * bits / 8, wave.Data.Length);
        if (format == WaveSampleFormat.Float32)
        {
            // Non-PCM formats carry a 'fact' chunk with the number of sample frames, and an 18-byte 'fmt ' with cbSize 0.
            Assert.Equal((uint)samples.Length, wave.FactSampleFrames);
            Assert.Equal(18, wave.FormatChunkSize);
            Assert.Equal(0, wave.ExtraFormatSize);
            for (int i = 0; i < samples.Length; i++)
            {
                Assert.Equal(samples[i], BinaryPrimitives.ReadSingleLittleEndian(wave.Data.AsSpan(4 * i)));
            }
        }
        else
        {
            Assert.True(wave.FormatChunkSize is 16 or 18, $"fmt chunk size {wave.FormatChunkSize}");
        }
    }

    [Theory]
    [InlineData(float.NaN, WaveSampleFormat.Float32)]
    [InlineData(float.PositiveInfinity, WaveSampleFormat.Float32)]
    [InlineData(float.NegativeInfinity, WaveSampleFormat.Pcm16)]
    [InlineData(float.NaN, WaveSampleFormat.Pcm16)]
    public void NonFiniteSamplesAreRefusedAndNothingIsWritten(float bad, WaveSampleFormat format)
    {
        float[] samples = RandomWaveform(seed: 11, length: 500, amplitude: 0.5);
        samples[123] = bad;
        samples[400] = float.NaN;
        string path = Path.Combine(_folder.Path, "out", "bad.wav");

        var error = Assert.Throws<ArgumentException>(() => WaveFile.Write(path, samples, SampleRate, format));
        Assert.Contains("index 123", error.Message, StringComparison.Ordinal);
        Assert.Contains(bad.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Contains("bad.wav", error.Message, StringComparison.Ordinal);
        Assert.Empty(_folder.Files());
    }

    [Fact]
    public void NonFiniteSamplesLeaveAnExistingFileUntouched()
    {
        string path = _folder.File("keep.wav");
        float[] good = RandomWaveform(seed: 5, length: 64, amplitude: 0.5);
        WaveFile.Write(path, good, SampleRate);
        byte[] before = File.ReadAllBytes(path);

        float[] bad = [.. good];
        bad[^1] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => WaveFile.Write(path, bad, SampleRate));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["keep.wav"], _folder.Files());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-16_000)]
    public void NonPositiveSampleRateIsRefused(int sampleRate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WaveFile.Write(_folder.File("x.wav"), [0f], sampleRate));
        Assert.Empty(_folder.Files());
    }

    [Fact]
    public void ReadingSomethingThatIsNotWaveNamesTheFile()
    {
        string path = _folder.File("not-audio.wav");
        File.WriteAllText(path, "this is plain text, long enough to look like a header");
        var error = Assert.Throws<InvalidDataException>(() => WaveFile.Read(path));
        Assert.Contains("not-audio.wav", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 1, 16)]
    [InlineData(1, 1, 8)]
    [InlineData(1, 1, 24)]
    [InlineData(1, 3, 64)]
    public void ReadingAnUnsupportedLayoutNamesWhatWasFound(int channels, int formatTag, int bits)
    {
        string path = _folder.File("other.wav");
        File.WriteAllBytes(path, RiffWave.Build(formatTag, channels, 22_050, bits, new byte[channels * bits / 8 * 10]));
        var error = Assert.Throws<InvalidDataException>(() => WaveFile.Read(path));
        Assert.Contains("other.wav", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{channels} channel", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{bits}-bit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadsAHandBuiltPcm16File()
    {
        short[] codes = [0, 32767, -32767, -32768, 1234];
        byte[] data = new byte[codes.Length * 2];
        for (int i = 0; i < codes.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(2 * i), codes[i]);
        }
        string path = _folder.File("hand.wav");
        File.WriteAllBytes(path, RiffWave.Build(formatTag: 1, channels: 1, sampleRate: 16_000, bits: 16, data));

        (float[] samples, int rate) = WaveFile.Read(path);
        Assert.Equal(16_000, rate);
        Assert.Equal(codes.Select(c => c / 32767f).ToArray(), samples);
    }

    /// <summary>An independent RIFF/WAVE parser and writer: chunk walk per the Microsoft RIFF specification.</summary>
    private sealed record RiffWave(int RiffSize, int FormatChunkSize, int FormatTag, int Channels, int SampleRate, int ByteRate,
        int BlockAlign, int BitsPerSample, int? ExtraFormatSize, uint? FactSampleFrames, byte[] Data)
    {
        public static RiffWave Parse(byte[] bytes)
        {
            Assert.Equal("RIFF", Encoding.ASCII.GetString(bytes, 0, 4));
            int riffSize = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
            Assert.Equal("WAVE", Encoding.ASCII.GetString(bytes, 8, 4));
            int? fmtSize = null, tag = null, channels = null, rate = null, byteRate = null, align = null, bits = null, extra = null;
            uint? fact = null;
            byte[]? data = null;
            int offset = 12;
            while (offset + 8 <= bytes.Length)
            {
                string id = Encoding.ASCII.GetString(bytes, offset, 4);
                int size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 4));
                var body = bytes.AsSpan(offset + 8, size);
                switch (id)
                {
                    case "fmt ":
                        fmtSize = size;
                        tag = BinaryPrimitives.ReadUInt16LittleEndian(body);
                        channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                        rate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                        byteRate = BinaryPrimitives.ReadInt32LittleEndian(body[8..]);
                        align = BinaryPrimitives.ReadUInt16LittleEndian(body[12..]);
                        bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                        extra = size >= 18 ? BinaryPrimitives.ReadUInt16LittleEndian(body[16..]) : null;
                        break;
                    case "fact":
                        fact = BinaryPrimitives.ReadUInt32LittleEndian(body);
                        break;
                    case "data":
                        data = body.ToArray();
                        break;
                }
                // Chunks are word-aligned: an odd size is followed by a pad byte.
                offset += 8 + size + (size & 1);
            }
            Assert.Equal(bytes.Length, offset);
            Assert.NotNull(fmtSize);
            Assert.NotNull(data);
            return new RiffWave(riffSize, fmtSize.Value, tag!.Value, channels!.Value, rate!.Value, byteRate!.Value, align!.Value, bits!.Value, extra, fact, data);
        }

        public static byte[] Build(int formatTag, int channels, int sampleRate, int bits, byte[] data)
        {
            using var stream = new MemoryStream();
            using var writer = new BinaryWriter(stream);
            writer.Write("RIFF"u8);
            writer.Write(4 + 8 + 16 + 8 + data.Length);
            writer.Write("WAVE"u8);
            writer.Write("fmt "u8);
            writer.Write(16);
            writer.Write((ushort)formatTag);
            writer.Write((ushort)channels);
            writer.Write(sampleRate);
            writer.Write(sampleRate * channels * bits / 8);
            writer.Write((ushort)(channels * bits / 8));
            writer.Write((ushort)bits);
            writer.Write("data"u8);
            writer.Write(data.Length);
            writer.Write(data);
            writer.Flush();
            return stream.ToArray();
        }
    }
}
