using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Onnx;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Numerics;
using EditToAudio.Pipeline;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Cuda.Pipeline;

/// <summary>
/// The embedding stages with their tensors in device memory. Segmentation: the decoded image goes up
/// as RGB bytes, SAM2's preprocessing (torchvision's antialiased bilinear resize, normalize) runs as a
/// kernel, the encoder writes its features into device buffers and the decoder reads them there; only
/// the decoder's low-resolution logits and scores come back, for the host's mask choice and resize.
/// Then CLIP's tokens, the edit and the SSV2A mapping: CLIP's preprocessing (Pillow's bicubic resize,
/// crop, normalize) runs as a kernel, CLIP runs bound to the engine's buffers on the engine's stream, the tokens are
/// normalized in place and edited where they are (<see cref="GpuEditPipeline"/>), and the edited
/// embedding goes through both SSV2A stages with the variational sampling as a kernel. The host
/// receives what the run records and saves: the tokens, the edit's parts and the CLAP embedding.
/// Thread-safe: calls run one after another on the stream.
/// </summary>
public sealed class CudaEmbeddingBackend : IEmbeddingBackend
{
    private readonly EngineKernels kernels;
    private readonly DeviceTensors tensors;
    private readonly CudaEditBackend edit;
    private readonly Lock gate = new();

    /// <summary>Runs on <paramref name="kernels"/>' context and stream, editing with <paramref name="edit"/> (not owned).</summary>
    public CudaEmbeddingBackend(EngineKernels kernels, DeviceTensors tensors, CudaEditBackend edit)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(edit);
        if (tensors.Context != kernels.Library.Context)
            throw new ArgumentException("the tensors and the kernels must share one context", nameof(tensors));
        this.kernels = kernels;
        this.tensors = tensors;
        this.edit = edit;
    }

    /// <inheritdoc/>
    public string EditName => edit.Name;

    private CudaContext Context => kernels.Library.Context;

    /// <inheritdoc/>
    public SegmentationResult Segment(NetworkSet networks, RgbImage image, IReadOnlyList<PromptPoint> points, MaskSelection selection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        // The prompt is checked before any device work, with the host's messages.
        (float[] coordinates, float[] labels) = Segmenter.PromptInputs(points, image.Width, image.Height);
        tensors.RequireSharedStream(networks, "The CUDA embedding stages");
        const int size = Sam2Preprocessor.InputSize;
        lock (gate)
        {
            using ContextScope scope = Context.Bind();
            using DeviceBuffer<byte> pixels = Context.Upload<byte>(image.Pixels);
            using var axes = new ResampleAxes(Context, image.Width, image.Height, size, size);
            using DeviceBuffer<float> middle = Context.Allocate<float>((long)image.Height * size * 3);
            using DeviceBuffer<float> input = Context.Allocate<float>(Sam2Preprocessor.ValueCount);
            kernels.ResampleAntialiased(pixels, axes, Sam2Preprocessor.Mean, Sam2Preprocessor.Std, middle, input);

            // The encoder's features stay on the device for the decoder; only the decoder's small outputs come back.
            ModelSession encoder = networks.Get(NetworkKind.Sam2Encoder);
            // Named as both the encoder's outputs and the decoder's inputs (NetworkContracts).
            (string Name, long[] Shape)[] featureLayout = [("image_embed", [1, 256, 64, 64]), ("high_res_feats_0", [1, 32, 256, 256]), ("high_res_feats_1", [1, 64, 128, 128])];
            // Owned one by one, so a failed allocation or wrap still frees what came before it, and each tensor before its buffer.
            using var owned = new OwnedResources();
            var featureValues = new List<OrtValue>(featureLayout.Length);
            foreach ((string _, long[] shape) in featureLayout)
            {
                DeviceBuffer<float> buffer = owned.Own(Context.Allocate<float>(shape.Aggregate(1L, (a, b) => a * b)));
                featureValues.Add(owned.Own(tensors.Wrap(buffer, 0, shape)));
            }
            using (OrtValue inputValue = tensors.Wrap(input, 0, 1, 3, size, size))
            {
                encoder.RunBound(binding =>
                {
                    binding.BindInput("image", inputValue);
                    for (int i = 0; i < featureLayout.Length; i++)
                        binding.BindOutput(featureLayout[i].Name, featureValues[i]);
                }, cancellationToken);
            }

            ModelSession decoder = networks.Get(NetworkKind.Sam2Decoder);
            using OrtValue pointCoords = OrtValue.CreateTensorValueFromMemory(coordinates, [1, points.Count, 2]);
            using OrtValue pointLabels = OrtValue.CreateTensorValueFromMemory(labels, [1, points.Count]);
            using OrtValue maskInput = OrtValue.CreateTensorValueFromMemory(new float[Segmenter.LowResSize * Segmenter.LowResSize], [1, 1, Segmenter.LowResSize, Segmenter.LowResSize]);
            using OrtValue hasMaskInput = OrtValue.CreateTensorValueFromMemory(new float[1], [1]);
            string masksName = decoder.Contract.Outputs[0].Name, iousName = decoder.Contract.Outputs[1].Name;
            return decoder.RunBound(binding =>
            {
                for (int i = 0; i < featureLayout.Length; i++)
                    binding.BindInput(featureLayout[i].Name, featureValues[i]);
                binding.BindInput("point_coords", pointCoords);
                binding.BindInput("point_labels", pointLabels);
                binding.BindInput("mask_input", maskInput);
                binding.BindInput("has_mask_input", hasMaskInput);
                // The number of masks is the decoder's to choose, so ONNX Runtime allocates these two, in host memory.
                binding.BindOutputToDevice(masksName, OrtMemoryInfo.DefaultInstance);
                binding.BindOutputToDevice(iousName, OrtMemoryInfo.DefaultInstance);
            }, binding =>
            {
                string[] names = binding.GetOutputNames();
                using IDisposableReadOnlyCollection<OrtValue> outputs = binding.GetOutputValues();
                return Segmenter.FromDecoderOutputs(outputs[Array.IndexOf(names, masksName)], outputs[Array.IndexOf(names, iousName)], image.Width, image.Height, selection);
            }, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public EmbeddingStages Embed(NetworkSet networks, EmbeddingInput input, IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        tensors.RequireSharedStream(networks, "The CUDA embedding stages");
        TokenLayout tokens = networks.Models.Constants.Tokens;
        if (tokens.Tokens != EngineKernels.Tokens || tokens.Width != EngineKernels.Width)
            throw new InvalidOperationException($"The CUDA embedding stages take CLIP ViT-L/14's {EngineKernels.Tokens}×{EngineKernels.Width} tokens; the model set declares {tokens.Tokens}×{tokens.Width}.");
        var clock = new StageClock(progress);
        lock (gate)
        {
            using ContextScope scope = Context.Bind();
            CudaStream stream = Context.Stream;
            using DeviceBuffer<float> original = Context.Allocate<float>(EngineKernels.Tokens * EngineKernels.Width);
            using DeviceBuffer<float> edited = Context.Allocate<float>(EngineKernels.Tokens * EngineKernels.Width);
            (float[] originalTokens, float[] editedTokens) = clock.Measure(PipelineStage.ClipTokens, () =>
            {
                ModelSession clip = networks.Get(NetworkKind.ClipTokens);
                Encode(clip, input.Original, original, cancellationToken);
                Encode(clip, input.Edited, edited, cancellationToken);
                kernels.NormalizeRows(original, EngineKernels.Tokens, EngineKernels.Width);
                kernels.NormalizeRows(edited, EngineKernels.Tokens, EngineKernels.Width);
                return (original.ToArray(stream), edited.ToArray(stream));
            });

            (GpuEditResult device, EditResult result) = clock.Measure(PipelineStage.Edit, () => edit.EditOnDevice(original, edited,
                new BinaryMask(input.Remove.Mask, input.Remove.Height, input.Remove.Width), new BinaryMask(input.Add.Mask, input.Add.Height, input.Add.Width),
                input.Edit, cancellationToken));
            using (device)
            {
                cancellationToken.ThrowIfCancellationRequested();
                float[] clap = clock.Measure(PipelineStage.Mapping, () => Map(networks, device.Embeddings, new MappingKey(input.Seed, 0), input.VarSamples, cancellationToken));
                return new EmbeddingStages(originalTokens, editedTokens, result, clap, clock.Seconds);
            }
        }
    }

    /// <summary>RGB bytes up, CLIP's preprocessing as a kernel, CLIP bound with its tokens written into <paramref name="tokens"/>.</summary>
    private void Encode(ModelSession clip, RgbImage image, DeviceBuffer<float> tokens, CancellationToken cancellationToken)
    {
        const int size = ClipGeometry.InputSize;
        using DeviceBuffer<byte> pixels = Context.Upload<byte>(image.Pixels);
        using DeviceBuffer<byte> columns = Context.Allocate<byte>((long)image.Height * size * 3);
        using DeviceBuffer<float> values = Context.Allocate<float>(3 * size * size);
        kernels.ResizeCropNormalize(pixels, 1, image.Height, image.Width, ImageGeometry.Clip(image.Width, image.Height), ResizeFilter.Bicubic,
            ClipPreprocessor.Mean, ClipPreprocessor.Std, columns, values);
        using OrtValue input = tensors.Wrap(values, 0, 1, 3, size, size);
        using OrtValue output = tensors.Wrap(tokens, 0, 1, EngineKernels.Tokens, EngineKernels.Width);
        clip.RunBound(binding =>
        {
            binding.BindInput("pixel_values", input);
            binding.BindOutput(clip.Contract.Outputs[0].Name, output);
        }, cancellationToken);
    }

    /// <summary>Both SSV2A stages on one device embedding [1, 768], drawing as <see cref="Ssv2aMapper"/> does; returns the unit CLAP embedding.</summary>
    private float[] Map(NetworkSet networks, DeviceBuffer<float> embedding, MappingKey key, int varSamples, CancellationToken cancellationToken)
    {
        // Every buffer lives until the final copy has waited for the stream, so none is freed under a queued kernel.
        using DeviceBuffer<ulong> seeds = Context.Upload<ulong>([key.Seed]);
        using DeviceBuffer<ulong> manifoldStream = Context.Upload<ulong>([NoiseStream.Id(NoiseStage.Ssv2aManifold, 0, key.Index)]);
        using DeviceBuffer<ulong> generatorStream = Context.Upload<ulong>([NoiseStream.Id(NoiseStage.Ssv2aGenerator, 0, key.Index)]);
        using DeviceBuffer<float> mu = Context.Allocate<float>(Ssv2aMapper.ClipWidth);
        using DeviceBuffer<float> logVariance = Context.Allocate<float>(Ssv2aMapper.ClipWidth);
        using DeviceBuffer<float> fold = Context.Allocate<float>(Ssv2aMapper.ClipWidth);
        using DeviceBuffer<float> clap = Context.Allocate<float>(Ssv2aMapper.ClapWidth);
        Sample(networks.Get(NetworkKind.Ssv2aManifold), "clip", embedding, Ssv2aMapper.ClipWidth, fold, Ssv2aMapper.ClipWidth,
            seeds, manifoldStream, mu, logVariance, varSamples, cancellationToken);
        Sample(networks.Get(NetworkKind.Ssv2aGenerator), "x", fold, Ssv2aMapper.ClipWidth, clap, Ssv2aMapper.ClapWidth,
            seeds, generatorStream, mu, logVariance, varSamples, cancellationToken);
        kernels.NormalizeRows(clap, 1, Ssv2aMapper.ClapWidth);
        return clap.ToArray(Context.Stream);
    }

    /// <summary>
    /// One SSV2A stage: the network's (μ, log σ²) bound to <paramref name="mu"/> and <paramref name="logVariance"/>, then the mean
    /// of the draws from (<paramref name="seeds"/>[0], <paramref name="stream"/>[0]) into <paramref name="output"/>.
    /// </summary>
    private void Sample(ModelSession session, string inputName, DeviceBuffer<float> input, int inputWidth, DeviceBuffer<float> output, int outputWidth,
        DeviceBuffer<ulong> seeds, DeviceBuffer<ulong> stream, DeviceBuffer<float> mu, DeviceBuffer<float> logVariance,
        int varSamples, CancellationToken cancellationToken)
    {
        using (OrtValue inputValue = tensors.Wrap(input, 0, 1, inputWidth))
        using (OrtValue muValue = tensors.Wrap(mu, 0, 1, outputWidth))
        using (OrtValue logVarianceValue = tensors.Wrap(logVariance, 0, 1, outputWidth))
        {
            session.RunBound(binding =>
            {
                binding.BindInput(inputName, inputValue);
                binding.BindOutput(session.Contract.Outputs[0].Name, muValue);
                binding.BindOutput(session.Contract.Outputs[1].Name, logVarianceValue);
            }, cancellationToken);
        }
        kernels.VariationalMean(mu, logVariance, output, 1, outputWidth, varSamples, seeds, stream);
    }
}
