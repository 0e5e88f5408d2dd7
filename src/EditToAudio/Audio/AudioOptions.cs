using System.Globalization;

namespace EditToAudio.Audio;

/// <summary>What the candidates are ranked against.</summary>
public enum RankTarget
{
    /// <summary>The conditioning CLAP embedding (the sensible choice, default).</summary>
    Conditioning,

    /// <summary>The empty string's embedding, as the research code does (a known flaw, offered to reproduce it).</summary>
    Empty,
}

/// <summary>Settings of one clip: sampler, candidates, duration and ranking.</summary>
public sealed record AudioOptions
{
    /// <summary>Longest clip accepted, in seconds.</summary>
    public const double MaxDuration = 60;

    /// <summary>Most candidates per clip (they go through the UNet in one batch).</summary>
    public const int MaxCandidates = 64;

    /// <summary>DDIM settings.</summary>
    public SamplerOptions Sampler { get; init; } = new();

    /// <summary>Candidates generated per embedding (3); the best is kept.</summary>
    public int Candidates { get; init; } = 3;

    /// <summary>Clip length in seconds (10.24 s: 256 latent frames, AudioLDM's native length).</summary>
    public double Duration { get; init; } = 10.24;

    /// <summary>What the candidates are ranked against.</summary>
    public RankTarget RankAgainst { get; init; } = RankTarget.Conditioning;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Sampler.Validate();
        if (Candidates is < 1 or > MaxCandidates)
        {
            throw new ArgumentOutOfRangeException(nameof(Candidates), Candidates, string.Create(CultureInfo.InvariantCulture, $"candidates must be between 1 and {MaxCandidates}."));
        }
        if (!double.IsFinite(Duration) || Duration <= 0 || Duration > MaxDuration)
        {
            throw new ArgumentOutOfRangeException(nameof(Duration), Duration, string.Create(CultureInfo.InvariantCulture, $"duration must be in (0, {MaxDuration}] seconds."));
        }
    }
}

/// <summary>A generated clip and how it was chosen.</summary>
/// <param name="Waveform">Mono samples in [−1, 1] at <paramref name="SampleRate"/>.</param>
/// <param name="SampleRate">Samples per second (16 000).</param>
/// <param name="Candidate">Index of the kept candidate.</param>
/// <param name="Scores">Cosine of each candidate's CLAP audio embedding with the rank target; empty without a CLAP audio encoder.</param>
/// <param name="LatentClipped">True when the sampler's |latent| &gt; 100 clip fired.</param>
/// <param name="Steps">DDIM steps actually run.</param>
public sealed record AudioClip(float[] Waveform, int SampleRate, int Candidate, IReadOnlyList<double> Scores, bool LatentClipped, int Steps)
{
    /// <summary>A sample at or beyond this magnitude sits at full scale (it clips in a 16-bit file).</summary>
    public const float FullScale = 0.999f;

    /// <summary>A clip with more than this share of its samples at full scale is clipped: it sounds distorted.</summary>
    public const double ClippedFraction = 0.001;

    /// <summary>The share of the samples at full scale (|x| ≥ <see cref="FullScale"/>).</summary>
    public double FullScaleFraction()
    {
        int count = 0;
        foreach (float sample in Waveform)
        {
            if (!(Math.Abs(sample) < FullScale))
            {
                count++;
            }
        }
        return Waveform.Length == 0 ? 0 : (double)count / Waveform.Length;
    }
}
