using EditToAudio.Audio;
using EditToAudio.Networks;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Batch;

public class AudioBatchTests
{
    [Theory]
    [InlineData(2.5, 1.0, 2)]
    [InlineData(1.0, 0.0, 1)]
    public void Clips_generated_together_equal_clips_generated_alone(double guidance, double eta, int candidates)
    {
        var generator = EditToAudio.Tests.Models.SyntheticSet.Stages.Audio;
        var options = new AudioOptions { Sampler = new SamplerOptions { Steps = 4, Guidance = guidance, Eta = eta }, Candidates = candidates, Duration = 0.4 };
        float[][] conditionings = [.. Enumerable.Range(0, 3).Select(Embedding)];
        ulong[] seeds = [42, 7, 42];

        AudioClip[] together = generator.GenerateBatch(conditionings, seeds, options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, together.Length);
        for (int i = 0; i < 3; i++)
        {
            AudioClip alone = generator.Generate(conditionings[i], options with { Sampler = options.Sampler with { Seed = seeds[i] } }, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(alone.Candidate, together[i].Candidate);
            Assert.Equal(alone.Scores.Count, together[i].Scores.Count);
            Tolerance.AssertClose([.. alone.Waveform.Select(v => (double)v)], together[i].Waveform, 1e-5, 0, $"clip {i} (seed {seeds[i]})");
        }
        Assert.NotEqual(together[0].Waveform, together[2].Waveform); // same seed, other embedding
    }

    [Fact]
    public void Seeds_and_embeddings_must_pair_up() =>
        Assert.Throws<ArgumentException>(() => EditToAudio.Tests.Models.SyntheticSet.Stages.Audio
            .GenerateBatch([Embedding(0), Embedding(1)], [1UL], new AudioOptions { Sampler = new SamplerOptions { Steps = 2 }, Candidates = 1, Duration = 0.2 }, cancellationToken: TestContext.Current.CancellationToken));

    private static float[] Embedding(int seed)
    {
        var random = new Random(seed);
        float[] values = [.. Enumerable.Range(0, Ssv2aMapper.ClapWidth).Select(_ => (float)(random.NextDouble() - 0.5))];
        ClipTokenEncoder.NormalizeRows(values, values.Length);
        return values;
    }
}
