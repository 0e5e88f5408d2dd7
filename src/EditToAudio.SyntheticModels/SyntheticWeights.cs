using EditToAudio.Models;
using EditToAudio.Numerics;

namespace EditToAudio.SyntheticModels;

/// <summary>
/// Every number inside the synthetic model set, drawn from Philox4x32 with the set's seed (one
/// stream per tensor), so the set is reproducible byte for byte and tests can compute what each
/// network must output in float64. Matrices are row-major [inputs, outputs].
/// </summary>
public sealed class SyntheticWeights
{
    /// <summary>The default seed of the bundled set.</summary>
    public const int DefaultSeed = 20240601;

    /// <summary>Hidden width of the SSV2A MLPs.</summary>
    public const int Hidden = 64;

    /// <summary>LayerNorm epsilon of the SSV2A MLPs.</summary>
    public const float LayerNormEpsilon = 1e-5f;

    /// <summary>Number of pixel statistics per CLIP patch: per-channel mean and mean of squares.</summary>
    public const int ClipFeatures = 6;

    /// <summary>SAM2: color distance (squared, RGB in [0, 1]) under which a cell belongs to the positive point's object, per returned mask (0: single-mask output, 1..3: multi-mask outputs).</summary>
    public static IReadOnlyList<float> Sam2Thresholds { get; } = [0.2f, 0.05f, 0.2f, 0.6f];

    /// <summary>SAM2: logits = sharpness · (min(threshold, nearest negative distance) − nearest positive distance).</summary>
    public const float Sam2Sharpness = 100f;

    /// <summary>SAM2: a distance large enough to exclude padding or the other label from a minimum.</summary>
    public const float Sam2Excluded = 1000f;

    /// <summary>SAM2: the constant IoU predictions of the four masks (the best multi-mask one is index 2).</summary>
    public static IReadOnlyList<float> Sam2IouPredictions { get; } = [0.9f, 0.8f, 0.95f, 0.7f];

    /// <summary>
    /// Dimension of the synthetic sound space: the 64 mel bins the VAE decoder fills, the vocoder
    /// sounds and the CLAP audio encoder reads back, each bin one column of <see cref="SoundBasis"/>.
    /// </summary>
    public const int SoundBins = 64;

    /// <summary>Mel sub-bins per latent frequency bin (64 mel bins from 16 latent bins).</summary>
    public const int SubBins = SoundBins / 16;

    /// <summary>UNet: gain from a CLAP embedding's sound-space coordinates to the clean latent (mel spread about ±0.5 at guidance 2.5).</summary>
    public const double SoundGain = 0.8;

    /// <summary>CLAP audio: added to each partial's squared amplitude before the log, so silence gives a finite (zero) embedding.</summary>
    public const float ClapAudioEpsilon = 1e-12f;

    /// <summary>The synthetic label table's names (their embeddings are <see cref="LabelEmbeddings"/>).</summary>
    public static IReadOnlyList<string> LabelNames { get; } =
        ["a cat meowing", "a dog barking", "a duck quacking", "birds chirping", "a car engine running", "rain falling", "people talking", "a bell ringing"];

    /// <summary>UNet: period in latent frames of the clean latent's time modulation.</summary>
    public const int UNetModulationPeriod = 32;

    /// <summary>UNet: depth of the clean latent's time modulation.</summary>
    public const float UNetModulationDepth = 0.5f;

    /// <summary>VAE: constant added to the decoded log-mel (log amplitude of silence-ish bins).</summary>
    public const float VaeOffset = -3f;

    /// <summary>VAE scale factor written to the manifest (not 1, so a sampler that forgets it is caught).</summary>
    public const double VaeScaleFactor = 0.5;

    /// <summary>Vocoder: the largest amplitude of the wave (−6 dBFS), since the partials' weights of a frame sum to 1.</summary>
    public const float VocoderGain = 0.5f;

    /// <summary>Vocoder: fundamental of the additive synthesis; bin b sounds at (b + 1)·100 Hz, which repeats every hop.</summary>
    public const double VocoderFundamentalHz = 100;

    /// <summary>Vocoder and audio: samples per mel frame.</summary>
    public const int HopLength = 160;

    /// <summary>Audio sample rate.</summary>
    public const int SampleRate = 16000;

    private SyntheticWeights(int seed)
    {
        Seed = seed;
        int stream = 0;
        float[] Normal(int count, double scale, double offset = 0)
        {
            var values = new float[count];
            Philox4x32.FillNormal((ulong)(uint)seed, 0xFF00_0000_0000_0000UL | (uint)stream++, 0, values);
            for (int i = 0; i < count; i++)
            {
                values[i] = (float)(values[i] * scale + offset);
            }
            return values;
        }

        ClipPatchWeight = Normal(ClipFeatures * 768, 1 / Math.Sqrt(ClipFeatures));
        ClipPatchBias = Normal(768, 0.1);
        ClipClsWeight = Normal(ClipFeatures * 768, 1 / Math.Sqrt(ClipFeatures));
        ClipClsBias = Normal(768, 0.1);

        Manifold = new MlpWeights(768, 768,
            Normal(768, 0.1, 1), Normal(768, 0.1), Normal(768 * Hidden, 1 / Math.Sqrt(768)), Normal(Hidden, 0.1),
            Normal(Hidden * 768, 0.05 / Math.Sqrt(Hidden)), Normal(768, 0.01),
            Normal(Hidden * 768, 0.5 / Math.Sqrt(Hidden)), Normal(768, 0.1, -6), Residual: true);
        Generator = new MlpWeights(768, 512,
            Normal(768, 0.1, 1), Normal(768, 0.1), Normal(768 * Hidden, 1 / Math.Sqrt(768)), Normal(Hidden, 0.1),
            Normal(Hidden * 512, 1 / Math.Sqrt(Hidden)), Normal(512, 0.1),
            Normal(Hidden * 512, 0.5 / Math.Sqrt(Hidden)), Normal(512, 0.1, -4), Residual: false);

        float[] basisDraws = Normal(512 * SoundBins, 1);
        VaeChannelWeights = Normal(SubBins * 8, 1 / Math.Sqrt(8));
        // Stream 22 is no longer drawn; skipping it keeps the unconditional embedding's values.
        stream++;

        float[] unconditional = Normal(512, 1);
        double norm = Math.Sqrt(unconditional.Sum(v => (double)v * v));
        UnconditionalEmbedding = [.. unconditional.Select(v => (float)(v / norm))];

        double[][] basis = SoundSpace.OrthonormalBasis(UnconditionalEmbedding, basisDraws, SoundBins);
        SoundBasis = SoundSpace.ToRowMajor(basis);
        UNetProjection = SoundSpace.UNetProjection(basis, VaeChannelWeights, SoundGain);
        ClapAudioProjection = SoundSpace.Transposed(basis);
        LabelEmbeddings = SoundSpace.Embeddings(basis, Normal(LabelNames.Count * SoundBins, 1));
    }

    /// <summary>The seed everything was drawn with.</summary>
    public int Seed { get; }

    /// <summary>CLIP patch token = features · ClipPatchWeight [6, 768] + ClipPatchBias.</summary>
    public float[] ClipPatchWeight { get; }

    /// <summary>Bias of the patch projection.</summary>
    public float[] ClipPatchBias { get; }

    /// <summary>CLS token = whole-image features · ClipClsWeight [6, 768] + ClipClsBias.</summary>
    public float[] ClipClsWeight { get; }

    /// <summary>Bias of the CLS projection.</summary>
    public float[] ClipClsBias { get; }

    /// <summary>SSV2A manifold (768 → 768, residual μ).</summary>
    public MlpWeights Manifold { get; }

    /// <summary>SSV2A generator (768 → 512).</summary>
    public MlpWeights Generator { get; }

    /// <summary>
    /// The sound space: 64 orthonormal columns, row-major [512, 64], each orthogonal to the
    /// unconditional embedding. Mel bin b of a clip carries the embedding's coordinate on column b.
    /// </summary>
    public float[] SoundBasis { get; }

    /// <summary>
    /// UNet: the clean latent's spectrum per (channel, frequency) is y · UNetProjection [512, 8·16];
    /// built so that the VAE's mix of the 8 channels into mel sub-bin j of frequency f is
    /// <see cref="SoundGain"/> · y · SoundBasis[:, 4f+j].
    /// </summary>
    public float[] UNetProjection { get; }

    /// <summary>VAE: mel[4t+i, 4f+j] = Σ_c V[j, c] · latent[c, t, f] + offset, V = VaeChannelWeights [4, 8].</summary>
    public float[] VaeChannelWeights { get; }

    /// <summary>CLAP audio: embedding = (centred mean log amplitude per partial) · ClapAudioProjection [64, 512] (the sound basis transposed).</summary>
    public float[] ClapAudioProjection { get; }

    /// <summary>The label table's rows, [<see cref="LabelNames"/>.Count, 512]: unit vectors in the sound space with zero-mean coordinates.</summary>
    public float[] LabelEmbeddings { get; }

    /// <summary>The set's unconditional (empty-string) embedding, unit length.</summary>
    public float[] UnconditionalEmbedding { get; }

    /// <summary>ᾱ of the schedule, float64.</summary>
    public static double[] AlphaBar => BetaSchedule.AudioLdm.AlphasCumulative();

    /// <summary>Draws every weight for <paramref name="seed"/>.</summary>
    public static SyntheticWeights Create(int seed = DefaultSeed) => new(seed);
}

/// <summary>
/// An SSV2A-style MLP: h = GELU(LayerNorm(x)·γ+β) · W1 + b1) (exact erf GELU, applied after W1),
/// μ = [x +] h·Wμ + bμ, log σ² = h·Wv + bv.
/// </summary>
/// <param name="Inputs">Input width.</param>
/// <param name="Outputs">Output width.</param>
/// <param name="LayerNormGamma">LayerNorm scale [Inputs].</param>
/// <param name="LayerNormBeta">LayerNorm shift [Inputs].</param>
/// <param name="HiddenWeight">W1 [Inputs, Hidden].</param>
/// <param name="HiddenBias">b1 [Hidden].</param>
/// <param name="MuWeight">Wμ [Hidden, Outputs].</param>
/// <param name="MuBias">bμ [Outputs].</param>
/// <param name="LogVarWeight">Wv [Hidden, Outputs].</param>
/// <param name="LogVarBias">bv [Outputs].</param>
/// <param name="Residual">True when μ adds the input (needs Inputs = Outputs).</param>
public sealed record MlpWeights(
    int Inputs, int Outputs,
    float[] LayerNormGamma, float[] LayerNormBeta,
    float[] HiddenWeight, float[] HiddenBias,
    float[] MuWeight, float[] MuBias,
    float[] LogVarWeight, float[] LogVarBias,
    bool Residual);
