using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.Tests.Models;

namespace EditToAudio.Tests.Audio;

public class AudioGeneratorTests
{
    // 16 kHz, hop 160 and the VAE's 4× time downsampling: 25 latent frames per second, so 10.24 s is AudioLDM's 256.
    [Theory]
    [InlineData(10.24, 256)]
    [InlineData(10.0, 256)]   // 250 frames, rounded up to the UNet's multiple of 8
    [InlineData(1.0, 32)]     // 25 → 32
    [InlineData(0.5, 16)]     // 12.5 → 13 → 16
    [InlineData(0.01, 8)]     // at least one frame
    [InlineData(60.0, 1504)]  // 1500 → 1504
    public void Durations_map_to_latent_lengths_that_are_multiples_of_eight(double seconds, int expected)
    {
        var generator = SyntheticSet.Stages.Audio;

        int frames = generator.LatentFrames(seconds);

        Assert.Equal(expected, frames);
        Assert.Equal(0, frames % AudioGenerator.LatentFrameMultiple);
        // The decoded waveform (4 mel frames per latent frame, 160 samples per mel frame) covers the requested length.
        Assert.True(frames * 4 * 160 >= seconds * 16000, $"{frames} frames are shorter than {seconds} s");
    }

    [Fact]
    public void The_waveform_is_cut_to_the_requested_duration()
    {
        var generator = SyntheticSet.Stages.Audio;
        var options = new AudioOptions { Sampler = new SamplerOptions { Steps = 2 }, Candidates = 1, Duration = 0.3 };

        AudioClip clip = generator.Generate(new float[512], options, cancellationToken: TestContext.Current.CancellationToken);

        // 0.3 s needs 8 latent frames (5120 samples decoded); the clip keeps the first 4800.
        Assert.Equal(4800, clip.Waveform.Length);
        Assert.Equal(2, clip.Steps);
    }
}
