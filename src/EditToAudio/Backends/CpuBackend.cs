using System.Runtime.ExceptionServices;
using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Networks;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Backends;

/// <summary>
/// Every stage on the CPU: SAM2's and CLIP's preprocessing, the edit math and the samplers'
/// arithmetic in .NET, the networks on ONNX Runtime's CPU provider with host tensors. Holds no
/// device resources; thread-safe.
/// </summary>
public sealed class CpuBackend : ComputeBackend
{
    private readonly int? _threads;

    /// <summary>Creates the backend.</summary>
    /// <param name="maxDegreeOfParallelism">Threads for a batch's edit jobs and image preprocessing; all cores when null.</param>
    public CpuBackend(int? maxDegreeOfParallelism = null)
    {
        if (maxDegreeOfParallelism is int threads)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(maxDegreeOfParallelism));
        }
        _threads = maxDegreeOfParallelism;
    }

    /// <summary>A backend on all cores, for callers that do not choose (it holds nothing to dispose).</summary>
    public static CpuBackend Default { get; } = new();

    /// <inheritdoc/>
    public override string Name => "cpu";

    /// <inheritdoc/>
    public override IReadOnlyList<EditResult[]> Edit(IReadOnlyList<EditJob> jobs, CancellationToken cancellationToken = default) =>
        Unwrapped(() => EmbeddingEditor.EditBatch(jobs, _threads, progress: null, cancellationToken));

    /// <inheritdoc/>
    protected override NetworkOptions NetworkOptions(int intraOpThreads) => new(ExecutionProvider.Cpu, IntraOpThreads: intraOpThreads);

    /// <inheritdoc/>
    protected internal override IReadOnlyList<SegmentationResult> Segment(NetworkSet networks, RgbImage image, IReadOnlyList<SegmentationPrompt> prompts, CancellationToken cancellationToken)
    {
        var segmenter = new Segmenter(networks);
        Sam2ImageEmbedding embedding = segmenter.Encode(Sam2Preprocessor.ToInput(image), image.Width, image.Height, cancellationToken);
        return [.. prompts.Select(prompt => segmenter.Segment(embedding, prompt.Points, prompt.Selection, cancellationToken))];
    }

    /// <inheritdoc/>
    protected internal override float[] EncodeImages(NetworkSet networks, IReadOnlyList<RgbImage> images, CancellationToken cancellationToken)
    {
        const int size = ClipTokenEncoder.PixelsPerImage;
        var pixels = new float[images.Count * size];
        var options = new ParallelOptions { MaxDegreeOfParallelism = _threads ?? Environment.ProcessorCount, CancellationToken = cancellationToken };
        Unwrapped(() => Parallel.For(0, images.Count, options, i => ClipPreprocessor.ToPixelValues(images[i], pixels.AsSpan(i * size, size))));
        return new ClipTokenEncoder(networks).Encode(pixels, images.Count, cancellationToken);
    }

    /// <inheritdoc/>
    protected internal override float[] Map(NetworkSet networks, float[] clip, IReadOnlyList<MappingKey> keys, int varSamples, CancellationToken cancellationToken) =>
        new Ssv2aMapper(networks).MapBatch(clip, keys, varSamples, cancellationToken);

    /// <inheritdoc/>
    protected internal override DecodedCandidates Sample(NetworkSet networks, DiffusionJob job, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        (float[] latents, bool[] clipped) = DdimSampler.SampleMany(
            new OnnxEpsilonPredictor(networks, job.Schedule.Count, cancellationToken), job.Schedule, job.Shape, job.Conditionings, job.Seeds, job.Unconditional,
            job.Candidates, job.Guidance, progress, cancellationToken);
        int rows = job.Rows, steps = job.Schedule.Count;
        float[] waves = Decode(networks, latents, rows, job.Shape, new DecodingProgress(progress, steps), cancellationToken);
        int samples = waves.Length / rows;
        float[] embeddings = [];
        if (networks.Models.Has(NetworkKind.ClapAudio))
        {
            embeddings = ClapAudioEncoder.Embed(networks, waves, rows, samples, cancellationToken);
            progress?.Report(steps + 3);
        }
        return new HostCandidates(waves, rows, samples, clipped, embeddings);
    }

    /// <summary>latent / scale factor → VAE decoder → mel [N,1,4T,64] → vocoder input [N,64,4T] → waveform [N, 4T·hop].</summary>
    private static float[] Decode(NetworkSet networks, float[] latents, int count, LatentShape shape, DecodingProgress progress, CancellationToken cancellationToken)
    {
        ModelSetConstants constants = networks.Models.Constants;
        double scale = constants.VaeScaleFactor;
        var scaled = new float[latents.Length];
        for (int i = 0; i < latents.Length; i++)
        {
            scaled[i] = (float)(latents[i] / scale);
        }
        int melFrames = shape.Frames * AudioGenerator.MelFramesPerLatentFrame;
        const int melBins = AudioGenerator.MelBins;
        float[] mel;
        using (var input = OrtTensors.Wrap(scaled, count, shape.Channels, shape.Frames, shape.Bins))
        using (var outputs = networks.Get(NetworkKind.VaeDecoder).Run(new Dictionary<string, OrtValue> { [NetworkContracts.VaeDecoder.Latent.Name] = input }, cancellationToken))
        {
            mel = OrtTensors.Read(outputs[0], "VAE mel", count, 1, melFrames, melBins);
        }
        progress.Report(1);
        var transposed = new float[mel.Length];
        for (int n = 0; n < count; n++)
        {
            int offset = n * melFrames * melBins;
            for (int t = 0; t < melFrames; t++)
            {
                for (int b = 0; b < melBins; b++)
                {
                    transposed[offset + b * melFrames + t] = mel[offset + t * melBins + b];
                }
            }
        }
        using var melInput = OrtTensors.Wrap(transposed, count, melBins, melFrames);
        using var waves = networks.Get(NetworkKind.Vocoder).Run(new Dictionary<string, OrtValue> { [NetworkContracts.Vocoder.Mel.Name] = melInput }, cancellationToken);
        float[] result = OrtTensors.Read(waves[0], "vocoder wave", count, (long)melFrames * constants.HopLength);
        progress.Report(2);
        return result;
    }

    /// <summary>Reports the decoding units after the sampler's steps.</summary>
    private readonly record struct DecodingProgress(IProgress<int>? Target, int Steps)
    {
        public void Report(int decoded) => Target?.Report(Steps + decoded);
    }

    /// <summary>Runs parallel work and rethrows its first failure as itself rather than inside an <see cref="AggregateException"/>.</summary>
    private static T Unwrapped<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (AggregateException error) when (error.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(error.InnerExceptions[0]).Throw();
            throw;
        }
    }

    private static void Unwrapped(Action work) => Unwrapped(() =>
    {
        work();
        return true;
    });

    private sealed class HostCandidates(float[] waves, int rows, int samples, bool[] clipped, float[] embeddings)
        : DecodedCandidates(rows, samples, clipped, embeddings)
    {
        public override void ReadWave(int row, Span<float> destination)
        {
            CheckRead(row, destination.Length);
            waves.AsSpan(row * Samples, destination.Length).CopyTo(destination);
        }
    }
}
