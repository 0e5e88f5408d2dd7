using System.Runtime.InteropServices;
using System.Text;
using EditToAudio.Cuda.Native;

namespace EditToAudio.Cuda.Compilation;

/// <summary>The run-time CUDA C++ compiler. Needs NVRTC, not a GPU.</summary>
public sealed class NvrtcCompiler
{
    /// <summary>Options every kernel is compiled with (besides the architecture).</summary>
    public static IReadOnlyList<string> StandardOptions { get; } = ["--std=c++17"];

    private NvrtcCompiler(int major, int minor, IReadOnlyList<int> architectures)
    {
        Major = major;
        Minor = minor;
        SupportedArchitectures = architectures;
    }

    /// <summary>NVRTC's major version.</summary>
    public int Major { get; }

    /// <summary>NVRTC's minor version.</summary>
    public int Minor { get; }

    /// <summary>The version as "major.minor" (part of the cache key).</summary>
    public string Version => $"{Major}.{Minor}";

    /// <summary>The SM numbers this NVRTC can compile for, ascending.</summary>
    public IReadOnlyList<int> SupportedArchitectures { get; }

    /// <summary>Loads NVRTC; throws <see cref="CudaLibraryNotFoundException"/> listing the paths tried when it is absent.</summary>
    public static unsafe NvrtcCompiler Load()
    {
        CudaLibraryLocator.LoadShared(CudaLibrary.Nvrtc);
        Nvrtc.Check(Nvrtc.nvrtcVersion(out int major, out int minor));
        Nvrtc.Check(Nvrtc.nvrtcGetNumSupportedArchs(out int count));
        int[] architectures = new int[count];
        fixed (int* pointer = architectures)
        {
            Nvrtc.Check(Nvrtc.nvrtcGetSupportedArchs(pointer));
        }
        Array.Sort(architectures);
        return new NvrtcCompiler(major, minor, architectures);
    }

    /// <summary>Loads NVRTC, or returns null with the reason (the paths tried).</summary>
    public static NvrtcCompiler? TryLoad(out string reason)
    {
        try
        {
            reason = "";
            return Load();
        }
        catch (CudaLibraryNotFoundException e)
        {
            reason = e.Message;
            return null;
        }
    }

    /// <summary>
    /// The best target for a device of SM <paramref name="architecture"/>: a cubin when this NVRTC
    /// knows the SM, otherwise PTX for the newest architecture it knows below it (the driver JIT-compiles it).
    /// </summary>
    public KernelTarget TargetFor(int architecture)
    {
        if (SupportedArchitectures.Contains(architecture))
        {
            return new KernelTarget(architecture, KernelImageKind.Cubin);
        }
        int[] older = [.. SupportedArchitectures.Where(a => a < architecture)];
        if (older.Length == 0)
        {
            throw new NotSupportedException($"NVRTC {Version} cannot target sm_{architecture} (it supports {string.Join(", ", SupportedArchitectures)})");
        }
        return new KernelTarget(older.Max(), KernelImageKind.Ptx);
    }

    /// <summary>
    /// Compiles <paramref name="source"/> with <paramref name="headers"/> available to <c>#include</c>.
    /// Throws <see cref="KernelCompilationException"/> with the log and numbered source when NVRTC rejects it.
    /// </summary>
    public unsafe KernelImage Compile(KernelSource source, IReadOnlyList<KernelSource> headers, KernelTarget target, IReadOnlyList<string>? extraOptions = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(headers);
        string[] options = [.. Options(target, extraOptions)];
        using var pinned = new Utf8Strings([source.Text, source.Name, .. headers.Select(h => h.Text), .. headers.Select(h => h.Name), .. options]);
        byte** headerTexts = pinned.Pointers + 2;
        byte** headerNames = headerTexts + headers.Count;
        byte** optionTexts = headerNames + headers.Count;
        Nvrtc.Check(Nvrtc.nvrtcCreateProgram(out IntPtr raw, pinned.Pointers[0], pinned.Pointers[1], headers.Count, headerTexts, headerNames));
        using var program = new NvrtcProgramHandle(raw);
        NvrtcResult compiled = Nvrtc.nvrtcCompileProgram(raw, options.Length, optionTexts);
        string log = ReadLog(raw);
        if (compiled == NvrtcResult.CompilationFailed)
        {
            throw new KernelCompilationException(source, target, log);
        }
        Nvrtc.Check(compiled, $"nvrtcCompileProgram({source.Name}, {target})");
        byte[] data;
        if (target.Kind == KernelImageKind.Cubin)
        {
            Nvrtc.Check(Nvrtc.nvrtcGetCUBINSize(raw, out nuint size));
            data = new byte[(int)size];
            fixed (byte* pointer = data)
            {
                Nvrtc.Check(Nvrtc.nvrtcGetCUBIN(raw, pointer));
            }
        }
        else
        {
            // The size includes the terminating zero that cuModuleLoadData needs for PTX text.
            Nvrtc.Check(Nvrtc.nvrtcGetPTXSize(raw, out nuint size));
            data = new byte[(int)size];
            fixed (byte* pointer = data)
            {
                Nvrtc.Check(Nvrtc.nvrtcGetPTX(raw, pointer));
            }
        }
        return new KernelImage(target, data, log);
    }

    /// <summary>The full option list for a target (part of the cache key).</summary>
    public static IEnumerable<string> Options(KernelTarget target, IReadOnlyList<string>? extraOptions) =>
        [target.ArchitectureOption, .. StandardOptions, .. extraOptions ?? []];

    private static unsafe string ReadLog(IntPtr program)
    {
        Nvrtc.Check(Nvrtc.nvrtcGetProgramLogSize(program, out nuint size));
        if (size <= 1)
        {
            return "";
        }
        byte[] log = new byte[(int)size];
        fixed (byte* pointer = log)
        {
            Nvrtc.Check(Nvrtc.nvrtcGetProgramLog(program, pointer));
        }
        return Encoding.UTF8.GetString(log, 0, log.Length - 1).TrimEnd();
    }

    /// <summary>Zero-terminated UTF-8 copies of strings in unmanaged memory, with an array of pointers to them.</summary>
    private sealed unsafe class Utf8Strings : IDisposable
    {
        private readonly List<IntPtr> _allocations = [];

        public Utf8Strings(IReadOnlyList<string> values)
        {
            Pointers = (byte**)NativeMemory.Alloc((nuint)Math.Max(values.Count, 1), (nuint)sizeof(byte*));
            _allocations.Add((IntPtr)Pointers);
            for (int i = 0; i < values.Count; i++)
            {
                Pointers[i] = (byte*)Marshal.StringToCoTaskMemUTF8(values[i]);
                _allocations.Add((IntPtr)Pointers[i]);
            }
        }

        public byte** Pointers { get; }

        public void Dispose()
        {
            NativeMemory.Free((void*)_allocations[0]);
            foreach (IntPtr allocation in _allocations.Skip(1))
            {
                Marshal.FreeCoTaskMem(allocation);
            }
        }
    }
}
