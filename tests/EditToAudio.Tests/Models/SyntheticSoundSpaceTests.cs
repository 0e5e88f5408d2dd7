using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.IO;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Numerics;
using EditToAudio.SyntheticModels;
using EditToAudio.Tests.Evaluation;
using EditToAudio.Tests.Support;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Tests.Models;

/// <summary>
/// The synthetic set is built so that a clip scores highest against the embedding it was generated
/// from: the clip carries the embedding's coordinates in the sound basis (one per mel bin) and the
/// CLAP audio encoder reads them back. These tests check each link in float64 and then the property
/// through the whole sampler; none relies on the vocoder's level.
/// </summary>
public class SyntheticSoundSpaceTests
{
    private const int Bins = SyntheticWeights.SoundBins;

    private static SyntheticWeights W => SyntheticSet.Weights;

    private static double Basis(int i, int b) => W.SoundBasis[i * Bins + b];

    [Fact]
    public void The_sound_basis_is_orthonormal_and_orthogonal_to_the_unconditional_embedding()
    {
        var gram = new double[Bins * Bins];
        var expected = new double[Bins * Bins];
        var againstUnconditional = new double[Bins];
        for (int a = 0; a < Bins; a++)
        {
            expected[a * Bins + a] = 1;
            for (int b = 0; b < Bins; b++)
            {
                double dot = 0;
                for (int i = 0; i < 512; i++)
                {
                    dot += Basis(i, a) * Basis(i, b);
                }
                gram[a * Bins + b] = dot;
            }
            for (int i = 0; i < 512; i++)
            {
                againstUnconditional[a] += Basis(i, a) * W.UnconditionalEmbedding[i];
            }
        }
        Tolerance.AssertClose(expected, gram, 1e-6, 0, "AᵀA", i => $"({i / Bins}, {i % Bins})");
        Tolerance.AssertClose(new double[Bins], againstUnconditional, 1e-6, 0, "Aᵀu");
    }

    [Fact]
    public void The_unet_and_vae_weights_compose_to_the_gain_times_the_sound_basis()
    {
        // mel sub-bin j of frequency f = Σ_c V[j,c]·(y·U[:, 16c+f]) must be gain·y·A[:, 4f+j] for every y.
        var composed = new double[512 * Bins];
        var expected = new double[512 * Bins];
        for (int i = 0; i < 512; i++)
        {
            for (int f = 0; f < 16; f++)
            {
                for (int j = 0; j < SyntheticWeights.SubBins; j++)
                {
                    double sum = 0;
                    for (int c = 0; c < 8; c++)
                    {
                        sum += (double)W.VaeChannelWeights[j * 8 + c] * W.UNetProjection[i * 128 + c * 16 + f];
                    }
                    composed[i * Bins + 4 * f + j] = sum;
                    expected[i * Bins + 4 * f + j] = SyntheticWeights.SoundGain * Basis(i, 4 * f + j);
                }
            }
        }
        Tolerance.AssertClose(expected, composed, 1e-6, 1e-5, "V·U vs gain·A");
    }

    [Fact]
    public void The_bundled_label_table_is_the_generated_one_and_lies_in_the_sound_space()
    {
        ModelSet set = SyntheticSet.Load();
        Assert.Equal(SyntheticWeights.LabelNames, set.Manifest.Labels!.Names);
        float[] bundled = Npy.Read(Path.Combine(set.Folder, set.Manifest.Labels.File)).ToSingle();
        Assert.Equal(W.LabelEmbeddings, bundled);
        LabelTable table = LabelTable.FromModelSet(set);
        for (int row = 0; row < SyntheticWeights.LabelNames.Count; row++)
        {
            float[] label = table.Embedding(SyntheticWeights.LabelNames[row]).ToArray();
            // Unit length, its coordinates z = Aᵀy sum to zero, and y = Az (nothing outside the space).
            var z = new double[Bins];
            for (int b = 0; b < Bins; b++)
            {
                for (int i = 0; i < 512; i++)
                {
                    z[b] += Basis(i, b) * label[i];
                }
            }
            var rebuilt = new double[512];
            for (int i = 0; i < 512; i++)
            {
                for (int b = 0; b < Bins; b++)
                {
                    rebuilt[i] += Basis(i, b) * z[b];
                }
            }
            Assert.Equal(1.0, Math.Sqrt(label.Sum(v => (double)v * v)), 6);
            Assert.True(Math.Abs(z.Sum()) < 1e-5, $"label {row}: coordinates sum to {z.Sum()}");
            Tolerance.AssertClose(rebuilt, label, 1e-6, 0, $"label {row} rebuilt from its coordinates");
        }
    }

    [Theory]
    [InlineData(-9.0)]
    [InlineData(-3.0)]
    [InlineData(4.0)]
    public void The_clap_audio_encoder_returns_the_mel_code_through_the_basis_at_any_level(double level)
    {
        // A zero-mean code per bin, time-modulated as the UNet's clean latent is.
        const int frames = 64;
        var code = new double[Bins];
        var draws = new float[Bins];
        Philox4x32.FillNormal(7, 0, 0, draws);
        for (int b = 0; b < Bins; b++)
        {
            code[b] = 0.5 * (draws[b] - draws.Average());
        }
        var mel = new float[Bins * frames];
        for (int b = 0; b < Bins; b++)
        {
            for (int t = 0; t < frames; t++)
            {
                mel[b * frames + t] = (float)(level + code[b] * (1 + 0.5 * Math.Sin(2 * Math.PI * (t / 4) / 32)));
            }
        }
        using var melValue = OrtValue.CreateTensorValueFromMemory(mel, [1, Bins, frames]);
        using var waves = SyntheticSet.Networks.Get(NetworkKind.Vocoder).Run(new Dictionary<string, OrtValue> { ["mel"] = melValue }, TestContext.Current.CancellationToken);
        float[] wave = waves[0].GetTensorDataAsSpan<float>().ToArray();
        float[] embedding = ClapAudioEncoder.Embed(SyntheticSet.Networks, wave, 1, wave.Length, TestContext.Current.CancellationToken);

        var expected = new double[512];
        for (int i = 0; i < 512; i++)
        {
            for (int b = 0; b < Bins; b++)
            {
                expected[i] += Basis(i, b) * code[b];
            }
        }
        Tolerance.AssertCosine(expected, embedding, 0.9999, $"CLAP audio embedding of a clip at mel level {level}");
    }

    [Fact]
    public void A_clip_scores_higher_against_the_embedding_it_was_generated_from_than_against_any_other()
    {
        // The label table's rows (in the sound space) and random unit embeddings (mostly outside it).
        var embeddings = new List<float[]>();
        for (int row = 0; row < SyntheticWeights.LabelNames.Count; row++)
        {
            embeddings.Add(W.LabelEmbeddings.AsSpan(row * 512, 512).ToArray());
        }
        for (int r = 0; r < 8; r++)
        {
            var draws = new float[512];
            Philox4x32.FillNormal(11, (ulong)r, 0, draws);
            double norm = Math.Sqrt(draws.Sum(v => (double)v * v));
            embeddings.Add([.. draws.Select(v => (float)(v / norm))]);
        }
        var options = new AudioOptions { Sampler = new SamplerOptions { Steps = 25 }, Candidates = 1, Duration = 1.28 };
        AudioGenerator generator = SyntheticSet.Stages.Audio;
        AudioClip[] clips = generator.GenerateBatch(embeddings, [.. embeddings.Select((_, i) => (ulong)i)], options, cancellationToken: TestContext.Current.CancellationToken);
        int samples = clips[0].Waveform.Length;
        float[] audio = ClapAudioEncoder.Embed(SyntheticSet.Networks, [.. clips.SelectMany(c => c.Waveform)], clips.Length, samples, TestContext.Current.CancellationToken);

        int labels = SyntheticWeights.LabelNames.Count;
        for (int i = 0; i < embeddings.Count; i++)
        {
            ReadOnlySpan<float> clip = audio.AsSpan(i * 512, 512);
            double own = Float64Reference.Cosine(clip, embeddings[i]);
            // A label's clip against every embedding; a random embedding's clip, which carries only
            // its part in the 64-dimensional sound space, against the other random ones (a label,
            // being all sound, can be nearer to that part than the embedding itself).
            for (int j = i < labels ? 0 : labels; j < embeddings.Count; j++)
            {
                double other = Float64Reference.Cosine(clip, embeddings[j]);
                Assert.True(j == i || own > other + 0.05,
                    $"clip {i} scores {own:F4} against its own embedding and {other:F4} against embedding {j}");
            }
            // Labels lie in the sound space: their clips come back close to them (the bound leaves room for
            // a vocoder that compresses loud partials, where it drops to about 0.86).
            if (i < SyntheticWeights.LabelNames.Count)
            {
                Assert.True(own > 0.75, $"label {i}'s clip scores {own:F4} against its label");
            }
        }
    }
}
