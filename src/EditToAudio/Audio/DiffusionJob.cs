namespace EditToAudio.Audio;

/// <summary>
/// One sampling call: <see cref="Candidates"/> latents for each conditioning embedding, sampled with
/// DDIM and decoded to waveforms.
/// </summary>
/// <param name="Schedule">Timesteps and coefficients.</param>
/// <param name="Shape">Latent shape.</param>
/// <param name="Conditionings">The jobs' conditioning embeddings, [jobs, width] row-major.</param>
/// <param name="Seeds">The seed of each job.</param>
/// <param name="Unconditional">The model set's unconditional embedding (width).</param>
/// <param name="Candidates">Latents per job.</param>
/// <param name="Guidance">Classifier-free guidance scale; 1 runs only the conditional pass.</param>
public sealed record DiffusionJob(DdimSchedule Schedule, LatentShape Shape, float[] Conditionings, IReadOnlyList<ulong> Seeds, float[] Unconditional, int Candidates, double Guidance)
{
    /// <summary>Conditioning embeddings.</summary>
    public int Jobs => Seeds.Count;

    /// <summary>Latents sampled: jobs × candidates, job-major.</summary>
    public int Rows => Jobs * Candidates;

    /// <summary>
    /// Progress units after the sampler's steps: one per decoding network (VAE decoder, vocoder, and
    /// the CLAP audio encoder when the candidates are <paramref name="ranked"/>), which take seconds
    /// each at full size, so progress does not stand at 100% while they run.
    /// </summary>
    public static int DecodingUnits(bool ranked) => ranked ? 3 : 2;

    /// <summary>The call's batch layout; checks the job and throws an <see cref="ArgumentException"/> naming the first inconsistency.</summary>
    public SamplerLayout Layout() => new(Schedule, Conditionings, Seeds, Unconditional, Candidates, Guidance);
}

/// <summary>
/// Every candidate's waveform, wherever it lives, with what ranking needs on the host: the CLAP
/// audio embeddings and the per-job clip flags. Only the waveforms asked for are read back.
/// </summary>
public abstract class DecodedCandidates : IDisposable
{
    /// <summary>Describes <paramref name="rows"/> decoded candidates.</summary>
    protected DecodedCandidates(int rows, int samples, bool[] clipped, float[] clapEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(clipped);
        ArgumentNullException.ThrowIfNull(clapEmbeddings);
        Rows = rows;
        Samples = samples;
        Clipped = clipped;
        ClapEmbeddings = clapEmbeddings;
    }

    /// <summary>Candidates, job-major.</summary>
    public int Rows { get; }

    /// <summary>Samples per waveform as the vocoder returned them (before the cut to the requested duration).</summary>
    public int Samples { get; }

    /// <summary>Per job: whether the sampler's |latent| &gt; 100 clip fired.</summary>
    public IReadOnlyList<bool> Clipped { get; }

    /// <summary>CLAP audio embeddings [rows, width]; empty when the model set has no CLAP audio encoder.</summary>
    public float[] ClapEmbeddings { get; }

    /// <summary>Copies the first <c>destination.Length</c> samples of candidate <paramref name="row"/>.</summary>
    public abstract void ReadWave(int row, Span<float> destination);

    /// <summary>Frees what holds the waveforms.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees what holds the waveforms.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Throws when <paramref name="row"/> or the length is out of range.</summary>
    protected void CheckRead(int row, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Samples);
    }
}
