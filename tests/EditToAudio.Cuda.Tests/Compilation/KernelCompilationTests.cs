using EditToAudio.Cuda.Compilation;

namespace EditToAudio.Cuda.Tests.Compilation;

/// <summary>Every kernel file must compile with the engine's own NVRTC binding; needs NVRTC, not a GPU.</summary>
public class KernelCompilationTests
{
    public static TheoryData<string, int> SourcesAndArchitectures()
    {
        var data = new TheoryData<string, int>();
        foreach (KernelSource source in KernelSources.Sources)
        {
            data.Add(source.Name, 80);
            data.Add(source.Name, 90);
        }
        return data;
    }

    [Fact]
    public void Every_kernel_file_is_embedded()
    {
        string[] names = [.. KernelSources.All.Select(s => s.Name)];
        Assert.Equal(["common.cuh", "diffusion.cu", "edit.cu", "image.cu", "mask.cu", "philox.cuh", "random.cu"], names);
    }

    [Theory]
    [MemberData(nameof(SourcesAndArchitectures))]
    public void Kernel_compiles_to_ptx(string file, int architecture)
    {
        NvrtcCompiler compiler = Nvrtc.RequireCompiler();
        KernelImage image = compiler.Compile(KernelSources.Get(file), KernelSources.Headers, new KernelTarget(architecture, KernelImageKind.Ptx));

        string ptx = System.Text.Encoding.ASCII.GetString(image.Data);
        Assert.Equal(0, image.Data[^1]);
        Assert.Contains($".target sm_{architecture}", ptx, StringComparison.Ordinal);
        foreach (string kernel in ExternCKernels(KernelSources.Get(file).Text))
            Assert.Contains($".entry {kernel}(", ptx, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_error_carries_log_and_numbered_source()
    {
        NvrtcCompiler compiler = Nvrtc.RequireCompiler();
        var broken = new KernelSource("broken.cu", "extern \"C\" __global__ void k(float* x)\n{\n    x[0] = undefined_name;\n}\n");

        var error = Assert.Throws<KernelCompilationException>(() =>
            compiler.Compile(broken, [], new KernelTarget(80, KernelImageKind.Ptx)));

        Assert.Equal("broken.cu", error.SourceName);
        Assert.Contains("undefined_name", error.Log, StringComparison.Ordinal);
        Assert.Contains("   3 |     x[0] = undefined_name;", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Device_target_prefers_cubin_and_falls_back_to_ptx()
    {
        NvrtcCompiler compiler = Nvrtc.RequireCompiler();
        Assert.Equal(new KernelTarget(80, KernelImageKind.Cubin), compiler.TargetFor(80));
        int newest = compiler.SupportedArchitectures.Max();
        Assert.Equal(new KernelTarget(newest, KernelImageKind.Ptx), compiler.TargetFor(newest + 1000));
    }

    [Fact]
    public void Cubin_for_sm80_is_an_elf_file()
    {
        NvrtcCompiler compiler = Nvrtc.RequireCompiler();
        KernelImage image = compiler.Compile(KernelSources.Get("random.cu"), KernelSources.Headers, new KernelTarget(80, KernelImageKind.Cubin));
        Assert.Equal([0x7f, (byte)'E', (byte)'L', (byte)'F'], image.Data[..4]);
    }

    private static IEnumerable<string> ExternCKernels(string source) =>
        System.Text.RegularExpressions.Regex.Matches(source, @"extern ""C"" __global__ void (\w+)\(")
            .Select(m => m.Groups[1].Value);
}

/// <summary>NVRTC for the tests: a skip with the loader's reason where it is absent.</summary>
internal static class Nvrtc
{
    private static readonly Lazy<(NvrtcCompiler? Compiler, string Reason)> Loaded = new(() =>
    {
        NvrtcCompiler? compiler = NvrtcCompiler.TryLoad(out string reason);
        return (compiler, reason);
    });

    public static NvrtcCompiler RequireCompiler()
    {
        (NvrtcCompiler? compiler, string reason) = Loaded.Value;
        if (compiler is null)
            Assert.Skip("NVRTC is not installed (Debian: libnvrtc11.2 from non-free), so kernels cannot be compiled here. " + reason);
        return compiler;
    }
}
