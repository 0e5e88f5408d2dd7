using EditToAudio.Models;
using EditToAudio.Networks;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Audio;

/// <summary>The model set's UNet as the sampler's ε-predictor.</summary>
internal sealed class OnnxEpsilonPredictor(NetworkSet networks, CancellationToken cancellationToken) : IEpsilonPredictor
{
    private static UNetContract Contract => NetworkContracts.UNet;

    public void Predict(int batch, LatentShape shape, ReadOnlySpan<float> latents, ReadOnlySpan<long> timesteps, ReadOnlySpan<float> conditioning, Span<float> epsilon)
    {
        ModelSession session = networks.Get(NetworkKind.UNet);
        using var sample = OrtTensors.Wrap(latents.ToArray(), batch, shape.Channels, shape.Frames, shape.Bins);
        using var timestep = OrtTensors.Wrap(timesteps.ToArray(), batch);
        using var y = OrtTensors.Wrap(conditioning.ToArray(), batch, conditioning.Length / batch);
        using var outputs = session.Run(new Dictionary<string, OrtValue> { [Contract.Sample.Name] = sample, [Contract.Timestep.Name] = timestep, [Contract.Y.Name] = y }, cancellationToken);
        OrtTensors.Read(outputs[0], "UNet eps", batch, shape.Channels, shape.Frames, shape.Bins).CopyTo(epsilon);
    }
}
