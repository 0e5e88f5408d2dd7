using EditToAudio.Models;
using EditToAudio.Networks;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Audio;

/// <summary>
/// The model set's UNet as the sampler's ε-predictor for one sampling call of <paramref name="steps"/>
/// steps: the UNet keeps its working memory from step to step and releases it after the last.
/// </summary>
internal sealed class OnnxEpsilonPredictor(NetworkSet networks, int steps, CancellationToken cancellationToken) : IEpsilonPredictor
{
    private static UNetContract Contract => NetworkContracts.UNet;

    private int _calls;

    public void Predict(int batch, LatentShape shape, ReadOnlySpan<float> latents, ReadOnlySpan<long> timesteps, ReadOnlySpan<float> conditioning, Span<float> epsilon)
    {
        ModelSession session = networks.Get(NetworkKind.UNet);
        bool moreSteps = ++_calls < steps;
        using var sample = OrtTensors.Wrap(latents.ToArray(), batch, shape.Channels, shape.Frames, shape.Bins);
        using var timestep = OrtTensors.Wrap(timesteps.ToArray(), batch);
        using var y = OrtTensors.Wrap(conditioning.ToArray(), batch, conditioning.Length / batch);
        using var outputs = session.Run(new Dictionary<string, OrtValue> { [Contract.Sample.Name] = sample, [Contract.Timestep.Name] = timestep, [Contract.Y.Name] = y },
            keepWorkingMemory: moreSteps, cancellationToken);
        OrtTensors.Read(outputs[0], "UNet eps", batch, shape.Channels, shape.Frames, shape.Bins).CopyTo(epsilon);
    }
}
