using EditToAudio.Models;
using EditToAudio.Tests.Support;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Tests.Models;

/// <summary>The synthetic audio networks compute the closed forms documented in models/README.md (float64 references).</summary>
public class SyntheticAudioModelTests
{
    private static float[] Run(NetworkKind kind, params (string Name, OrtValue Value)[] inputs)
    {
        var session = SyntheticSet.Networks.Get(kind);
        using var outputs = session.Run(inputs.ToDictionary(i => i.Name, i => i.Value), TestContext.Current.CancellationToken);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static float[] Random(int count, int seed, double scale = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale))];
    }

    [Theory]
    [InlineData(2, 16, 1)]
    [InlineData(3, 256, 2)]
    public void UNet_is_the_exact_noise_predictor_for_its_clean_latent(int n, int frames, int seed)
    {
        var w = SyntheticSet.Weights;
        float[] sample = Random(n * 8 * frames * 16, seed, 3);
        float[] y = Random(n * 512, seed + 100, 0.05);
        long[] timesteps = [.. Enumerable.Range(0, n).Select(i => (long)(i * 997 % 1000))];
        using var sampleValue = OrtValue.CreateTensorValueFromMemory(sample, [n, 8, frames, 16]);
        using var timestepValue = OrtValue.CreateTensorValueFromMemory(timesteps, [n]);
        using var yValue = OrtValue.CreateTensorValueFromMemory(y, [n, 512]);
        float[] actual = Run(NetworkKind.UNet, ("sample", sampleValue), ("timestep", timestepValue), ("y", yValue));

        double[] alphaBar = BetaSchedule.AudioLdm.AlphasCumulative();
        var expected = new double[actual.Length];
        for (int item = 0; item < n; item++)
        {
            double a = Math.Sqrt(alphaBar[timesteps[item]]), s = Math.Sqrt(1 - alphaBar[timesteps[item]]);
            for (int c = 0; c < 8; c++)
            {
                for (int f = 0; f < 16; f++)
                {
                    double projection = 0;
                    for (int i = 0; i < 512; i++)
                    {
                        projection += y[item * 512 + i] * (double)w.UNetProjection[i * 128 + c * 16 + f];
                    }
                    double spectrum = projection;
                    for (int t = 0; t < frames; t++)
                    {
                        double clean = spectrum * (1 + 0.5 * Math.Sin(2 * Math.PI * t / 32));
                        int at = ((item * 8 + c) * frames + t) * 16 + f;
                        expected[at] = (sample[at] - a * clean) / s;
                    }
                }
            }
        }
        Tolerance.AssertClose(expected, actual, 1e-4, 1e-5, "UNet eps");
    }

    [Fact]
    public void Vae_decoder_mixes_the_channels_once_per_sub_bin_and_repeats_each_frame_four_times()
    {
        const int n = 2, frames = 8;
        float[] latent = Random(n * 8 * frames * 16, 5);
        using var value = OrtValue.CreateTensorValueFromMemory(latent, [n, 8, frames, 16]);
        float[] actual = Run(NetworkKind.VaeDecoder, ("latent", value));
        var expected = new double[n * 4 * frames * 64];
        for (int item = 0; item < n; item++)
        {
            for (int row = 0; row < 4 * frames; row++)
            {
                for (int col = 0; col < 64; col++)
                {
                    double sum = -3;
                    for (int c = 0; c < 8; c++)
                    {
                        sum += SyntheticSet.Weights.VaeChannelWeights[(col % 4) * 8 + c] * (double)latent[((item * 8 + c) * frames + row / 4) * 16 + col / 4];
                    }
                    expected[(item * 4 * frames + row) * 64 + col] = sum;
                }
            }
        }
        Tolerance.AssertClose(expected, actual, 1e-5, 1e-6, "VAE mel");
    }

    [Fact]
    public void Vocoder_is_additive_synthesis_of_harmonics_of_100_hz_at_a_moderate_level()
    {
        const int n = 2, frames = 12;
        float[] mel = Random(n * 64 * frames, 6, 2);
        for (int i = 0; i < mel.Length; i++)
        {
            mel[i] -= 4;
        }
        using var value = OrtValue.CreateTensorValueFromMemory(mel, [n, 64, frames]);
        float[] actual = Run(NetworkKind.Vocoder, ("mel", value));
        Assert.Equal(n * frames * 160, actual.Length);
        var expected = new double[actual.Length];
        for (int item = 0; item < n; item++)
        {
            for (int sampleIndex = 0; sampleIndex < frames * 160; sampleIndex++)
            {
                int frame = sampleIndex / 160;
                double total = 0, sum = 0;
                for (int b = 0; b < 64; b++)
                {
                    total += Math.Exp(mel[(item * 64 + b) * frames + frame]);
                }
                for (int b = 0; b < 64; b++)
                {
                    double weight = Math.Exp(mel[(item * 64 + b) * frames + frame]) / total;
                    sum += weight * Math.Sin(2 * Math.PI * (b + 1) * 100.0 * sampleIndex / 16000.0);
                }
                expected[item * frames * 160 + sampleIndex] = 0.5 * sum;
            }
        }
        Tolerance.AssertClose(expected, actual, 2e-5, 1e-5, "vocoder wave");
        // The weights of a frame sum to 1: the wave never reaches full scale, whatever the mel.
        Assert.All(actual, sample => Assert.InRange(Math.Abs(sample), 0, 0.5f + 1e-6f));
    }

    [Theory]
    [InlineData(5 * 160)]
    [InlineData(7 * 160 + 37)] // a partial hop at the end is dropped
    public void Clap_audio_encoder_reads_the_centred_mean_log_amplitude_of_each_partial_back_through_the_sound_basis(int samples)
    {
        const int n = 2;
        float[] wave = Random(n * samples, 8);
        using var value = OrtValue.CreateTensorValueFromMemory(wave, [n, samples]);
        float[] actual = Run(NetworkKind.ClapAudio, ("wave", value));
        int hops = samples / 160;
        var expected = new double[n * 512];
        for (int item = 0; item < n; item++)
        {
            var level = new double[64];
            for (int b = 0; b < 64; b++)
            {
                for (int m = 0; m < hops; m++)
                {
                    double amplitude = 0;
                    for (int r = 0; r < 160; r++)
                    {
                        amplitude += wave[item * samples + m * 160 + r] * Math.Sin(2 * Math.PI * (b + 1) * r / 160) * 2 / 160;
                    }
                    level[b] += 0.5 * Math.Log(amplitude * amplitude + 1e-12) / hops;
                }
            }
            double mean = level.Average();
            for (int k = 0; k < 512; k++)
            {
                double sum = 0;
                for (int b = 0; b < 64; b++)
                {
                    sum += (level[b] - mean) * SyntheticSet.Weights.SoundBasis[k * 64 + b];
                }
                expected[item * 512 + k] = sum;
            }
        }
        Tolerance.AssertClose(expected, actual, 2e-4, 1e-4, "CLAP audio embedding");
    }

    [Fact]
    public void Sam2_encoder_carries_a_pooled_copy_of_the_image()
    {
        float[] image = Random(3 * 1024 * 1024, 9, 2);
        using var value = OrtValue.CreateTensorValueFromMemory(image, [1, 3, 1024, 1024]);
        var session = SyntheticSet.Networks.Get(NetworkKind.Sam2Encoder);
        using var outputs = session.Run(new Dictionary<string, OrtValue> { ["image"] = value }, TestContext.Current.CancellationToken);
        var norm = ImageNormalization.Sam2;
        foreach (var (index, pool, channels) in new[] { (0, 16, 256), (1, 4, 32), (2, 8, 64) })
        {
            float[] actual = outputs[index].GetTensorDataAsSpan<float>().ToArray();
            int side = 1024 / pool;
            var expected = new double[channels * side * side];
            for (int c = 0; c < 3; c++)
            {
                for (int i = 0; i < side; i++)
                {
                    for (int j = 0; j < side; j++)
                    {
                        double sum = 0;
                        for (int y = 0; y < pool; y++)
                        {
                            for (int x = 0; x < pool; x++)
                            {
                                sum += image[(c * 1024 + i * pool + y) * 1024 + j * pool + x] * norm.Std[c] + norm.Mean[c];
                            }
                        }
                        expected[(c * side + i) * side + j] = sum / (pool * pool);
                    }
                }
            }
            Tolerance.AssertClose(expected, actual, 1e-5, 1e-5, $"SAM2 encoder output {index}");
        }
    }
}
