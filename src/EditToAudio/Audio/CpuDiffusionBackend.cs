using EditToAudio.Models;
using EditToAudio.Networks;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Audio;

/// <summary>
/// The sampler's arithmetic on the CPU (<see cref="DdimSampler"/>), with the networks on whatever
/// provider the set was opened with; tensors cross to ONNX Runtime as host arrays.
/// </summary>
public sealed class CpuDiffusionBackend : IDiffusionBackend
{
    /// <summary>The one instance (the backend keeps no state).</summary>
    public static CpuDiffusionBackend Instance { get; } = new();

    private CpuDiffusionBackend()
    {
    }

    /// <inheritdoc/>
    public string Name => "cpu";

    /// <inheritdoc/>
    public DecodedCandidates Generate(NetworkSet networks, DiffusionJob job, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(networks);
        ArgumentNullException.ThrowIfNull(job);
        (float[] latents, bool[] clipped) = DdimSampler.SampleMany(
            new OnnxEpsilonPredictor(networks, cancellationToken), job.Schedule, job.Shape, job.Conditionings, job.Seeds, job.Unconditional,
            job.Candidates, job.Guidance, progress, cancellationToken);
        int rows = job.Rows;
        float[] waves = Decode(networks, latents, rows, job.Shape, cancellationToken);
        int samples = waves.Length / rows;
        float[] embeddings = networks.Models.Has(NetworkKind.ClapAudio) ? ClapAudioEncoder.Embed(networks, waves, rows, samples, cancellationToken) : [];
        return new HostCandidates(waves, rows, samples, clipped, embeddings);
    }

    /// <summary>latent / scale factor → VAE decoder → mel [N,1,4T,64] → vocoder input [N,64,4T] → waveform [N, 4T·hop].</summary>
    private static float[] Decode(NetworkSet networks, float[] latents, int count, LatentShape shape, CancellationToken cancellationToken)
    {
        ModelSetConstants constants = networks.Models.Constants;
        double scale = constants.VaeScaleFactor;
        var scaled = new float[latents.Length];
        for (int i = 0; i < latents.Length; i++)
        {
            scaled[i] = (float)(latents[i] / scale);
        }
        int melFrames = shape.Frames * AudioGenerator.MelFramesPerLatentFrame;
        const int melBins = AudioGenerator.MelBins;
        float[] mel;
        using (var input = OrtTensors.Wrap(scaled, count, shape.Channels, shape.Frames, shape.Bins))
        using (var outputs = networks.Get(NetworkKind.VaeDecoder).Run(new Dictionary<string, OrtValue> { ["latent"] = input }, cancellationToken))
        {
            mel = OrtTensors.Read(outputs[0], "VAE mel", count, 1, melFrames, melBins);
        }
        var transposed = new float[mel.Length];
        for (int n = 0; n < count; n++)
        {
            int offset = n * melFrames * melBins;
            for (int t = 0; t < melFrames; t++)
            {
                for (int b = 0; b < melBins; b++)
                {
                    transposed[offset + b * melFrames + t] = mel[offset + t * melBins + b];
                }
            }
        }
        using var melInput = OrtTensors.Wrap(transposed, count, melBins, melFrames);
        using var waves = networks.Get(NetworkKind.Vocoder).Run(new Dictionary<string, OrtValue> { ["mel"] = melInput }, cancellationToken);
        return OrtTensors.Read(waves[0], "vocoder wave", count, (long)melFrames * constants.HopLength);
    }

    private sealed class HostCandidates(float[] waves, int rows, int samples, bool[] clipped, float[] embeddings)
        : DecodedCandidates(rows, samples, clipped, embeddings)
    {
        public override void ReadWave(int row, Span<float> destination)
        {
            CheckRead(row, destination.Length);
            waves.AsSpan(row * Samples, destination.Length).CopyTo(destination);
        }
    }
}
