using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Tests.References;
using EditToAudio.Images;
using EditToAudio.Reference;

namespace EditToAudio.Cuda.Tests.Gpu;

[Collection("GPU")]
public class ImageKernelTests(GpuFixture gpu)
{
    /// <summary>A plain resize to 224×224 without a crop (SAM2's rule at CLIP's size).</summary>
    private static readonly ClipGeometry Stretch = new(ClipGeometry.InputSize, ClipGeometry.InputSize, 0, 0);

    [GpuFact]
    public void Negative_sizes_and_oversized_image_batches_are_rejected_before_launch()
    {
        // Without the checks a negative size makes an empty grid and the launch silently does nothing.
        EngineKernels kernels = gpu.Kernels;
        using DeviceBuffer<byte> bytes = gpu.Context.Allocate<byte>(16);
        using DeviceBuffer<float> floats = gpu.Context.Allocate<float>(16);

        Assert.Equal("rows", Assert.Throws<ArgumentOutOfRangeException>(() => kernels.NormalizeRows(floats, -2, 8)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => kernels.PhiloxNormals(floats, -1, 1, 1)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() =>
            kernels.ResizeCropNormalize(bytes, 65536, 1, 1, Stretch, ResizeFilter.Bilinear, [0f, 0f, 0f], [1f, 1f, 1f], bytes, floats)).ParamName);
    }

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
        ClipGeometry geometry = clipGeometry ? ClipGeometry.For(width, height) : Stretch;
        const int size = ClipGeometry.InputSize;
        float[] mean = [0.48145466f, 0.4578275f, 0.40821073f];
        float[] std = [0.26862954f, 0.26130258f, 0.27577711f];
        using DeviceBuffer<byte> imageBuffer = gpu.Context.Upload<byte>(images);
        using DeviceBuffer<byte> columns = gpu.Context.Allocate<byte>((long)count * height * size * 3);
        using DeviceBuffer<float> pixels = gpu.Context.Allocate<float>((long)count * 3 * size * size);

        kernels.ResizeCropNormalize(imageBuffer, count, height, width, geometry, bicubic ? ResizeFilter.Bicubic : ResizeFilter.Bilinear, mean, std, columns, pixels);

        float[] actual = pixels.ToArray(gpu.Context.Stream);
        const int plane = 3 * size * size;
        for (int i = 0; i < count; i++)
        {
            float[] expected = Float64Reference.ResizeCropNormalize(images[(i * height * width * 3)..((i + 1) * height * width * 3)], height, width,
                geometry.ResizedWidth, geometry.ResizedHeight, geometry.CropLeft, geometry.CropTop, size, size, bicubic, mean, std);
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
