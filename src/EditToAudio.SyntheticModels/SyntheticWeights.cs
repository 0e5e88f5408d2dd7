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
            for (int i = 0; i < count; i++) values[i] = (float)(values[i] * scale + offset);
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

        UNetProjection = Normal(512 * 8 * 16, 1);
        VaeChannelWeights = Normal(8, 1 / Math.Sqrt(8));
        ClapAudioProjection = Normal(64 * 512, 1);

        float[] unconditional = Normal(512, 1);
        double norm = Math.Sqrt(unconditional.Sum(v => (double)v * v));
        UnconditionalEmbedding = [.. unconditional.Select(v => (float)(v / norm))];
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

    /// <summary>UNet: g = tanh(y · UNetProjection [512, 8·16]), the clean latent's spectrum per (channel, frequency).</summary>
    public float[] UNetProjection { get; }

    /// <summary>VAE: mel cell = Σ_c w_c · latent_c + offset, each latent cell repeated 4×4.</summary>
    public float[] VaeChannelWeights { get; }

    /// <summary>CLAP audio: embedding = (mean power per harmonic) · ClapAudioProjection [64, 512].</summary>
    public float[] ClapAudioProjection { get; }

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
