using System.Globalization;
using EditToAudio.Audio;
using EditToAudio.Models;

namespace EditToAudio.Backends;

/// <summary>
/// The clip stage (sample N clips): DDIM with guidance on the UNet, latent / scale factor → VAE
/// decoder → log-mel → vocoder on the backend (<see cref="PipelineStages.Sample"/>), then on the host
/// the best candidate by CLAP similarity and the cut to the requested duration. Thread-safe.
/// </summary>
public sealed class AudioGenerator
{
    /// <summary>Latent frames per mel frame (the VAE's time downsampling).</summary>
    public const int MelFramesPerLatentFrame = 4;

    /// <summary>Latent lengths are rounded up to a multiple of this (the UNet halves the time axis three times).</summary>
    public const int LatentFrameMultiple = 8;

    /// <summary>Mel bins of the VAE's output and the vocoder's input.</summary>
    public const int MelBins = 64;

    private readonly PipelineStages _stages;

    /// <summary>Samples on <paramref name="stages"/>: the UNet, VAE decoder, vocoder and, when present, CLAP audio encoder on its backend.</summary>
    internal AudioGenerator(PipelineStages stages) => _stages = stages;

    /// <summary>Where the sampler runs ("cpu" or "cuda").</summary>
    public string Backend => _stages.Backend.Name;

    /// <summary>
    /// Latent frames for a clip of <paramref name="seconds"/>: sample rate / hop / 4 frames per second
    /// (25 at 16 kHz, so 10.24 s is 256), rounded up to a multiple of <see cref="LatentFrameMultiple"/>.
    /// </summary>
    public int LatentFrames(double seconds)
    {
        ModelSetConstants constants = _stages.Models.Constants;
        double perSecond = (double)constants.SampleRate / constants.HopLength / MelFramesPerLatentFrame;
        int frames = Math.Max(1, (int)Math.Round(seconds * perSecond, MidpointRounding.AwayFromZero));
        return (frames + LatentFrameMultiple - 1) / LatentFrameMultiple * LatentFrameMultiple;
    }

    /// <summary>Generates the clip for one conditioning embedding (512); <paramref name="stepProgress"/> as <see cref="ComputeBackend.Sample"/> reports it.</summary>
    public AudioClip Generate(float[] conditioning, AudioOptions options, IProgress<int>? stepProgress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        ArgumentNullException.ThrowIfNull(options);
        return GenerateBatch([conditioning], [options.Sampler.Seed], options, stepProgress, cancellationToken)[0];
    }

    /// <summary>
    /// Generates one clip per conditioning embedding with every network call batched across them:
    /// the UNet sees all candidates of all embeddings (twice with guidance) in one call per step,
    /// and the VAE decoder, vocoder and CLAP audio encoder run once. Clip j uses seed
    /// <paramref name="seeds"/>[j] (<paramref name="options"/>' own seed is not used), so it is the
    /// clip <see cref="Generate"/> makes for that embedding and seed alone, up to the networks'
    /// batch-size rounding.
    /// </summary>
    public AudioClip[] GenerateBatch(IReadOnlyList<float[]> conditionings, IReadOnlyList<ulong> seeds, AudioOptions options, IProgress<int>? stepProgress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conditionings);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int jobs = conditionings.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1, nameof(conditionings));
        if (seeds.Count != jobs)
        {
            throw new ArgumentException($"{jobs} conditioning embedding(s) need {jobs} seeds, got {seeds.Count}.", nameof(seeds));
        }
        ModelSetConstants constants = _stages.Models.Constants;
        float[] unconditional = [.. constants.UnconditionalEmbedding];
        var shape = new LatentShape(8, LatentFrames(options.Duration), 16);
        var schedule = DdimSchedule.Create(constants.BetaSchedule, options.Sampler.Steps, options.Sampler.Eta);
        int candidates = options.Candidates;
        float[] stacked = [.. conditionings.SelectMany(c => c)];

        using DecodedCandidates decoded = _stages.Sample(
            new DiffusionJob(schedule, shape, stacked, seeds, unconditional, candidates, options.Sampler.Guidance), stepProgress, cancellationToken);
        int length = Math.Min(decoded.Samples, (int)Math.Round(options.Duration * constants.SampleRate, MidpointRounding.AwayFromZero));
        bool ranked = decoded.ClapEmbeddings.Length > 0;
        var clips = new AudioClip[jobs];
        for (int job = 0; job < jobs; job++)
        {
            float[] target = options.RankAgainst == RankTarget.Empty ? unconditional : conditionings[job];
            double[] scores = ranked ? Score(decoded.ClapEmbeddings.AsSpan(job * candidates * target.Length, candidates * target.Length), candidates, target) : [];
            int best = 0;
            for (int c = 1; c < scores.Length; c++)
            {
                if (scores[c] > scores[best])
                {
                    best = c;
                }
            }
            var waveform = new float[length];
            decoded.ReadWave(job * candidates + best, waveform);
            int bad = Array.FindIndex(waveform, v => !float.IsFinite(v));
            if (bad >= 0)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The vocoder produced {waveform[bad]} at sample {bad} of candidate {best}; no audio is written."));
            }
            // The vocoder ends in tanh, which float32 kernels may round one ulp past ±1.
            for (int i = 0; i < waveform.Length; i++)
            {
                waveform[i] = Math.Clamp(waveform[i], -1f, 1f);
            }
            clips[job] = new AudioClip(waveform, constants.SampleRate, best, scores, decoded.Clipped[job], schedule.Count);
        }
        return clips;
    }

    private static double[] Score(ReadOnlySpan<float> embeddings, int count, float[] target)
    {
        var scores = new double[count];
        for (int c = 0; c < count; c++)
        {
            double dot = 0, aa = 0, bb = 0;
            for (int j = 0; j < target.Length; j++)
            {
                double a = embeddings[c * target.Length + j], b = target[j];
                dot += a * b;
                aa += a * a;
                bb += b * b;
            }
            scores[c] = aa > 0 && bb > 0 ? dot / Math.Sqrt(aa * bb) : 0;
        }
        return scores;
    }
}
