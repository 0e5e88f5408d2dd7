namespace EditToAudio.Models;

/// <summary>
/// What one network must look like: its manifest key, inputs and outputs. Each network's contract is
/// its own class whose properties name its tensors (<c>NetworkContracts.ClipTokens.PixelValues.Name</c>),
/// so code that feeds or reads a network takes the names from here, never from a string of its own.
/// </summary>
public abstract class NetworkContract
{
    /// <summary>Describes network <paramref name="kind"/>, keyed <paramref name="key"/> in <c>models.json</c>.</summary>
    protected NetworkContract(NetworkKind kind, string key, bool isOptional = false)
    {
        Kind = kind;
        Key = key;
        IsOptional = isOptional;
    }

    /// <summary>Which network.</summary>
    public NetworkKind Kind { get; }

    /// <summary>The key of the network in <c>models.json</c>.</summary>
    public string Key { get; }

    /// <summary>True when a model set may leave the network out.</summary>
    public bool IsOptional { get; }

    /// <summary>Inputs in the order the engine feeds them (set by each contract's constructor).</summary>
    public IReadOnlyList<TensorContract> Inputs { get; protected init; } = [];

    /// <summary>Outputs in the order the engine reads them (set by each contract's constructor).</summary>
    public IReadOnlyList<TensorContract> Outputs { get; protected init; } = [];

    /// <summary>The input named <paramref name="name"/>.</summary>
    public TensorContract Input(string name) => Inputs.Single(i => i.Name == name);

    /// <summary>The output named <paramref name="name"/>.</summary>
    public TensorContract Output(string name) => Outputs.Single(o => o.Name == name);

    /// <inheritdoc/>
    public override string ToString() => Key;
}

/// <summary>SAM2 image encoder: the image normalized with ImageNet mean/std at 1024×1024.</summary>
public sealed class Sam2EncoderContract : NetworkContract
{
    internal Sam2EncoderContract() : base(NetworkKind.Sam2Encoder, "sam2_encoder")
    {
        Inputs = [Image];
        Outputs = [ImageEmbed, HighResFeats0, HighResFeats1];
    }

    /// <summary>The preprocessed image [1,3,1024,1024].</summary>
    public TensorContract Image { get; } = TensorContract.OfFloat("image", "1,3,1024,1024");

    /// <summary>Image embedding [1,256,64,64].</summary>
    public TensorContract ImageEmbed { get; } = Sam2Features.ImageEmbed;

    /// <summary>High-resolution features, level 0 [1,32,256,256].</summary>
    public TensorContract HighResFeats0 { get; } = Sam2Features.HighResFeats0;

    /// <summary>High-resolution features, level 1 [1,64,128,128].</summary>
    public TensorContract HighResFeats1 { get; } = Sam2Features.HighResFeats1;
}

/// <summary>SAM2 decoder: points in 1024×1024 input coordinates, labels 1 positive / 0 negative.</summary>
public sealed class Sam2DecoderContract : NetworkContract
{
    internal Sam2DecoderContract() : base(NetworkKind.Sam2Decoder, "sam2_decoder")
    {
        Inputs = [ImageEmbed, HighResFeats0, HighResFeats1, PointCoords, PointLabels, MaskInput, HasMaskInput];
        Outputs = [Masks, IouPredictions];
    }

    /// <summary>The encoder's image embedding.</summary>
    public TensorContract ImageEmbed { get; } = Sam2Features.ImageEmbed;

    /// <summary>The encoder's level-0 features.</summary>
    public TensorContract HighResFeats0 { get; } = Sam2Features.HighResFeats0;

    /// <summary>The encoder's level-1 features.</summary>
    public TensorContract HighResFeats1 { get; } = Sam2Features.HighResFeats1;

    /// <summary>Point coordinates [L,P,2] in the 1024 frame.</summary>
    public TensorContract PointCoords { get; } = TensorContract.OfFloat("point_coords", "L,P,2");

    /// <summary>Point labels [L,P].</summary>
    public TensorContract PointLabels { get; } = TensorContract.OfFloat("point_labels", "L,P");

    /// <summary>A previous mask's logits [L,1,256,256] (zeros when none).</summary>
    public TensorContract MaskInput { get; } = TensorContract.OfFloat("mask_input", "L,1,256,256");

    /// <summary>Whether <see cref="MaskInput"/> holds a mask [L].</summary>
    public TensorContract HasMaskInput { get; } = TensorContract.OfFloat("has_mask_input", "L");

    /// <summary>Mask logits [L,M,256,256].</summary>
    public TensorContract Masks { get; } = TensorContract.OfFloat("masks", "L,M,256,256");

    /// <summary>Predicted IoU per mask [L,M].</summary>
    public TensorContract IouPredictions { get; } = TensorContract.OfFloat("iou_predictions", "L,M");
}

/// <summary>CLIP ViT-L/14 visual tower, all tokens after ln_post and proj (not normalized).</summary>
public sealed class ClipTokensContract : NetworkContract
{
    internal ClipTokensContract() : base(NetworkKind.ClipTokens, "clip_tokens")
    {
        Inputs = [PixelValues];
        Outputs = [Tokens];
    }

    /// <summary>Preprocessed images [B,3,224,224].</summary>
    public TensorContract PixelValues { get; } = TensorContract.OfFloat("pixel_values", "B,3,224,224");

    /// <summary>Every token [B,257,768].</summary>
    public TensorContract Tokens { get; } = TensorContract.OfFloat("tokens", "B,257,768");
}

/// <summary>An SSV2A stage: μ and log σ² (named log_sigma as in the design brief) of its input.</summary>
public sealed class Ssv2aStageContract : NetworkContract
{
    internal Ssv2aStageContract(NetworkKind kind, string key, string inputName, int outputWidth) : base(kind, key)
    {
        Clip = TensorContract.OfFloat(inputName, "N,768");
        Mu = TensorContract.OfFloat("mu", $"N,{outputWidth}");
        LogSigma = TensorContract.OfFloat("log_sigma", $"N,{outputWidth}");
        Inputs = [Clip];
        Outputs = [Mu, LogSigma];
    }

    /// <summary>The CLIP-space input [N,768]: a CLIP embedding (manifold) or the manifold's fold (generator).</summary>
    public TensorContract Clip { get; }

    /// <summary>μ [N,width].</summary>
    public TensorContract Mu { get; }

    /// <summary>log σ² [N,width].</summary>
    public TensorContract LogSigma { get; }
}

/// <summary>AudioLDM UNet: ε for a latent at an integer timestep, conditioned on a CLAP embedding.</summary>
public sealed class UNetContract : NetworkContract
{
    internal UNetContract() : base(NetworkKind.UNet, "unet")
    {
        Inputs = [Sample, Timestep, Y];
        Outputs = [Eps];
    }

    /// <summary>Latents [N,8,T,16].</summary>
    public TensorContract Sample { get; } = TensorContract.OfFloat("sample", "N,8,T,16");

    /// <summary>Timesteps [N] (int64).</summary>
    public TensorContract Timestep { get; } = TensorContract.Of("timestep", TensorDataType.Int64, "N");

    /// <summary>CLAP conditioning [N,512].</summary>
    public TensorContract Y { get; } = TensorContract.OfFloat("y", "N,512");

    /// <summary>Predicted noise [N,8,T,16].</summary>
    public TensorContract Eps { get; } = TensorContract.OfFloat("eps", "N,8,T,16");
}

/// <summary>AudioLDM VAE decoder: a (scaled-back) latent to a log-mel spectrogram.</summary>
public sealed class VaeDecoderContract : NetworkContract
{
    internal VaeDecoderContract() : base(NetworkKind.VaeDecoder, "vae_decoder")
    {
        Inputs = [Latent];
        Outputs = [Mel];
    }

    /// <summary>Latents divided by the scale factor [N,8,T,16].</summary>
    public TensorContract Latent { get; } = TensorContract.OfFloat("latent", "N,8,T,16");

    /// <summary>Log-mel [N,1,4T,64].</summary>
    public TensorContract Mel { get; } = TensorContract.OfFloat("mel", "N,1,4T,64");
}

/// <summary>HiFi-GAN vocoder: log-mel (bins × frames) to a waveform, hop 160.</summary>
public sealed class VocoderContract : NetworkContract
{
    internal VocoderContract() : base(NetworkKind.Vocoder, "vocoder")
    {
        Inputs = [Mel];
        Outputs = [Wave];
    }

    /// <summary>Log-mel, bins before frames [N,64,4T].</summary>
    public TensorContract Mel { get; } = TensorContract.OfFloat("mel", "N,64,4T");

    /// <summary>Waveform [N,640T].</summary>
    public TensorContract Wave { get; } = TensorContract.OfFloat("wave", "N,640T");
}

/// <summary>CLAP audio encoder (optional): waveform at the set's sample rate to a CLAP embedding.</summary>
public sealed class ClapAudioContract : NetworkContract
{
    internal ClapAudioContract() : base(NetworkKind.ClapAudio, "clap_audio", isOptional: true)
    {
        Inputs = [Wave];
        Outputs = [Embedding];
    }

    /// <summary>Waveforms [N,S].</summary>
    public TensorContract Wave { get; } = TensorContract.OfFloat("wave", "N,S");

    /// <summary>CLAP audio embeddings [N,512].</summary>
    public TensorContract Embedding { get; } = TensorContract.OfFloat("embedding", "N,512");
}

/// <summary>
/// The contracts of every network, as documented in <c>models/README.md</c>. Symbols: B, N, L
/// are batch sizes; T the latent length (10.24 s = 256); P the number of prompt points; M the
/// number of masks the SAM2 decoder returns (4: index 0 the single-mask output, 1..3 the
/// multi-mask outputs); S the waveform length of the CLAP input.
/// </summary>
public static class NetworkContracts
{
    /// <summary>SAM2 image encoder.</summary>
    public static Sam2EncoderContract Sam2Encoder { get; } = new();

    /// <summary>SAM2 prompt and mask decoder.</summary>
    public static Sam2DecoderContract Sam2Decoder { get; } = new();

    /// <summary>CLIP ViT-L/14 tokens.</summary>
    public static ClipTokensContract ClipTokens { get; } = new();

    /// <summary>SSV2A manifold, CLIP side: CLIP → (μ, log σ²) in CLIP space.</summary>
    public static Ssv2aStageContract Ssv2aManifold { get; } = new(NetworkKind.Ssv2aManifold, "ssv2a_manifold", "clip", 768);

    /// <summary>SSV2A generator: CLIP-space fold → (μ, log σ²) in CLAP space.</summary>
    public static Ssv2aStageContract Ssv2aGenerator { get; } = new(NetworkKind.Ssv2aGenerator, "ssv2a_generator", "x", 512);

    /// <summary>AudioLDM UNet.</summary>
    public static UNetContract UNet { get; } = new();

    /// <summary>AudioLDM VAE decoder.</summary>
    public static VaeDecoderContract VaeDecoder { get; } = new();

    /// <summary>HiFi-GAN vocoder.</summary>
    public static VocoderContract Vocoder { get; } = new();

    /// <summary>CLAP audio encoder (optional).</summary>
    public static ClapAudioContract ClapAudio { get; } = new();

    /// <summary>Every contract, in pipeline order.</summary>
    public static IReadOnlyList<NetworkContract> All { get; } =
        [Sam2Encoder, Sam2Decoder, ClipTokens, Ssv2aManifold, Ssv2aGenerator, UNet, VaeDecoder, Vocoder, ClapAudio];

    /// <summary>The contract of <paramref name="kind"/>.</summary>
    public static NetworkContract For(NetworkKind kind) => All.Single(c => c.Kind == kind);

    /// <summary>The contract whose manifest key is <paramref name="key"/>, or null.</summary>
    public static NetworkContract? ForKey(string key) => All.SingleOrDefault(c => c.Key == key);
}

/// <summary>The SAM2 features the encoder writes and the decoder reads, under one name each.</summary>
internal static class Sam2Features
{
    public static TensorContract ImageEmbed { get; } = TensorContract.OfFloat("image_embed", "1,256,64,64");

    public static TensorContract HighResFeats0 { get; } = TensorContract.OfFloat("high_res_feats_0", "1,32,256,256");

    public static TensorContract HighResFeats1 { get; } = TensorContract.OfFloat("high_res_feats_1", "1,64,128,128");
}
