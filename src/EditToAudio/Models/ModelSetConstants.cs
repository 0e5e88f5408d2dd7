namespace EditToAudio.Models;

/// <summary>
/// The diffusion noise schedule: <c>betas = linspace(√BetaStart, √BetaEnd, Steps)²</c>
/// (AudioLDM's "scaled linear" schedule).
/// </summary>
/// <param name="Steps">Number of training timesteps (1000).</param>
/// <param name="BetaStart">First beta (0.0015).</param>
/// <param name="BetaEnd">Last beta (0.0195).</param>
public sealed record BetaSchedule(int Steps, double BetaStart, double BetaEnd)
{
    /// <summary>The only schedule kind the engine implements.</summary>
    public const string ScaledLinear = "scaled_linear";

    /// <summary>AudioLDM v1's schedule.</summary>
    public static BetaSchedule AudioLdm { get; } = new(1000, 0.0015, 0.0195);

    /// <summary>The betas, computed in float64.</summary>
    public double[] Betas()
    {
        double first = Math.Sqrt(BetaStart), last = Math.Sqrt(BetaEnd);
        var betas = new double[Steps];
        for (int t = 0; t < Steps; t++)
        {
            double root = Steps == 1 ? first : first + (last - first) * t / (Steps - 1);
            betas[t] = root * root;
        }
        return betas;
    }

    /// <summary>ᾱ_t = ∏_{s≤t} (1 − β_s), computed in float64.</summary>
    public double[] AlphasCumulative()
    {
        double[] betas = Betas();
        var alphaBar = new double[Steps];
        double product = 1;
        for (int t = 0; t < Steps; t++)
        {
            product *= 1 - betas[t];
            alphaBar[t] = product;
        }
        return alphaBar;
    }
}

/// <summary>Per-channel image normalization and input size of an image network.</summary>
/// <param name="Mean">Mean per RGB channel, on values scaled to [0, 1].</param>
/// <param name="Std">Standard deviation per RGB channel.</param>
/// <param name="ImageSize">Side of the square network input in pixels.</param>
public sealed record ImageNormalization(IReadOnlyList<double> Mean, IReadOnlyList<double> Std, int ImageSize)
{
    /// <summary>OpenAI CLIP's constants at 224 px.</summary>
    public static ImageNormalization Clip { get; } = new(
        [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711], 224);

    /// <summary>SAM2's (ImageNet) constants at 1024 px.</summary>
    public static ImageNormalization Sam2 { get; } = new([0.485, 0.456, 0.406], [0.229, 0.224, 0.225], 1024);
}

/// <summary>How the CLIP token tensor is laid out.</summary>
/// <param name="Tokens">Tokens per image (257).</param>
/// <param name="Grid">Side of the patch grid (16).</param>
/// <param name="PatchSize">Patch side in pixels (14).</param>
/// <param name="Width">Token width (768).</param>
/// <param name="ClsIndex">Index of the CLS token (0); the patch tokens follow row-major.</param>
public sealed record TokenLayout(int Tokens, int Grid, int PatchSize, int Width, int ClsIndex)
{
    /// <summary>ViT-L/14 at 224 px after proj.</summary>
    public static TokenLayout ClipVitL14 { get; } = new(257, 16, 14, 768, 0);
}

/// <summary>The constants that belong to a model set rather than to the engine.</summary>
/// <param name="SampleRate">Waveform sample rate in Hz (16000).</param>
/// <param name="HopLength">Waveform samples per mel frame (160).</param>
/// <param name="VaeScaleFactor">The latent is divided by this before the VAE decoder.</param>
/// <param name="BetaSchedule">The diffusion schedule.</param>
/// <param name="UnconditionalEmbedding">CLAP text embedding of the empty string (512 floats), for guidance.</param>
/// <param name="Clip">CLIP normalization and size.</param>
/// <param name="Sam2">SAM2 normalization and size.</param>
/// <param name="Tokens">CLIP token layout.</param>
public sealed record ModelSetConstants(
    int SampleRate,
    int HopLength,
    double VaeScaleFactor,
    BetaSchedule BetaSchedule,
    IReadOnlyList<float> UnconditionalEmbedding,
    ImageNormalization Clip,
    ImageNormalization Sam2,
    TokenLayout Tokens);

/// <summary>The precision of a set's weights and arithmetic; network inputs and outputs are float32 either way.</summary>
public enum ModelPrecision
{
    /// <summary>float32 weights (CPU sets; <c>"fp32"</c>, the default).</summary>
    Fp32,

    /// <summary>float16 weights and arithmetic, for GPUs (<c>"fp16"</c>).</summary>
    Fp16,
}
