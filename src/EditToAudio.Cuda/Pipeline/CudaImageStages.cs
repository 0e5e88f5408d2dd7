using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Onnx;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Networks;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Cuda.Pipeline;

/// <summary>
/// The per-image stages on device memory. Segmentation: the decoded image goes up as RGB bytes, SAM2's
/// preprocessing (torchvision's antialiased bilinear resize, normalize) runs as a kernel, the encoder
/// writes its features into device buffers and the decoder reads them there for every prompt; only the
/// decoder's low-resolution logits and scores come back, for the host's mask choice and resize. CLIP:
/// each image's preprocessing (Pillow's bicubic resize, crop, normalize) runs as a kernel into one
/// batch, CLIP runs bound to it, and the tokens are normalized in place before they come back. Not
/// thread-safe: the backend calls it under its lock.
/// </summary>
internal sealed class CudaImageStages(EngineKernels kernels, DeviceTensors tensors)
{
    private CudaContext Context => kernels.Library.Context;

    public IReadOnlyList<SegmentationResult> Segment(NetworkSet networks, RgbImage image, IReadOnlyList<SegmentationPrompt> prompts, CancellationToken cancellationToken)
    {
        const int size = Sam2Preprocessor.InputSize;
        Sam2EncoderContract encoderContract = NetworkContracts.Sam2Encoder;
        Sam2DecoderContract decoderContract = NetworkContracts.Sam2Decoder;
        using ContextScope scope = Context.Bind();
        using DeviceBuffer<byte> pixels = Context.Upload<byte>(image.Pixels);
        using var axes = new ResampleAxes(Context, image.Width, image.Height, size, size);
        using DeviceBuffer<float> middle = Context.Allocate<float>((long)image.Height * size * 3);
        using DeviceBuffer<float> input = Context.Allocate<float>(Sam2Preprocessor.ValueCount);
        kernels.ResampleAntialiased(pixels, axes, Sam2Preprocessor.Mean, Sam2Preprocessor.Std, middle, input);

        // The encoder's features stay on the device for every prompt's decoder run; only the decoder's small outputs come back.
        ModelSession encoder = networks.Get(NetworkKind.Sam2Encoder);
        TensorContract[] features = [encoderContract.ImageEmbed, encoderContract.HighResFeats0, encoderContract.HighResFeats1];
        // Owned one by one, so a failed allocation or wrap still frees what came before it, and each tensor before its buffer.
        using var owned = new OwnedResources();
        var featureValues = new List<OrtValue>(features.Length);
        foreach (TensorContract feature in features)
        {
            long[] shape = [.. feature.Shape.Select(d => d.Value)];
            DeviceBuffer<float> buffer = owned.Own(Context.Allocate<float>(shape.Aggregate(1L, (a, b) => a * b)));
            featureValues.Add(owned.Own(tensors.Wrap(buffer, 0, shape)));
        }
        using (OrtValue inputValue = tensors.Wrap(input, 0, 1, 3, size, size))
        {
            encoder.RunBound(binding =>
            {
                binding.BindInput(encoderContract.Image.Name, inputValue);
                for (int i = 0; i < features.Length; i++)
                {
                    binding.BindOutput(features[i].Name, featureValues[i]);
                }
            }, cancellationToken);
        }

        ModelSession decoder = networks.Get(NetworkKind.Sam2Decoder);
        var results = new List<SegmentationResult>(prompts.Count);
        foreach (SegmentationPrompt prompt in prompts)
        {
            (float[] coordinates, float[] labels) = Segmenter.PromptInputs(prompt.Points, image.Width, image.Height);
            using OrtValue pointCoords = OrtValue.CreateTensorValueFromMemory(coordinates, [1, prompt.Points.Count, 2]);
            using OrtValue pointLabels = OrtValue.CreateTensorValueFromMemory(labels, [1, prompt.Points.Count]);
            using OrtValue maskInput = OrtValue.CreateTensorValueFromMemory(new float[Segmenter.LowResSize * Segmenter.LowResSize], [1, 1, Segmenter.LowResSize, Segmenter.LowResSize]);
            using OrtValue hasMaskInput = OrtValue.CreateTensorValueFromMemory(new float[1], [1]);
            string masksName = decoderContract.Masks.Name, iousName = decoderContract.IouPredictions.Name;
            results.Add(decoder.RunBound(binding =>
            {
                // The decoder reads the features under the names the encoder wrote them (Sam2Features).
                for (int i = 0; i < features.Length; i++)
                {
                    binding.BindInput(features[i].Name, featureValues[i]);
                }
                binding.BindInput(decoderContract.PointCoords.Name, pointCoords);
                binding.BindInput(decoderContract.PointLabels.Name, pointLabels);
                binding.BindInput(decoderContract.MaskInput.Name, maskInput);
                binding.BindInput(decoderContract.HasMaskInput.Name, hasMaskInput);
                // The number of masks is the decoder's to choose, so ONNX Runtime allocates these two, in host memory.
                binding.BindOutputToDevice(masksName, OrtMemoryInfo.DefaultInstance);
                binding.BindOutputToDevice(iousName, OrtMemoryInfo.DefaultInstance);
            }, binding =>
            {
                string[] names = binding.GetOutputNames();
                using IDisposableReadOnlyCollection<OrtValue> outputs = binding.GetOutputValues();
                return Segmenter.FromDecoderOutputs(outputs[Array.IndexOf(names, masksName)], outputs[Array.IndexOf(names, iousName)], image.Width, image.Height, prompt.Selection);
            }, cancellationToken));
        }
        return results;
    }

    /// <summary>CLIP's tokens of every image in one bound call: [N, 257, 768], each token normalized on the device.</summary>
    public float[] Encode(NetworkSet networks, IReadOnlyList<RgbImage> images, CancellationToken cancellationToken)
    {
        TokenLayout layout = networks.Models.Constants.Tokens;
        if (layout.Tokens != EngineKernels.Tokens || layout.Width != EngineKernels.Width)
        {
            throw new InvalidOperationException($"The CUDA backend takes CLIP ViT-L/14's {EngineKernels.Tokens}×{EngineKernels.Width} tokens; the model set declares {layout.Tokens}×{layout.Width}.");
        }
        const int size = ClipGeometry.InputSize, perImage = 3 * size * size;
        int count = images.Count;
        ClipTokensContract contract = NetworkContracts.ClipTokens;
        using ContextScope scope = Context.Bind();
        using DeviceBuffer<float> values = Context.Allocate<float>((long)count * perImage);
        using DeviceBuffer<float> tokens = Context.Allocate<float>((long)count * EngineKernels.Tokens * EngineKernels.Width);
        for (int i = 0; i < count; i++)
        {
            RgbImage image = images[i];
            using DeviceBuffer<byte> pixels = Context.Upload<byte>(image.Pixels);
            using DeviceBuffer<byte> columns = Context.Allocate<byte>((long)image.Height * size * 3);
            kernels.ResizeCropNormalize(pixels, 1, image.Height, image.Width, ClipGeometry.For(image.Width, image.Height), ResizeFilter.Bicubic,
                ClipPreprocessor.Mean, ClipPreprocessor.Std, columns, values, (long)i * perImage);
            // The scratch above is freed at the end of this iteration while the kernel may still be queued.
            Context.Stream.Synchronize();
        }
        using (OrtValue input = tensors.Wrap(values, 0, count, 3, size, size))
        using (OrtValue output = tensors.Wrap(tokens, 0, count, EngineKernels.Tokens, EngineKernels.Width))
        {
            networks.Get(NetworkKind.ClipTokens).RunBound(binding =>
            {
                binding.BindInput(contract.PixelValues.Name, input);
                binding.BindOutput(contract.Tokens.Name, output);
            }, cancellationToken);
        }
        kernels.NormalizeRows(tokens, (long)count * EngineKernels.Tokens, EngineKernels.Width);
        return tokens.ToArray(Context.Stream);
    }
}
