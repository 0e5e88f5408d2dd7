using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Networks;

namespace EditToAudio.Backends;

/// <summary>
/// The pipeline's stages on one backend with the networks it opened for one model set
/// (<see cref="ComputeBackend.Open"/>). Every operation takes a batch, and the schedulers call only
/// these: <c>EditToAudioEngine</c> runs one request as a batch of one, the batch runner plans many.
/// Thread-safe as the backend is. Disposing closes the networks, not the backend.
/// </summary>
public sealed class PipelineStages : IDisposable
{
    internal PipelineStages(ComputeBackend backend, NetworkSet networks)
    {
        Backend = backend;
        Networks = networks;
        Audio = new AudioGenerator(this);
    }

    /// <summary>Where the stages run.</summary>
    public ComputeBackend Backend { get; }

    /// <summary>The networks, opened for <see cref="Backend"/>'s device.</summary>
    public NetworkSet Networks { get; }

    /// <summary>The model set.</summary>
    public ModelSet Models => Networks.Models;

    /// <summary>Width of a CLIP token (768 for ViT-L/14).</summary>
    public int TokenWidth => Models.Constants.Tokens.Width;

    /// <summary>From CLAP embeddings to ranked clips (sample N clips).</summary>
    public AudioGenerator Audio { get; }

    /// <summary>SAM2's masks for every prompt on <paramref name="image"/>: the encoder runs once, the decoder once per prompt.</summary>
    /// <exception cref="ArgumentException">A prompt has no point, no positive point, or a point outside the image; checked before any network runs.</exception>
    public IReadOnlyList<SegmentationResult> Segment(RgbImage image, IReadOnlyList<SegmentationPrompt> prompts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(prompts);
        foreach (SegmentationPrompt prompt in prompts)
        {
            Segmenter.PromptInputs(prompt.Points, image.Width, image.Height);
        }
        return prompts.Count == 0 ? [] : Backend.Segment(Networks, image, prompts, cancellationToken);
    }

    /// <summary>CLIP's tokens of <paramref name="images"/>: [N, 257, <see cref="TokenWidth"/>], every token L2-normalized.</summary>
    public float[] EncodeImages(IReadOnlyList<RgbImage> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfZero(images.Count);
        return Backend.EncodeImages(Networks, images, cancellationToken);
    }

    /// <summary>Edits every job (<see cref="ComputeBackend.Edit"/>); the edit needs no network.</summary>
    public IReadOnlyList<EditResult[]> Edit(IReadOnlyList<EditJob> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return jobs.Count == 0 ? [] : Backend.Edit(jobs, cancellationToken);
    }

    /// <summary>
    /// Maps CLIP embeddings ([N, 768], row-major) to unit CLAP embeddings ([N, 512]); row i draws its noise
    /// from <paramref name="keys"/>[i], exactly as a call of its own would (<see cref="Ssv2aMapper"/>).
    /// </summary>
    public float[] Map(float[] clip, IReadOnlyList<MappingKey> keys, int varSamples = Ssv2aMapper.DefaultVarSamples, CancellationToken cancellationToken = default)
    {
        Ssv2aMapper.CheckBatch(clip, keys, varSamples);
        return Backend.Map(Networks, clip, keys, varSamples, cancellationToken);
    }

    /// <summary>Samples and decodes every candidate of <paramref name="job"/>; the caller disposes the result.</summary>
    public DecodedCandidates Sample(DiffusionJob job, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Layout();
        return Backend.Sample(Networks, job, progress, cancellationToken);
    }

    /// <inheritdoc/>
    public void Dispose() => Networks.Dispose();
}
