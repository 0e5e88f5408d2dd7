using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Networks;

namespace EditToAudio.Backends;

/// <summary>
/// Where the pipeline's stages run: one object per device (<see cref="CpuBackend"/> here, the CUDA
/// backend in <c>EditToAudio.Cuda</c>). It owns the device's resources and decides how the networks
/// are opened on it (<see cref="Open"/>), so every network set a backend runs was made for its
/// device (on CUDA: its device and stream). Each stage takes a batch (many prompts of one image, N
/// images, N edit jobs, N mapping rows, N clips); <see cref="PipelineStages"/> is the public face of
/// the network stages. Every backend gives the results of the CPU within float tolerance, and the
/// same warnings. Implementations are thread-safe.
/// </summary>
public abstract class ComputeBackend : IDisposable
{
    /// <summary>"cpu" or "cuda", as run records name it.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Opens the networks of <paramref name="models"/> on this backend's device. The stages use the
    /// backend but do not own it; disposing them closes the networks.
    /// </summary>
    /// <param name="models">The model set.</param>
    /// <param name="intraOpThreads">ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime choose.</param>
    /// <exception cref="ExecutionProviderException">When the device's ONNX Runtime provider cannot be used.</exception>
    public PipelineStages Open(ModelSet models, int intraOpThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);
        return new PipelineStages(this, new NetworkSet(models, NetworkOptions(intraOpThreads)));
    }

    /// <summary>
    /// Edits every job: each pair under each of its settings (a sweep shares one eigendecomposition per
    /// region). Results keep the order of <paramref name="jobs"/> and of each job's settings; warnings
    /// are <see cref="EmbeddingEditor"/>'s, plus the backend's own diagnostics.
    /// </summary>
    /// <exception cref="ArgumentException">A job is invalid (<see cref="EditJob.Validate"/>).</exception>
    public abstract IReadOnlyList<EditResult[]> Edit(IReadOnlyList<EditJob> jobs, CancellationToken cancellationToken = default);

    /// <summary>The ONNX Runtime options that put the networks on this backend's device.</summary>
    protected abstract NetworkOptions NetworkOptions(int intraOpThreads);

    /// <summary>SAM2's masks for <paramref name="prompts"/> on one image: the encoder once, the decoder once per prompt.</summary>
    /// <param name="networks">A set this backend opened.</param>
    /// <param name="image">The image.</param>
    /// <param name="prompts">The prompts, checked before any network runs.</param>
    /// <param name="cancellationToken">Checked before every network call.</param>
    protected internal abstract IReadOnlyList<SegmentationResult> Segment(NetworkSet networks, RgbImage image, IReadOnlyList<SegmentationPrompt> prompts, CancellationToken cancellationToken);

    /// <summary>CLIP's tokens of <paramref name="images"/> in one network call: [N, 257, width], every token L2-normalized.</summary>
    protected internal abstract float[] EncodeImages(NetworkSet networks, IReadOnlyList<RgbImage> images, CancellationToken cancellationToken);

    /// <summary>
    /// SSV2A's mapping of N CLIP embeddings ([N, 768]) to unit CLAP embeddings ([N, 512]), row i drawing
    /// its noise from <paramref name="keys"/>[i] (<see cref="Ssv2aMapper"/>).
    /// </summary>
    protected internal abstract float[] Map(NetworkSet networks, float[] clip, IReadOnlyList<MappingKey> keys, int varSamples, CancellationToken cancellationToken);

    /// <summary>Samples and decodes every candidate of every clip of <paramref name="job"/>; the caller disposes the result.</summary>
    /// <param name="networks">The UNet, VAE decoder, vocoder and (optional) CLAP audio encoder.</param>
    /// <param name="job">What to sample.</param>
    /// <param name="progress">
    /// Receives the units finished: sampler steps 1..S, then S+1 after the VAE decoder, S+2 after the
    /// vocoder and S+3 after the CLAP audio encoder (<see cref="DiffusionJob.DecodingUnits"/>).
    /// </param>
    /// <param name="cancellationToken">Checked before every step and network call, and stops a network call that is running.</param>
    protected internal abstract DecodedCandidates Sample(NetworkSet networks, DiffusionJob job, IProgress<int>? progress, CancellationToken cancellationToken);

    /// <summary>Frees the backend's device resources.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the backend's device resources.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
