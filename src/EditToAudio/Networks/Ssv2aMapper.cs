using EditToAudio.Models;
using EditToAudio.Numerics;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Networks;

/// <summary>
/// SSV2A's CLIP → CLAP mapping (clips2foldclaps): the manifold gives (μ, log σ²); the fold is the
/// mean of <c>varSamples</c> draws μ + ε·exp(½ log σ²) (not normalized); the generator does the
/// same on the fold; the mean of its draws is L2-normalized into the CLAP embedding. Noise ε for
/// item i of a call comes from Philox4x32 with the run's seed and stream
/// (stage = manifold or generator, candidate 0, step = firstIndex + i); draw s, dimension d is
/// element s·D + d of that stream. Means are accumulated in float64. Thread-safe.
/// </summary>
public sealed class Ssv2aMapper
{
    /// <summary>The research code's number of draws.</summary>
    public const int DefaultVarSamples = 64;

    /// <summary>CLIP width.</summary>
    public const int ClipWidth = 768;

    /// <summary>CLAP width.</summary>
    public const int ClapWidth = 512;

    private readonly NetworkSet _networks;

    /// <summary>Uses the SSV2A manifold and generator of <paramref name="networks"/>.</summary>
    public Ssv2aMapper(NetworkSet networks)
    {
        ArgumentNullException.ThrowIfNull(networks);
        _networks = networks;
    }

    /// <summary>
    /// Maps <paramref name="count"/> CLIP embeddings ([count,768], row-major) to CLAP embeddings
    /// ([count,512], each unit length). <paramref name="firstIndex"/> keys the noise of the first
    /// item, so separate calls (the edit and the baselines) draw independent noise.
    /// </summary>
    public float[] MapBatch(float[] clip, int count, ulong seed, int varSamples = DefaultVarSamples, long firstIndex = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        var keys = new MappingKey[count];
        for (int i = 0; i < count; i++)
        {
            keys[i] = new MappingKey(seed, firstIndex + i);
        }
        return MapBatch(clip, keys, varSamples, cancellationToken);
    }

    /// <summary>
    /// Maps rows that belong to different runs in one network call per stage: row i draws its
    /// noise from (<paramref name="keys"/>[i].Seed, step <paramref name="keys"/>[i].Index), exactly
    /// as a call of its own with that seed and first index would, so batching does not change the draws.
    /// </summary>
    public float[] MapBatch(float[] clip, IReadOnlyList<MappingKey> keys, int varSamples = DefaultVarSamples, CancellationToken cancellationToken = default)
    {
        CheckBatch(clip, keys, varSamples);
        int count = keys.Count;
        float[] fold = Sample(NetworkContracts.Ssv2aManifold, clip, count, ClipWidth, ClipWidth, NoiseStage.Ssv2aManifold, keys, varSamples, cancellationToken);
        float[] clap = Sample(NetworkContracts.Ssv2aGenerator, fold, count, ClipWidth, ClapWidth, NoiseStage.Ssv2aGenerator, keys, varSamples, cancellationToken);
        ClipTokenEncoder.NormalizeRows(clap, ClapWidth);
        return clap;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> unless <paramref name="clip"/> holds one 768-wide row per key, every key's index is ≥ 0 and there is at least one draw.</summary>
    public static void CheckBatch(float[] clip, IReadOnlyList<MappingKey> keys, int varSamples)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfZero(keys.Count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(varSamples);
        int count = keys.Count;
        if (clip.Length != (long)count * ClipWidth)
        {
            throw new ArgumentException($"SSV2A input for {count} embedding(s) must have {(long)count * ClipWidth} values ([{count},768]), got {clip.Length}.", nameof(clip));
        }
        foreach (MappingKey key in keys)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(key.Index, nameof(keys));
        }
    }

    /// <summary>Maps one CLIP embedding [768] to a CLAP embedding [512].</summary>
    public float[] Map(float[] clip, ulong seed, int varSamples = DefaultVarSamples, long firstIndex = 0, CancellationToken cancellationToken = default) =>
        MapBatch(clip, 1, seed, varSamples, firstIndex, cancellationToken);

    private float[] Sample(Ssv2aStageContract contract, float[] input, int count, int inputWidth, int outputWidth, NoiseStage stage,
        IReadOnlyList<MappingKey> keys, int varSamples, CancellationToken cancellationToken)
    {
        var session = _networks.Get(contract.Kind);
        using var value = OrtTensors.Wrap(input, count, inputWidth);
        using var outputs = session.Run(new Dictionary<string, OrtValue> { [contract.Clip.Name] = value }, cancellationToken);
        float[] mu = OrtTensors.Read(outputs[0], $"{session.Contract.Key} mu", count, outputWidth);
        float[] logVariance = OrtTensors.Read(outputs[1], $"{session.Contract.Key} log_sigma", count, outputWidth);
        return MeanOfDraws(mu, logVariance, count, outputWidth, stage, keys, varSamples, cancellationToken);
    }

    /// <summary>mean over s of μ + ε_s·exp(½ log σ²) per item, ε from the item's Philox stream.</summary>
    private static float[] MeanOfDraws(float[] mu, float[] logVariance, int count, int width, NoiseStage stage, IReadOnlyList<MappingKey> keys, int varSamples, CancellationToken cancellationToken)
    {
        var result = new float[count * width];
        var noise = new float[varSamples * width];
        var sums = new double[width];
        for (int item = 0; item < count; item++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Philox4x32.FillNormal(keys[item].Seed, NoiseStream.Id(stage, 0, keys[item].Index), 0, noise);
            Array.Clear(sums);
            for (int s = 0; s < varSamples; s++)
            {
                for (int d = 0; d < width; d++)
                {
                    sums[d] += noise[s * width + d];
                }
            }
            for (int d = 0; d < width; d++)
            {
                int at = item * width + d;
                double sigma = Math.Exp(0.5 * logVariance[at]);
                result[at] = (float)(mu[at] + sigma * (sums[d] / varSamples));
            }
        }
        return result;
    }
}

/// <summary>The noise key of one row of <see cref="Ssv2aMapper.MapBatch(float[], IReadOnlyList{MappingKey}, int, CancellationToken)"/>.</summary>
/// <param name="Seed">The run's seed.</param>
/// <param name="Index">The row's step index (0 for an edited embedding, 1 and 2 for the baselines of a run).</param>
public readonly record struct MappingKey(ulong Seed, long Index);
