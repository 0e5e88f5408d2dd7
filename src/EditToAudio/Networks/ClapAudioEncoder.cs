using EditToAudio.Audio;
using EditToAudio.Models;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Networks;

/// <summary>
/// The model set's CLAP audio encoder on host waveforms: the one path by which clips become audio
/// embeddings, for the candidates' ranking and for the evaluation.
/// </summary>
public static class ClapAudioEncoder
{
    /// <summary>Width of a CLAP audio embedding.</summary>
    public const int Width = 512;

    /// <summary>
    /// Embeds <paramref name="count"/> waveforms of <paramref name="samples"/> samples each (row-major) in one
    /// network call, each first fitted to the encoder's input length when the file fixes one (<see cref="ClapAudioWindow"/>).
    /// </summary>
    /// <returns>The embeddings, row-major [count, 512].</returns>
    /// <exception cref="ModelSetException">When the set has no clap_audio network.</exception>
    public static float[] Embed(NetworkSet networks, float[] waves, int count, int samples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(networks);
        ArgumentNullException.ThrowIfNull(waves);
        ModelSession encoder = networks.Get(NetworkKind.ClapAudio);
        ClapAudioWindow window = ClapAudioWindow.Of(encoder);
        using var input = OrtTensors.Wrap(window.FitEach(waves, count, samples), count, window.InputLength(samples));
        using var outputs = encoder.Run(new Dictionary<string, OrtValue> { [NetworkContracts.ClapAudio.Wave.Name] = input }, cancellationToken);
        return OrtTensors.Read(outputs[0], "CLAP audio embedding", count, Width);
    }
}
