using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.SyntheticModels;
using EditToAudio.Tests.Models;
using EditToAudio.Tests.Support;
using Google.Protobuf;

namespace EditToAudio.Tests.Audio;

/// <summary>Clips reach a CLAP audio encoder with a fixed input length as AudioLDM's CLAP prepares them (repeat-pad, crop).</summary>
public class ClapAudioWindowTests
{
    /// <summary>
    /// LAION-CLAP's get_audio_features written out as upstream does it: shorter clips are repeated
    /// int(max_len / len) times and padded with zeros; longer ones are cropped (at offset 0 here,
    /// where upstream draws a random offset).
    /// </summary>
    private static float[] Upstream(float[] clip, int maxLength)
    {
        if (clip.Length > maxLength)
        {
            return clip[..maxLength];
        }
        int repeats = (int)(maxLength / (double)clip.Length);
        float[] repeated = [.. Enumerable.Repeat(clip, repeats).SelectMany(c => c)];
        return [.. repeated, .. new float[maxLength - repeated.Length]];
    }

    private static float[] Ramp(int length, float offset = 1) => [.. Enumerable.Range(0, length).Select(i => offset + i)];

    [Theory]
    [InlineData(4, 16)]     // 4 whole repeats, no zeros
    [InlineData(5, 16)]     // 3 repeats, 1 zero
    [InlineData(15, 16)]    // 1 repeat, 1 zero
    [InlineData(1, 7)]
    [InlineData(9, 16)]     // 1 repeat: 16/9 rounds down
    [InlineData(16, 16)]    // passes
    [InlineData(17, 16)]    // cropped by one
    [InlineData(100, 16)]
    [InlineData(5120, 160000)]   // 0.32 s into 10 s: 31 repeats and 1280 zeros
    [InlineData(163840, 160000)] // AudioLDM's 10.24 s into CLAP's 10 s
    public void A_clip_fills_the_window_as_upstream_repeat_pads_and_crops(int clipLength, int windowLength)
    {
        float[] clip = Ramp(clipLength);
        var window = ClapAudioWindow.Fixed(windowLength);
        var fitted = new float[windowLength];

        window.Fit(clip, fitted);

        float[] expected = Upstream(clip, windowLength);
        for (int i = 0; i < windowLength; i++)
        {
            Assert.True(expected[i] == fitted[i], $"sample {i} of {windowLength}: {fitted[i]}, expected {expected[i]} (clip of {clipLength})");
        }
        Assert.Equal(windowLength, window.InputLength(clipLength));
        Assert.Equal(clipLength == windowLength, window.Passes(clipLength));
    }

    [Fact]
    public void Each_clip_of_a_batch_is_fitted_on_its_own()
    {
        const int clips = 3, length = 6, windowLength = 16;
        float[] batch = [.. Enumerable.Range(0, clips).SelectMany(c => Ramp(length, 100 * c))];

        float[] windows = ClapAudioWindow.Fixed(windowLength).FitEach(batch, clips, length);

        Assert.Equal(clips * windowLength, windows.Length);
        for (int c = 0; c < clips; c++)
        {
            Assert.Equal(Upstream(Ramp(length, 100 * c), windowLength), windows[(c * windowLength)..((c + 1) * windowLength)]);
        }
    }

    [Fact]
    public void An_encoder_of_any_length_gets_the_clips_unchanged()
    {
        float[] batch = Ramp(2 * 37);

        Assert.Same(batch, ClapAudioWindow.Dynamic.FitEach(batch, 2, 37));
        Assert.Equal(37, ClapAudioWindow.Dynamic.InputLength(37));
        Assert.Same(ClapAudioWindow.Dynamic, ClapAudioWindow.ForDeclaredLength(-1));
        Assert.Equal(160000, ClapAudioWindow.ForDeclaredLength(160000).Length);
    }

    [Fact]
    public void A_window_of_the_wrong_size_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => ClapAudioWindow.Fixed(16).Fit(new float[5], new float[15]));
        Assert.Contains("fills a window of 16, got 15", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ClapAudioWindow.Fixed(0));
    }

    [Fact]
    public void The_window_is_read_from_the_encoders_declared_input()
    {
        using var set = FixedWindowSet(16000);
        using var networks = new NetworkSet(set.Models);

        Assert.Equal(16000, ClapAudioWindow.Of(networks.Get(NetworkKind.ClapAudio)).Length);
        Assert.Null(ClapAudioWindow.Of(SyntheticSet.Networks.Get(NetworkKind.ClapAudio)).Length);
    }

    // Clips of 8, 16 and 32 latent frames (5120, 10240, 20480 samples) against a 1 s window:
    // 3 repeats and zeros, 1 repeat and zeros, cropped.
    [Theory]
    [InlineData(0.32)]
    [InlineData(0.64)]
    [InlineData(1.28)]
    public void Candidates_of_any_duration_are_ranked_on_the_fitted_window(double seconds)
    {
        const int windowLength = 16000;
        using var set = FixedWindowSet(windowLength);
        using var backend = new CpuBackend();
        using PipelineStages stages = backend.Open(set.Models);
        int frames = stages.Audio.LatentFrames(seconds);
        float[] unconditional = [.. set.Models.Constants.UnconditionalEmbedding];
        var schedule = DdimSchedule.Create(set.Models.Constants.BetaSchedule, 2, 1.0);
        var job = new DiffusionJob(schedule, new LatentShape(8, frames, 16), Conditioning(), [42UL], unconditional, Candidates: 2, Guidance: 2.5);

        using DecodedCandidates decoded = stages.Sample(job, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(frames * 4 * 160, decoded.Samples);
        for (int row = 0; row < decoded.Rows; row++)
        {
            var wave = new float[decoded.Samples];
            decoded.ReadWave(row, wave);
            double[] expected = SyntheticClapEmbedding(Upstream(wave, windowLength));
            // float32 sums of 64 powers times a normal projection cancel: the tolerance follows the vector's scale.
            double scale = expected.Max(Math.Abs);
            Tolerance.AssertClose(expected, decoded.ClapEmbeddings.AsSpan(row * 512, 512), 1e-4 * scale, 1e-4, $"CLAP embedding of candidate {row} ({seconds} s)");
        }
    }

    // The evaluation embeds clips read from disk through the same call: a 0.5 s and a 1.5 s clip against a 1 s window.
    [Theory]
    [InlineData(8000)]
    [InlineData(24000)]
    public void Clips_embedded_for_evaluation_are_fitted_to_the_window(int samples)
    {
        const int windowLength = 16000;
        using var set = FixedWindowSet(windowLength);
        using var networks = new NetworkSet(set.Models);
        var random = new Random(samples);
        float[] waves = [.. Enumerable.Range(0, 2 * samples).Select(i => (float)(0.3 * Math.Sin(0.05 * i) + 0.1 * (random.NextDouble() - 0.5)))];

        float[] embeddings = ClapAudioEncoder.Embed(networks, waves, 2, samples, TestContext.Current.CancellationToken);

        for (int row = 0; row < 2; row++)
        {
            double[] expected = SyntheticClapEmbedding(Upstream(waves[(row * samples)..((row + 1) * samples)], windowLength));
            double scale = expected.Max(Math.Abs);
            Tolerance.AssertClose(expected, embeddings.AsSpan(row * 512, 512), 1e-4 * scale, 1e-4, $"CLAP embedding of clip {row} ({samples} samples)");
        }
    }

    /// <summary>
    /// The synthetic CLAP encoder's closed form in float64 (SyntheticNetworks.ClapAudio): per whole hop the
    /// amplitude of each vocoder partial, the mean of ½·ln(a² + ε) over hops, centred over the partials, · projection.
    /// </summary>
    private static double[] SyntheticClapEmbedding(float[] wave)
    {
        const int hop = SyntheticWeights.HopLength;
        int hops = wave.Length / hop;
        var level = new double[64];
        for (int b = 0; b < 64; b++)
        {
            for (int m = 0; m < hops; m++)
            {
                double amplitude = 0;
                for (int r = 0; r < hop; r++)
                {
                    amplitude += wave[m * hop + r] * Math.Sin(2 * Math.PI * (b + 1) * r / hop);
                }
                amplitude *= 2.0 / hop;
                level[b] += 0.5 * Math.Log(amplitude * amplitude + SyntheticWeights.ClapAudioEpsilon) / hops;
            }
        }
        double mean = level.Average();
        var embedding = new double[512];
        for (int k = 0; k < 512; k++)
        {
            for (int b = 0; b < 64; b++)
            {
                embedding[k] += (level[b] - mean) * SyntheticSet.Weights.ClapAudioProjection[b * 512 + k];
            }
        }
        return embedding;
    }

    private static float[] Conditioning()
    {
        var random = new Random(5);
        float[] y = [.. Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() - 0.5))];
        double norm = Math.Sqrt(y.Sum(v => (double)v * v));
        return [.. y.Select(v => (float)(v / norm))];
    }

    /// <summary>The synthetic set with a CLAP audio encoder that takes exactly <paramref name="window"/> samples.</summary>
    private static FixedWindowModels FixedWindowSet(int window)
    {
        var folder = new TemporaryFolder();
        foreach (string file in Directory.GetFiles(SyntheticSet.Load().Folder))
        {
            File.Copy(file, folder.File(Path.GetFileName(file)));
        }
        File.WriteAllBytes(folder.File("clap_audio.onnx"), SyntheticNetworks.ClapAudio(SyntheticSet.Weights, window).ToByteArray());
        return new FixedWindowModels(folder, ModelSet.Load(folder.Path));
    }

    private sealed record FixedWindowModels(TemporaryFolder Folder, ModelSet Models) : IDisposable
    {
        public void Dispose() => Folder.Dispose();
    }
}
