using EditToAudio.Cuda.Compilation;
using EditToAudio.Cuda.Kernels;

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
        Assert.Equal(["common.cuh", "diffusion.cu", "edit.cu", "image.cu", "philox.cuh", "random.cu"], names);
    }

    [Fact]
    public void Every_kernel_is_declared_once_with_the_parameters_of_its_cu_signature()
    {
        // The launches are checked against KernelSignatures; this checks KernelSignatures against the sources (no NVRTC needed).
        var declared = KernelSignatures.All.ToDictionary(k => (k.File, k.Name), k => string.Join(", ", k.Parameters));
        var defined = new Dictionary<(string File, string Name), string>();
        foreach (KernelSource source in KernelSources.Sources)
        {
            foreach (System.Text.RegularExpressions.Match match in System.Text.RegularExpressions.Regex.Matches(source.Text, @"extern ""C"" __global__ void (\w+)\(([^)]*)\)"))
            {
                defined[(source.Name, match.Groups[1].Value)] = string.Join(", ", match.Groups[2].Value.Split(',').Select(Kind));
            }
        }

        Assert.Equal(defined.Keys.Order(), declared.Keys.Order());
        foreach (((string file, string name), string parameters) in defined)
        {
            Assert.True(parameters == declared[(file, name)], $"{file}: {name} takes ({parameters}) in the source but is declared ({declared[(file, name)]})");
        }
    }

    /// <summary>The <see cref="KernelParameter"/> of one C parameter declaration.</summary>
    private static KernelParameter Kind(string declaration)
    {
        string type = declaration.Replace("__restrict__", "", StringComparison.Ordinal).Replace("const", "", StringComparison.Ordinal).Trim();
        if (type.Contains('*', StringComparison.Ordinal))
        {
            return KernelParameter.Pointer;
        }
        string[] words = type.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1];
        return string.Join(' ', words) switch
        {
            "int" => KernelParameter.Int32,
            "long long" => KernelParameter.Int64,
            "unsigned long long" => KernelParameter.UInt64,
            "float" => KernelParameter.Single,
            "double" => KernelParameter.Double,
            string other => throw new InvalidOperationException($"no kernel parameter type is mapped for '{other}' in '{declaration}'"),
        };
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
        {
            Assert.Contains($".entry {kernel}(", ptx, StringComparison.Ordinal);
        }
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
        {
            Assert.Skip("NVRTC is not installed (Debian: libnvrtc11.2 from non-free), so kernels cannot be compiled here. " + reason);
        }
        return compiler;
    }
}
