using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Pipeline;
using EditToAudio.Cuda.Tests.References;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Pipeline;

namespace EditToAudio.Cuda.Tests.Gpu;

/// <summary>
/// The embedding stages on device memory against the host ones on the synthetic model set: tokens,
/// edit parts, warnings and CLAP embedding. Needs a GPU and ONNX Runtime's CUDA provider; skipped
/// with the reason where either is missing.
/// </summary>
[Collection("GPU")]
public class CudaEmbeddingBackendTests(GpuFixture gpu)
{
    [GpuTheory]
    [InlineData(97, 61, 0.3, 0.2)]    // landscape original, small masks
    [InlineData(61, 140, 0.0, 1.0)]   // empty removed-object mask, added object covering the whole image
    public void Stages_match_the_host_backend(int width, int height, double removeShare, double addShare)
    {
        _ = gpu.Kernels; // skips, with the reason, where there is no GPU
        ModelSet models = GpuNetworks.SyntheticModels();
        long liveBefore = DeviceMemory.LiveBuffers;
        var random = new Random(width * 1000 + height);
        var input = new EmbeddingInput(Image(random, width, height), Image(random, height + 13, width), Mask(width, height, removeShare), Mask(height + 13, width, addShare),
            new EditParameters { K = 6, Alpha = 0.1, Beta = 2.5 }, Seed: 42, VarSamples: 16);

        EmbeddingStages device, host;
        // The edit pipeline keeps its scratch buffers until the backends are disposed, so the leak check comes after that.
        using (CudaBackends cuda = CudaBackends.Open())
        {
            // The engine's options keep TF32 off; ONNX Runtime's default (TF32 on) would leave only ~3 digits to compare with the CPU.
            using NetworkSet onGpu = GpuNetworks.OpenOrSkip(models, cuda.NetworkOptions());
            using var onCpu = new NetworkSet(models);
            device = cuda.Embedding.Embed(onGpu, input, cancellationToken: TestContext.Current.CancellationToken);
            host = new HostEmbeddingBackend().Embed(onCpu, input, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal("cuda", cuda.Embedding.EditName);
        }

        TestData.AssertClose([.. host.OriginalTokens.Select(v => (double)v)], device.OriginalTokens, 1e-5, 1e-4, "original tokens");
        TestData.AssertClose([.. host.EditedTokens.Select(v => (double)v)], device.EditedTokens, 1e-5, 1e-4, "edited tokens");
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
    public void Segmentation_matches_the_host_backend(MaskSelection selection)
    {
        _ = gpu.Kernels; // skips, with the reason, where there is no GPU
        ModelSet models = GpuNetworks.SyntheticModels();
        EditToAudio.Samples.DemoImages scene = EditToAudio.Samples.DemoScene.Create();
        var image = new RgbImage(scene.Width, scene.Height, scene.OriginalRgb, "demo original");
        PromptPoint[] points = [new(scene.RemovePoint.X, scene.RemovePoint.Y)];
        long liveBefore = DeviceMemory.LiveBuffers;
        SegmentationResult device, host;
        using (CudaBackends cuda = CudaBackends.Open())
        {
            using NetworkSet onGpu = GpuNetworks.OpenOrSkip(models, cuda.NetworkOptions());
            using var onCpu = new NetworkSet(models);
            device = cuda.Embedding.Segment(onGpu, image, points, selection, TestContext.Current.CancellationToken);
            host = new HostEmbeddingBackend().Segment(onCpu, image, points, selection, TestContext.Current.CancellationToken);
        }

        Assert.Equal(host.MaskIndex, device.MaskIndex);
        Assert.True(Math.Abs(host.PredictedIou - device.PredictedIou) <= 1e-4, $"IoU {device.PredictedIou} vs {host.PredictedIou}");
        TestData.AssertClose([.. host.LowResLogits.Select(v => (double)v)], device.LowResLogits, 1e-4, 1e-4, "low-resolution logits");
        int differing = host.Mask.Zip(device.Mask).Count(p => p.First != p.Second);
        Assert.True(differing <= host.Mask.Length / 10_000, $"{differing} of {host.Mask.Length} mask pixels differ");
        Assert.Equal(liveBefore, DeviceMemory.LiveBuffers);
    }

    [GpuFact]
    public void A_point_outside_the_image_is_refused_before_any_device_work()
    {
        _ = gpu.Kernels;
        ModelSet models = GpuNetworks.SyntheticModels();
        using CudaBackends cuda = CudaBackends.Open();
        using var onCpu = new NetworkSet(models);
        var image = new RgbImage(40, 30, new byte[40 * 30 * 3], "black 40x30");

        var error = Assert.Throws<ArgumentException>(() => cuda.Embedding.Segment(onCpu, image, [new PromptPoint(40, 3)], MaskSelection.SingleMask, TestContext.Current.CancellationToken));

        Assert.Contains("outside the 40×30 image", error.Message, StringComparison.Ordinal);
    }

    private static RgbImage Image(Random random, int width, int height)
    {
        var pixels = new byte[width * height * 3];
        random.NextBytes(pixels);
        return new RgbImage(width, height, pixels, $"random {width}x{height}");
    }

    /// <summary>A centred rectangle covering about <paramref name="share"/> of the image.</summary>
    private static SegmentationResult Mask(int width, int height, double share)
    {
        var mask = new byte[width * height];
        int w = (int)Math.Round(width * Math.Sqrt(share)), h = (int)Math.Round(height * Math.Sqrt(share));
        for (int y = (height - h) / 2; y < (height - h) / 2 + h; y++)
            mask.AsSpan(y * width + (width - w) / 2, w).Fill(1);
        return new SegmentationResult(mask, width, height, [], 0, 1f, 1.0);
    }
}

/// <summary>Networks on ONNX Runtime's CUDA provider, or a skip saying why they cannot be opened here.</summary>
internal static class GpuNetworks
{
    public static ModelSet SyntheticModels() =>
        ModelSet.Load(ModelSet.FindSyntheticFolder() ?? throw new InvalidOperationException("the synthetic model set is missing"));

    public static NetworkSet OpenOrSkip(ModelSet models, NetworkOptions options)
    {
        try
        {
            return new NetworkSet(models, options);
        }
        catch (ExecutionProviderException e)
        {
            Assert.Skip("A GPU is present but ONNX Runtime's CUDA provider is not usable here: " + e.Message);
            throw;
        }
    }
}
