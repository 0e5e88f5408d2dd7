using EditToAudio.Numerics;

namespace EditToAudio.Audio;

/// <summary>
/// How one sampling call lays out its guided batch, for every sampler backend: the UNet's batch
/// holds an unconditional copy of the latents, then the latents (guidance 1 needs only the
/// latents), with their conditioning rows in the same order; each step's timesteps, noisiest step
/// first; each latent row's seed and Philox streams (the initial draw, and the steps' draws, or-ed
/// with the step number). Built from validated inputs, so a backend that holds one can trust them.
/// </summary>
public sealed class SamplerLayout
{
    /// <summary>Checks the inputs and lays them out.</summary>
    /// <param name="schedule">Timesteps and coefficients.</param>
    /// <param name="conditionings">The jobs' conditioning embeddings, [jobs, width] row-major.</param>
    /// <param name="seeds">The seed of each job.</param>
    /// <param name="unconditional">The model set's unconditional embedding (width).</param>
    /// <param name="candidates">Latents per job.</param>
    /// <param name="guidance">Classifier-free guidance scale; 1 runs only the conditional pass.</param>
    /// <exception cref="ArgumentException">Naming the first inconsistency.</exception>
    public SamplerLayout(DdimSchedule schedule, ReadOnlySpan<float> conditionings, IReadOnlyList<ulong> seeds, ReadOnlySpan<float> unconditional, int candidates, double guidance)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(seeds);
        new SamplerOptions { Guidance = guidance }.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, 1);
        int jobs = seeds.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1, nameof(seeds));
        int width = unconditional.Length;
        if (width == 0 || conditionings.Length != (long)jobs * width)
        {
            throw new ArgumentException($"{jobs} conditioning embedding(s) of the unconditional embedding's length {width} need {(long)jobs * width} values, got {conditionings.Length}.", nameof(conditionings));
        }

        int rows = jobs * candidates;
        Jobs = jobs;
        Rows = rows;
        // Guidance 1 needs only the conditional pass, as in the reference.
        Halves = guidance != 1.0 ? 2 : 1;
        Batch = Halves * rows;

        // Unconditional rows first, then conditional, as the reference concatenates them.
        Conditioning = new float[(long)Batch * width];
        for (int b = 0; b < Batch; b++)
        {
            int row = b - (Batch - rows);
            (row < 0 ? unconditional : conditionings.Slice(row / candidates * width, width)).CopyTo(Conditioning.AsSpan(b * width, width));
        }

        Timesteps = new long[(long)schedule.Count * Batch];
        for (int i = 0; i < schedule.Count; i++)
        {
            Timesteps.AsSpan(i * Batch, Batch).Fill(schedule.Timesteps[schedule.Count - 1 - i]);
        }

        Seeds = new ulong[rows];
        InitialStreams = new ulong[rows];
        StepStreams = new ulong[rows];
        for (int r = 0; r < rows; r++)
        {
            Seeds[r] = seeds[r / candidates];
            InitialStreams[r] = NoiseStream.Id(NoiseStage.DiffusionInitial, r % candidates, 0);
            StepStreams[r] = NoiseStream.Id(NoiseStage.DiffusionStep, r % candidates, 0);
        }
    }

    /// <summary>Conditioning embeddings.</summary>
    public int Jobs { get; }

    /// <summary>Latent rows: jobs × candidates, job-major.</summary>
    public int Rows { get; }

    /// <summary>2 with guidance (an unconditional copy of the latents, then the latents), else 1.</summary>
    public int Halves { get; }

    /// <summary>UNet batch: halves × rows.</summary>
    public int Batch { get; }

    /// <summary>[batch, width] conditioning rows.</summary>
    public float[] Conditioning { get; }

    /// <summary>[steps, batch] timesteps, step 0 the noisiest.</summary>
    public long[] Timesteps { get; }

    /// <summary>Per latent row: its job's seed.</summary>
    public ulong[] Seeds { get; }

    /// <summary>Per latent row: the initial draw's stream.</summary>
    public ulong[] InitialStreams { get; }

    /// <summary>Per latent row: the step draws' stream, to be or-ed with the step number.</summary>
    public ulong[] StepStreams { get; }

    /// <summary>The timesteps of step <paramref name="step"/> (0 the noisiest), one per batch row.</summary>
    public ReadOnlySpan<long> TimestepsOf(int step) => Timesteps.AsSpan(step * Batch, Batch);
}
