using EditToAudio.Audio;
using EditToAudio.Numerics;

namespace EditToAudio.Cuda.Pipeline;

/// <summary>
/// The host-side arrays of one GPU sampling call, laid out as the UNet's guided batch and the
/// <c>ddim_step_rows</c> kernel read them: the CPU sampler's conventions (<see cref="DdimSampler"/>)
/// written down once, so they can be checked without a GPU.
/// </summary>
internal sealed class SamplerLayout
{
    public SamplerLayout(DiffusionJob job)
    {
        int rows = job.Rows, width = job.Unconditional.Length;
        // Guidance 1 needs only the conditional pass, as in the reference.
        Halves = job.Guidance != 1.0 ? 2 : 1;
        Batch = Halves * rows;
        LatentOffset = (long)(Halves - 1) * rows * job.Shape.Size;

        // Unconditional rows first, then conditional, as the reference concatenates them.
        Conditioning = new float[(long)Batch * width];
        for (int b = 0; b < Batch; b++)
        {
            int row = b - (Batch - rows);
            (row < 0 ? job.Unconditional.AsSpan() : job.Conditionings.AsSpan(row / job.Candidates * width, width)).CopyTo(Conditioning.AsSpan(b * width, width));
        }

        // Every step's timesteps up front, noisiest first, so a step binds a slice instead of uploading.
        DdimSchedule schedule = job.Schedule;
        Timesteps = new long[(long)schedule.Count * Batch];
        for (int i = 0; i < schedule.Count; i++)
            Timesteps.AsSpan(i * Batch, Batch).Fill(schedule.Timesteps[schedule.Count - 1 - i]);

        Seeds = new ulong[rows];
        InitialStreams = new ulong[rows];
        StepStreams = new ulong[rows];
        for (int r = 0; r < rows; r++)
        {
            Seeds[r] = job.Seeds[r / job.Candidates];
            InitialStreams[r] = NoiseStream.Id(NoiseStage.DiffusionInitial, r % job.Candidates, 0);
            StepStreams[r] = NoiseStream.Id(NoiseStage.DiffusionStep, r % job.Candidates, 0);
        }
    }

    /// <summary>2 with guidance (an unconditional copy of the latents, then the latents), else 1.</summary>
    public int Halves { get; }

    /// <summary>UNet batch: halves × rows.</summary>
    public int Batch { get; }

    /// <summary>Where the latents start in the UNet's input (after the unconditional copy).</summary>
    public long LatentOffset { get; }

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
}
