namespace EditToAudio.Models;

/// <summary>The networks a model set holds.</summary>
public enum NetworkKind
{
    /// <summary>SAM2 image encoder.</summary>
    Sam2Encoder,

    /// <summary>SAM2 prompt and mask decoder.</summary>
    Sam2Decoder,

    /// <summary>CLIP ViT-L/14 visual tower with all 257 tokens after ln_post and proj.</summary>
    ClipTokens,

    /// <summary>SSV2A CLIP→CLAP manifold encoder (CLIP side).</summary>
    Ssv2aManifold,

    /// <summary>SSV2A generator (768 → 512).</summary>
    Ssv2aGenerator,

    /// <summary>AudioLDM UNet (ε-prediction, FiLM-conditioned on a CLAP embedding).</summary>
    UNet,

    /// <summary>AudioLDM VAE decoder (latent → log-mel).</summary>
    VaeDecoder,

    /// <summary>HiFi-GAN vocoder (log-mel → waveform).</summary>
    Vocoder,

    /// <summary>CLAP audio encoder, optional, for ranking candidates.</summary>
    ClapAudio,
}
