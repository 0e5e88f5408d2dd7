namespace EditToAudio.Audio;

/// <summary>The diffusion UNet seen by the sampler: ε for a batch of latents.</summary>
public interface IEpsilonPredictor
{
    /// <summary>
    /// Predicts ε for <paramref name="batch"/> latents <paramref name="latents"/> ([batch, 8, T, 16]
    /// row-major) at <paramref name="timesteps"/> ([batch]) under <paramref name="conditioning"/>
    /// ([batch, 512]), writing [batch, 8, T, 16] into <paramref name="epsilon"/>.
    /// </summary>
    void Predict(int batch, LatentShape shape, ReadOnlySpan<float> latents, ReadOnlySpan<long> timesteps, ReadOnlySpan<float> conditioning, Span<float> epsilon);
}

/// <summary>Shape of one latent: channels × frames × mel bins.</summary>
/// <param name="Channels">8 for AudioLDM.</param>
/// <param name="Frames">T, 25 per second of audio (256 for 10.24 s).</param>
/// <param name="Bins">16 for AudioLDM (64 mel bins / 4).</param>
public readonly record struct LatentShape(int Channels, int Frames, int Bins)
{
    /// <summary>Values in one latent.</summary>
    public int Size => Channels * Frames * Bins;
}
