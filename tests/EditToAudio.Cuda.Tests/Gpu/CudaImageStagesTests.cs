using EditToAudio.Backends;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Pipeline;
using EditToAudio.Cuda.Tests.References;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Networks;

namespace EditToAudio.Cuda.Tests.Gpu;

/// <summary>
/// The CUDA backend's embedding stages (CLIP tokens, edit, mapping, segmentation) against the CPU
/// backend's on the synthetic model set: tokens, edit parts, warnings and CLAP embedding. Needs a GPU
/// and ONNX Runtime's CUDA provider; skipped with the reason where either is missing.
/// </summary>
[Collection("GPU")]
public class CudaImageStagesTests(GpuFixture gpu)
{
    [GpuTheory]
    [InlineData(97, 61, 0.3, 0.2)]    // landscape original, small masks
    [InlineData(61, 140, 0.0, 1.0)]   // empty removed-object mask, added object covering the whole image
    public void Stages_match_the_cpu_backend(int width, int height, double removeShare, double addShare)
    {
        _ = gpu.Kernels; // skips, with the reason, where there is no GPU
        ModelSet models = GpuNetworks.SyntheticModels();
        long liveBefore = DeviceMemory.LiveBuffers;
        var random = new Random(width * 1000 + height);
        RgbImage original = Image(random, width, height), edited = Image(random, height + 13, width);
        BinaryMask remove = Mask(width, height, removeShare), add = Mask(height + 13, width, addShare);
        var parameters = new EditParameters { K = 6, Alpha = 0.1, Beta = 2.5 };

        (float[] Tokens, EditResult Edit, float[] Clap) device, host;
        // The edit pipeline keeps its scratch buffers until the backend is disposed, so the leak check comes after that.
        using (CudaBackend cuda = CudaBackend.Open())
        {
            using PipelineStages onGpu = GpuNetworks.OpenOrSkip(cuda, models);
            using PipelineStages onCpu = new CpuBackend().Open(models);
            device = Embed(onGpu, original, edited, remove, add, parameters);
            host = Embed(onCpu, original, edited, remove, add, parameters);
            Assert.Equal("cuda", onGpu.Backend.Name);
        }

        TestData.AssertClose([.. host.Tokens.Select(v => (double)v)], device.Tokens, 1e-5, 1e-4, "tokens of both images");
        foreach ((string part, float[] expected, float[] actual) in new[]
        {
            ("E", host.Edit.Embedding, device.Edit.Embedding), ("E_sup", host.Edit.Suppressed, device.Edit.Suppressed),
            ("E_boost", host.Edit.Boosted, device.Edit.Boosted), ("E_bg", host.Edit.Background, device.Edit.Background),
            ("CLAP", host.Clap, device.Clap),
        })
        {
            if (expected.All(v => v == 0f))
            {
                TestData.AssertClose(new double[expected.Length], actual, 0, 0, $"{part}, the zero vector");
                continue;
            }
            double cosine = TestData.Cosine([.. expected.Select(v => (double)v)], [.. actual.Select(v => (double)v)]);
            Assert.True(cosine >= 0.99999, $"{part}: cosine {cosine:G9}");
        }
        Assert.Equal(host.Edit.Warnings, device.Edit.Warnings);
        Assert.Equal(liveBefore, DeviceMemory.LiveBuffers);
    }

    [GpuTheory]
    [InlineData(MaskSelection.SingleMask)]
    [InlineData(MaskSelection.BestOfThree)]
    public void Segmentation_matches_the_cpu_backend(MaskSelection selection)
    {
        _ = gpu.Kernels; // skips, with the reason, where there is no GPU
        ModelSet models = GpuNetworks.SyntheticModels();
        EditToAudio.Samples.DemoImages scene = EditToAudio.Samples.DemoScene.Create();
        var image = new RgbImage(scene.Width, scene.Height, scene.OriginalRgb, "demo original");
        // Two prompts on one image: the encoder's features on the device serve both decoder runs.
        SegmentationPrompt[] prompts = [new(new PromptPoint(scene.RemovePoint.X, scene.RemovePoint.Y), selection), new(new PromptPoint(scene.AddPoint.X, scene.AddPoint.Y), selection)];
        long liveBefore = DeviceMemory.LiveBuffers;
        IReadOnlyList<SegmentationResult> device, host;
        using (CudaBackend cuda = CudaBackend.Open())
        {
            using PipelineStages onGpu = GpuNetworks.OpenOrSkip(cuda, models);
            using PipelineStages onCpu = new CpuBackend().Open(models);
            device = onGpu.Segment(image, prompts, TestContext.Current.CancellationToken);
            host = onCpu.Segment(image, prompts, TestContext.Current.CancellationToken);
        }

        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(host[i].MaskIndex, device[i].MaskIndex);
            Assert.True(Math.Abs(host[i].PredictedIou - device[i].PredictedIou) <= 1e-4, $"prompt {i}: IoU {device[i].PredictedIou} vs {host[i].PredictedIou}");
            TestData.AssertClose([.. host[i].LowResLogits.Select(v => (double)v)], device[i].LowResLogits, 1e-4, 1e-4, $"prompt {i}: low-resolution logits");
            int differing = host[i].Mask.Zip(device[i].Mask).Count(p => p.First != p.Second);
            Assert.True(differing <= host[i].Mask.Length / 10_000, $"prompt {i}: {differing} of {host[i].Mask.Length} mask pixels differ");
        }
        Assert.Equal(liveBefore, DeviceMemory.LiveBuffers);
    }

    [GpuFact]
    public void A_point_outside_the_image_is_refused_before_any_device_work()
    {
        using PipelineStages stages = GpuNetworks.OpenOrSkip(gpu.Backend, GpuNetworks.SyntheticModels());
        var image = new RgbImage(40, 30, new byte[40 * 30 * 3], "black 40x30");
        long callsBefore = stages.Networks.CallCounts[NetworkKind.Sam2Encoder];

        var error = Assert.Throws<ArgumentException>(() => stages.Segment(image, [new SegmentationPrompt(new PromptPoint(40, 3))], TestContext.Current.CancellationToken));

        Assert.Contains("outside the 40×30 image", error.Message, StringComparison.Ordinal);
        Assert.Equal(callsBefore, stages.Networks.CallCounts[NetworkKind.Sam2Encoder]);
    }

    [GpuFact]
    public void The_backend_opens_its_networks_on_its_own_device_and_stream()
    {
        // By construction: the stages' network set is the one the backend opened, so bound tensors and kernels share one stream.
        using PipelineStages stages = GpuNetworks.OpenOrSkip(gpu.Backend, GpuNetworks.SyntheticModels());
        NetworkOptions options = stages.Networks.Options;

        Assert.Equal(ExecutionProvider.Cuda, options.Provider);
        Assert.Equal(gpu.Backend.Device.Ordinal, options.DeviceId);
        Assert.Equal(gpu.Context.Stream.NativeHandle, options.ComputeStream);
        Assert.False(options.AllowTf32);
    }

    private static (float[] Tokens, EditResult Edit, float[] Clap) Embed(PipelineStages stages, RgbImage original, RgbImage edited, BinaryMask remove, BinaryMask add, EditParameters parameters)
    {
        CancellationToken cancel = TestContext.Current.CancellationToken;
        float[] tokens = stages.EncodeImages([original, edited], cancel);
        int perImage = 257 * 768;
        var pair = new EditPair(new ImageTokens(tokens.AsMemory(0, perImage), 768), new ImageTokens(tokens.AsMemory(perImage), 768), remove, add);
        EditResult edit = stages.Edit([new EditJob(pair, parameters)], cancel)[0][0];
        float[] clap = stages.Map(edit.Embedding, [new MappingKey(42, 0)], 16, cancel);
        return (tokens, edit, clap);
    }

    private static RgbImage Image(Random random, int width, int height)
    {
        var pixels = new byte[width * height * 3];
        random.NextBytes(pixels);
        return new RgbImage(width, height, pixels, $"random {width}x{height}");
    }

    /// <summary>A centred rectangle covering about <paramref name="share"/> of the image.</summary>
    private static BinaryMask Mask(int width, int height, double share)
    {
        var mask = new byte[width * height];
        int w = (int)Math.Round(width * Math.Sqrt(share)), h = (int)Math.Round(height * Math.Sqrt(share));
        for (int y = (height - h) / 2; y < (height - h) / 2 + h; y++)
        {
            mask.AsSpan(y * width + (width - w) / 2, w).Fill(1);
        }
        return new BinaryMask(mask, height, width);
    }
}

/// <summary>Networks on ONNX Runtime's CUDA provider, or a skip saying why they cannot be opened here.</summary>
internal static class GpuNetworks
{
    public static ModelSet SyntheticModels() =>
        ModelSet.Load(ModelSet.FindSyntheticFolder() ?? throw new InvalidOperationException("the synthetic model set is missing"));

    public static PipelineStages OpenOrSkip(ComputeBackend backend, ModelSet models)
    {
        try
        {
            return backend.Open(models);
        }
        catch (ExecutionProviderException e)
        {
            Assert.Skip("A GPU is present but ONNX Runtime's CUDA provider is not usable here: " + e.Message);
            throw;
        }
    }
}
