using System.Buffers.Binary;
using EditToAudio.Cuda.Compilation;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Pipeline;
using EditToAudio.Editing;

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

    [Fact]
    public void Invalid_settings_name_the_setting()
    {
        // The GPU edit takes the edit's own parameters and validates them as the CPU does.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new EditParameters { K = 0 }.Validate());
        Assert.Equal(nameof(EditParameters.K), error.ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => new EditParameters { Beta = double.NaN }.Validate());
        Assert.Equal(nameof(EditParameters.Beta), error.ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => new CudaEditOptions { EigenTolerance = double.NaN }.Validate());
        Assert.Equal(nameof(CudaEditOptions.EigenTolerance), error.ParamName);
        new CudaEditOptions().Validate();
    }

    [Fact]
    public void A_launch_whose_arguments_differ_from_the_signature_is_refused_before_the_driver()
    {
        // l2_normalize_rows takes (float*, long long, int): an int where the long long goes would shift every later argument.
        var wrong = new KernelArguments().AddPointer(1).AddInt32(2).AddInt32(3);
        var error = Assert.Throws<ArgumentException>(() => KernelSignatures.L2NormalizeRows.Check(wrong));
        Assert.Contains("l2_normalize_rows(Pointer, Int64, Int32) was launched with (Pointer, Int32, Int32)", error.Message, StringComparison.Ordinal);
        KernelSignatures.L2NormalizeRows.Check(new KernelArguments().AddPointer(1).AddInt64(2).AddInt32(3));
    }

    [Fact]
    public void Numbered_source_shows_each_line_with_its_number()
    {
        var source = new KernelSource("k.cu", "a\r\nb\n");
        Assert.Equal("   1 | a\n   2 | b\n   3 | \n", source.Numbered());
    }
}
