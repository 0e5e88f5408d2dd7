using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EditToAudio.Cuda.Native;

/// <summary>NVRTC status codes (<c>nvrtcResult</c>).</summary>
internal enum NvrtcResult
{
    Success = 0,
    CompilationFailed = 6,
}

/// <summary>The NVRTC functions the engine uses (<c>nvrtc.h</c>).</summary>
internal static unsafe partial class Nvrtc
{
    private const string Library = CudaLibraryLocator.NvrtcImport;

    // The resolver must be in place before the first call binds a symbol.
    static Nvrtc() => CudaLibraryLocator.InstallResolver();

    [LibraryImport(Library)] internal static partial NvrtcResult nvrtcVersion(out int major, out int minor);
    [LibraryImport(Library)] internal static partial NvrtcResult nvrtcGetNumSupportedArchs(out int count);
    [LibraryImport(Library)] internal static partial NvrtcResult nvrtcGetSupportedArchs(int* architectures);
    [LibraryImport(Library)]
    internal static partial NvrtcResult nvrtcCreateProgram(out IntPtr program, byte* source, byte* name, int headerCount, byte** headers, byte** includeNames);
    [LibraryImport(Library)] internal static partial NvrtcResult nvrtcCompileProgram(IntPtr program, int optionCount, byte** options);
    [LibraryImport(Library)] internal static partial NvrtcResult nvrtcGetProgramLogSize(IntPtr program, out nuint size);
    [LibraryImport(Library)] internal static partial NvrtcResult nvrtcGetProgramLog(IntPtr program, byte* log);
    [LibraryImport(Library)] internal static partial NvrtcResult nvrtcGetPTXSize(IntPtr program, out nuint size);
    [LibraryImport(Library)] internal static partial NvrtcResult nvrtcGetPTX(IntPtr program, byte* ptx);
    [LibraryImport(Library)] internal static partial NvrtcResult nvrtcGetCUBINSize(IntPtr program, out nuint size);
    [LibraryImport(Library)] internal static partial NvrtcResult nvrtcGetCUBIN(IntPtr program, byte* cubin);
    [LibraryImport(Library)] internal static partial NvrtcResult nvrtcDestroyProgram(ref IntPtr program);
    [LibraryImport(Library)] internal static partial IntPtr nvrtcGetErrorString(NvrtcResult status);

    /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless NVRTC returned success.</summary>
    internal static void Check(NvrtcResult status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != NvrtcResult.Success)
        {
            string name = Marshal.PtrToStringUTF8(nvrtcGetErrorString(status)) ?? "NVRTC_ERROR";
            throw new CudaException("NVRTC", call, (int)status, name, "");
        }
    }
}
