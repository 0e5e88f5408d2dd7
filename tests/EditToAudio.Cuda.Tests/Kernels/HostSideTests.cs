using System.Buffers.Binary;
using EditToAudio.Cuda.Compilation;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Pipeline;

namespace EditToAudio.Cuda.Tests.Kernels;

/// <summary>The host-side pieces of kernel launches that need no GPU.</summary>
public class HostSideTests
{
    [Fact]
    public void Kernel_arguments_are_packed_at_natural_alignment()
    {
        // As the CUDA ABI lays out (ptr, int, double, float, ulong): offsets 0, 8, 16, 24, 32.
        byte[] block = new KernelArguments().AddPointer(0x1122334455667788).AddInt32(-7).AddDouble(2.5).AddSingle(1.5f).AddUInt64(42).ToArray();

        Assert.Equal(40, block.Length);
        Assert.Equal(0x1122334455667788UL, BinaryPrimitives.ReadUInt64LittleEndian(block.AsSpan(0)));
        Assert.Equal(-7, BinaryPrimitives.ReadInt32LittleEndian(block.AsSpan(8)));
        Assert.Equal([0, 0, 0, 0], block[12..16]);
        Assert.Equal(2.5, BinaryPrimitives.ReadDoubleLittleEndian(block.AsSpan(16)));
        Assert.Equal(1.5f, BinaryPrimitives.ReadSingleLittleEndian(block.AsSpan(24)));
        Assert.Equal(42UL, BinaryPrimitives.ReadUInt64LittleEndian(block.AsSpan(32)));
    }

    [Theory]
    [InlineData(80, KernelImageKind.Cubin, "--gpu-architecture=sm_80")]
    [InlineData(90, KernelImageKind.Ptx, "--gpu-architecture=compute_90")]
    public void Target_option_names_real_or_virtual_architecture(int architecture, KernelImageKind kind, string option)
    {
        var target = new KernelTarget(architecture, kind);
        Assert.Equal(option, target.ArchitectureOption);
        Assert.Equal(option["--gpu-architecture=".Length..], target.ToString());
    }

    [Theory]
    [InlineData(640, 480)]
    [InlineData(480, 640)]
    [InlineData(224, 224)]
    [InlineData(61, 37)]
    public void Clip_image_geometry_follows_the_shared_clip_geometry(int width, int height)
    {
        var expected = EditToAudio.Images.ClipGeometry.For(width, height);
        ImageGeometry geometry = ImageGeometry.Clip(width, height);
        Assert.Equal((expected.ResizedWidth, expected.ResizedHeight, expected.CropLeft, expected.CropTop, 224, 224),
            (geometry.ResizedWidth, geometry.ResizedHeight, geometry.CropLeft, geometry.CropTop, geometry.OutputWidth, geometry.OutputHeight));
    }

    [Fact]
    public void Invalid_settings_name_the_setting()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new GpuEditSettings { TopK = 0 }.Validate());
        Assert.Equal(nameof(GpuEditSettings.TopK), error.ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => new GpuEditSettings { BoostFactor = double.NaN }.Validate());
        Assert.Equal(nameof(GpuEditSettings.BoostFactor), error.ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => new GpuEditSettings { EigenTolerance = double.NaN }.Validate());
        Assert.Equal(nameof(GpuEditSettings.EigenTolerance), error.ParamName);
        new GpuEditSettings().Validate();
    }

    [Fact]
    public void Numbered_source_shows_each_line_with_its_number()
    {
        var source = new KernelSource("k.cu", "a\r\nb\n");
        Assert.Equal("   1 | a\n   2 | b\n   3 | \n", source.Numbered());
    }
}
