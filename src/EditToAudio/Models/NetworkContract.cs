namespace EditToAudio.Models;

/// <summary>What one network must look like: its manifest key, inputs and outputs.</summary>
/// <param name="Kind">Which network.</param>
/// <param name="Key">The key of the network in <c>models.json</c>.</param>
/// <param name="Inputs">Inputs in the order the engine feeds them.</param>
/// <param name="Outputs">Outputs in the order the engine reads them.</param>
/// <param name="IsOptional">True when a model set may leave the network out.</param>
public sealed record NetworkContract(
    NetworkKind Kind,
    string Key,
    IReadOnlyList<TensorContract> Inputs,
    IReadOnlyList<TensorContract> Outputs,
    bool IsOptional = false)
{
    /// <summary>The input named <paramref name="name"/>.</summary>
    public TensorContract Input(string name) => Inputs.Single(i => i.Name == name);

    /// <summary>The output named <paramref name="name"/>.</summary>
    public TensorContract Output(string name) => Outputs.Single(o => o.Name == name);
}

/// <summary>
/// The contracts of every network, as documented in <c>models/README.md</c>. Symbols: B, N, L
/// are batch sizes; T the latent length (10.24 s = 256); P the number of prompt points; M the
/// number of masks the SAM2 decoder returns (4: index 0 the single-mask output, 1..3 the
/// multi-mask outputs); S the waveform length of the CLAP input.
/// </summary>
public static class NetworkContracts
{
    /// <summary>SAM2 image encoder: the image normalized with ImageNet mean/std at 1024×1024.</summary>
    public static NetworkContract Sam2Encoder { get; } = new(
        NetworkKind.Sam2Encoder, "sam2_encoder",
        [TensorContract.OfFloat("image", "1,3,1024,1024")],
        [
            TensorContract.OfFloat("image_embed", "1,256,64,64"),
            TensorContract.OfFloat("high_res_feats_0", "1,32,256,256"),
            TensorContract.OfFloat("high_res_feats_1", "1,64,128,128"),
        ]);

    /// <summary>SAM2 decoder: points in 1024×1024 input coordinates, labels 1 positive / 0 negative.</summary>
    public static NetworkContract Sam2Decoder { get; } = new(
        NetworkKind.Sam2Decoder, "sam2_decoder",
        [
            TensorContract.OfFloat("image_embed", "1,256,64,64"),
            TensorContract.OfFloat("high_res_feats_0", "1,32,256,256"),
            TensorContract.OfFloat("high_res_feats_1", "1,64,128,128"),
            TensorContract.OfFloat("point_coords", "L,P,2"),
            TensorContract.OfFloat("point_labels", "L,P"),
            TensorContract.OfFloat("mask_input", "L,1,256,256"),
            TensorContract.OfFloat("has_mask_input", "L"),
        ],
        [
            TensorContract.OfFloat("masks", "L,M,256,256"),
            TensorContract.OfFloat("iou_predictions", "L,M"),
        ]);

    /// <summary>CLIP ViT-L/14 visual tower, all tokens after ln_post and proj (not normalized).</summary>
    public static NetworkContract ClipTokens { get; } = new(
        NetworkKind.ClipTokens, "clip_tokens",
        [TensorContract.OfFloat("pixel_values", "B,3,224,224")],
        [TensorContract.OfFloat("tokens", "B,257,768")]);

    /// <summary>SSV2A manifold, CLIP side: μ and log σ² (named log_sigma as in the design brief).</summary>
    public static NetworkContract Ssv2aManifold { get; } = new(
        NetworkKind.Ssv2aManifold, "ssv2a_manifold",
        [TensorContract.OfFloat("clip", "N,768")],
        [TensorContract.OfFloat("mu", "N,768"), TensorContract.OfFloat("log_sigma", "N,768")]);

    /// <summary>SSV2A generator: μ and log σ² in CLAP space.</summary>
    public static NetworkContract Ssv2aGenerator { get; } = new(
        NetworkKind.Ssv2aGenerator, "ssv2a_generator",
        [TensorContract.OfFloat("x", "N,768")],
        [TensorContract.OfFloat("mu", "N,512"), TensorContract.OfFloat("log_sigma", "N,512")]);

    /// <summary>AudioLDM UNet: ε for a latent at an integer timestep, conditioned on a CLAP embedding.</summary>
    public static NetworkContract UNet { get; } = new(
        NetworkKind.UNet, "unet",
        [
            TensorContract.OfFloat("sample", "N,8,T,16"),
            TensorContract.Of("timestep", TensorDataType.Int64, "N"),
            TensorContract.OfFloat("y", "N,512"),
        ],
        [TensorContract.OfFloat("eps", "N,8,T,16")]);

    /// <summary>AudioLDM VAE decoder: a (scaled-back) latent to a log-mel spectrogram.</summary>
    public static NetworkContract VaeDecoder { get; } = new(
        NetworkKind.VaeDecoder, "vae_decoder",
        [TensorContract.OfFloat("latent", "N,8,T,16")],
        [TensorContract.OfFloat("mel", "N,1,4T,64")]);

    /// <summary>HiFi-GAN vocoder: log-mel (bins × frames) to a waveform, hop 160.</summary>
    public static NetworkContract Vocoder { get; } = new(
        NetworkKind.Vocoder, "vocoder",
        [TensorContract.OfFloat("mel", "N,64,4T")],
        [TensorContract.OfFloat("wave", "N,640T")]);

    /// <summary>CLAP audio encoder (optional): waveform at the set's sample rate to a CLAP embedding.</summary>
    public static NetworkContract ClapAudio { get; } = new(
        NetworkKind.ClapAudio, "clap_audio",
        [TensorContract.OfFloat("wave", "N,S")],
        [TensorContract.OfFloat("embedding", "N,512")],
        IsOptional: true);

    /// <summary>Every contract, in pipeline order.</summary>
    public static IReadOnlyList<NetworkContract> All { get; } =
        [Sam2Encoder, Sam2Decoder, ClipTokens, Ssv2aManifold, Ssv2aGenerator, UNet, VaeDecoder, Vocoder, ClapAudio];

    /// <summary>The contract of <paramref name="kind"/>.</summary>
    public static NetworkContract For(NetworkKind kind) => All.Single(c => c.Kind == kind);

    /// <summary>The contract whose manifest key is <paramref name="key"/>, or null.</summary>
    public static NetworkContract? ForKey(string key) => All.SingleOrDefault(c => c.Key == key);
}
