using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Tests.References;

namespace EditToAudio.Cuda.Tests.Gpu;

[Collection("GPU")]
public class MaskAndImageKernelTests(GpuFixture gpu)
{
    public static TheoryData<string, int, int, bool> Masks() => new()
    {
        { "random", 37, 53, false },
        { "random", 37, 53, true },
        { "random", 480, 640, true },
        { "random", 640, 480, false },
        { "random", 224, 224, true },
        { "disk", 300, 500, false },
        { "disk", 300, 500, true },
        { "empty", 100, 150, true },
        { "full", 150, 100, false },
        { "one patch", 224, 224, false },
    };

    [GpuTheory]
    [MemberData(nameof(Masks))]
    public void Patch_weights_match_the_reference(string shape, int height, int width, bool crop)
    {
        EngineKernels kernels = gpu.Kernels;
        const int count = 3;
        var random = new Random(height * 31 + width);
        byte[] masks = new byte[count * height * width];
        for (int m = 0; m < count; m++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    masks[(m * height + y) * width + x] = Pixel(shape, random, m, y, x, height, width);
        using DeviceBuffer<byte> maskBuffer = gpu.Context.Upload<byte>(masks);
        using DeviceBuffer<float> pooled = gpu.Context.Allocate<float>(count * 256);
        using DeviceBuffer<float> weights = gpu.Context.Allocate<float>(count * 256);

        kernels.MaskPatchWeights(maskBuffer, count, height, width, crop ? MaskAlignment.Crop : MaskAlignment.Stretch, 0.5f, pooled, weights);

        float[] actualPooled = pooled.ToArray(gpu.Context.Stream);
        float[] actualWeights = weights.ToArray(gpu.Context.Stream);
        for (int m = 0; m < count; m++)
        {
            (double[] expectedPooled, float[] expectedWeights) =
                Float64Reference.PatchWeights(masks[(m * height * width)..((m + 1) * height * width)], height, width, crop);
            TestData.AssertClose(expectedPooled, actualPooled.AsSpan(m * 256, 256), 1e-6, 0, $"pooled mask {m}");
            for (int p = 0; p < 256; p++)
            {
                // A pooled value within rounding of the threshold may land on either side.
                if (Math.Abs(expectedPooled[p] - 0.5) > 1e-6)
                    Assert.True(expectedWeights[p] == actualWeights[m * 256 + p], $"mask {m} patch {p}: pooled {expectedPooled[p]:R}, expected weight {expectedWeights[p]}, actual {actualWeights[m * 256 + p]}");
            }
        }
        if (shape == "one patch")
            Assert.Equal(1, actualWeights.AsSpan(0, 256).ToArray().Count(w => w == 1f));
    }

    [GpuFact]
    public void Negative_sizes_and_oversized_image_batches_are_rejected_before_launch()
    {
        // Without the checks a negative size makes an empty grid and the launch silently does nothing.
        EngineKernels kernels = gpu.Kernels;
        using DeviceBuffer<byte> bytes = gpu.Context.Allocate<byte>(16);
        using DeviceBuffer<float> floats = gpu.Context.Allocate<float>(16);

        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() =>
            kernels.MaskPatchWeights(bytes, -1, 4, 4, MaskAlignment.Stretch, 0.5f, floats, floats)).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentOutOfRangeException>(() => kernels.NormalizeRows(floats, -2, 8)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => kernels.PhiloxNormals(floats, -1, 1, 1)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() =>
            kernels.ResizeCropNormalize(bytes, 65536, 1, 1, ImageGeometry.Stretch(1), ResizeFilter.Bilinear, [0f, 0f, 0f], [1f, 1f, 1f], bytes, floats)).ParamName);
    }

    private static byte Pixel(string shape, Random random, int mask, int y, int x, int height, int width) => shape switch
    {
        "random" => (byte)(random.NextDouble() < 0.3 ? 1 : 0),
        "disk" => (byte)(Math.Pow((y - height * (0.3 + 0.2 * mask)) / height, 2) + Math.Pow((x - width * 0.5) / width, 2) < 0.05 ? 1 : 0),
        "full" => 1,
        // Exactly patch (row 5, column 9) of the 224x224 grid.
        "one patch" => (byte)(y / 14 == 5 && x / 14 == 9 ? 1 : 0),
        _ => 0,
    };

    public static TheoryData<int, int, bool, bool> Images() => new()
    {
        { 61, 37, true, true },
        { 300, 200, true, true },
        { 200, 300, false, true },
        { 224, 224, true, true },
        { 100, 90, true, false },
        { 500, 400, false, false },
    };

    [GpuTheory]
    [MemberData(nameof(Images))]
    public void Resize_crop_normalize_matches_pil_arithmetic(int width, int height, bool bicubic, bool clipGeometry)
    {
        EngineKernels kernels = gpu.Kernels;
        const int count = 2;
        var random = new Random(width * 7 + height);
        byte[] images = new byte[count * height * width * 3];
        random.NextBytes(images);
        ImageGeometry geometry = clipGeometry ? ImageGeometry.Clip(width, height) : ImageGeometry.Stretch(64);
        float[] mean = [0.48145466f, 0.4578275f, 0.40821073f];
        float[] std = [0.26862954f, 0.26130258f, 0.27577711f];
        using DeviceBuffer<byte> imageBuffer = gpu.Context.Upload<byte>(images);
        using DeviceBuffer<byte> columns = gpu.Context.Allocate<byte>((long)count * height * geometry.OutputWidth * 3);
        using DeviceBuffer<float> pixels = gpu.Context.Allocate<float>((long)count * 3 * geometry.OutputHeight * geometry.OutputWidth);

        kernels.ResizeCropNormalize(imageBuffer, count, height, width, geometry, bicubic ? ResizeFilter.Bicubic : ResizeFilter.Bilinear, mean, std, columns, pixels);

        float[] actual = pixels.ToArray(gpu.Context.Stream);
        int plane = 3 * geometry.OutputHeight * geometry.OutputWidth;
        for (int i = 0; i < count; i++)
        {
            float[] expected = Float64Reference.ResizeCropNormalize(images[(i * height * width * 3)..((i + 1) * height * width * 3)], height, width,
                geometry.ResizedWidth, geometry.ResizedHeight, geometry.CropLeft, geometry.CropTop, geometry.OutputWidth, geometry.OutputHeight, bicubic, mean, std);
            // Integer arithmetic throughout, then the same two float32 operations: equal up to float rounding.
            TestData.AssertClose([.. expected.Select(v => (double)v)], actual.AsSpan(i * plane, plane), 1e-6, 1e-6, $"image {i}");
        }
    }

    [GpuTheory]
    [InlineData(61, 37)]      // upscaling: two taps per axis
    [InlineData(1024, 1024)]  // identity
    [InlineData(2017, 1501)]  // downscaling: wide, uneven kernels
    public void Sam2_resize_equals_the_cpu_preprocessor(int width, int height)
    {
        EngineKernels kernels = gpu.Kernels;
        const int size = EditToAudio.Images.Sam2Preprocessor.InputSize;
        var pixels = new byte[width * height * 3];
        new Random(width + height).NextBytes(pixels);
        var image = new EditToAudio.Images.RgbImage(width, height, pixels, $"random {width}x{height}");
        using DeviceBuffer<byte> input = gpu.Context.Upload<byte>(pixels);
        using var axes = new ResampleAxes(gpu.Context, width, height, size, size);
        using DeviceBuffer<float> middle = gpu.Context.Allocate<float>((long)height * size * 3);
        using DeviceBuffer<float> output = gpu.Context.Allocate<float>(EditToAudio.Images.Sam2Preprocessor.ValueCount);

        kernels.ResampleAntialiased(input, axes, EditToAudio.Images.Sam2Preprocessor.Mean, EditToAudio.Images.Sam2Preprocessor.Std, middle, output);

        float[] expected = EditToAudio.Images.Sam2Preprocessor.ToInput(image);
        TestData.AssertClose([.. expected.Select(v => (double)v)], output.ToArray(gpu.Context.Stream), 0, 0, $"SAM2 input of {image}");
    }
}
