using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;

namespace EditToAudio.Cuda.Native;

/// <summary>The native libraries the CUDA backend binds.</summary>
public enum CudaLibrary
{
    /// <summary>The CUDA driver API (<c>libcuda.so.1</c>), installed with the GPU driver.</summary>
    Driver,

    /// <summary>The run-time compiler NVRTC.</summary>
    Nvrtc,

    /// <summary>cuBLAS (v2 API).</summary>
    CuBlas,

    /// <summary>cuSOLVER's dense API.</summary>
    CuSolver,
}

/// <summary>
/// Finds the CUDA libraries: the file names of CUDA 13, 12 and 11 (newest first), first in the
/// folders of <see cref="PathVariable"/> (and their Python wheel layout <c>nvidia/*/lib</c>), then
/// through the system loader. Installed as the assembly's DllImport resolver.
/// </summary>
public static class CudaLibraryLocator
{
    /// <summary>Environment variable with extra ':'-separated folders to search first.</summary>
    public const string PathVariable = "EDIT2AUDIO_CUDA_PATH";

    internal const string DriverImport = "edit2audio-cuda-driver";
    internal const string NvrtcImport = "edit2audio-nvrtc";
    internal const string CuBlasImport = "edit2audio-cublas";
    internal const string CuSolverImport = "edit2audio-cusolver";

    private static readonly ConcurrentDictionary<CudaLibrary, IntPtr> Loaded = new();
    private static readonly Lock ResolverLock = new();
    private static bool _resolverInstalled;

    /// <summary>The file names tried for a library, newest CUDA major first.</summary>
    public static IReadOnlyList<string> FileNames(CudaLibrary library) => library switch
    {
        CudaLibrary.Driver => ["libcuda.so.1"],
        CudaLibrary.Nvrtc => ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"],
        CudaLibrary.CuBlas => ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11"],
        CudaLibrary.CuSolver => ["libcusolver.so.12", "libcusolver.so.11"],
        _ => throw new ArgumentOutOfRangeException(nameof(library), library, "unknown CUDA library"),
    };

    // Libraries that the Python wheels do not find by themselves (no RPATH between wheels):
    // loading them first from the same folders lets the dynamic loader reuse them by soname.
    private static IReadOnlyList<string> Dependencies(CudaLibrary library) => library switch
    {
        CudaLibrary.CuBlas => ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11"],
        CudaLibrary.CuSolver =>
        [
            "libnvJitLink.so.13", "libnvJitLink.so.12", "libcusparse.so.12", "libcusparse.so.11",
            "libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11",
            "libcublas.so.13", "libcublas.so.12", "libcublas.so.11",
        ],
        _ => [],
    };

    /// <summary>The extra folders named by <see cref="PathVariable"/>.</summary>
    public static IReadOnlyList<string> FoldersFromEnvironment() =>
        (Environment.GetEnvironmentVariable(PathVariable) ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Every path to try for <paramref name="fileName"/>, in order: each folder, then each folder's
    /// <c>nvidia/*/lib</c>, then the bare name for the system loader.
    /// </summary>
    public static IReadOnlyList<string> CandidatePaths(string fileName, IReadOnlyList<string> folders)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(folders);
        var paths = new List<string>();
        foreach (string folder in folders)
        {
            paths.Add(Path.Combine(folder, fileName));
            string wheels = Path.Combine(folder, "nvidia");
            if (Directory.Exists(wheels))
            {
                foreach (string package in Directory.GetDirectories(wheels).Order(StringComparer.Ordinal))
                {
                    paths.Add(Path.Combine(package, "lib", fileName));
                }
            }
        }
        paths.Add(fileName);
        return paths;
    }

    /// <summary>
    /// Loads <paramref name="library"/> searching <paramref name="folders"/> first; throws
    /// <see cref="CudaLibraryNotFoundException"/> listing every path tried.
    /// </summary>
    public static IntPtr Load(CudaLibrary library, IReadOnlyList<string> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        foreach (string dependency in Dependencies(library))
        {
            TryLoadAny([dependency], folders, out _);
        }
        if (TryLoadAny(FileNames(library), folders, out IntPtr handle, out List<string> tried))
        {
            // NVRTC opens its builtins library (versioned by minor release) at compile time; when NVRTC came
            // from an extra folder, loading the builtins from beside it spares relying on its RPATH.
            if (library == CudaLibrary.Nvrtc && Path.GetDirectoryName(tried[^1]) is { Length: > 0 } folder && Directory.Exists(folder))
            {
                foreach (string builtins in Directory.GetFiles(folder, "libnvrtc-builtins.so*"))
                {
                    NativeLibrary.TryLoad(builtins, out _);
                }
            }
            return handle;
        }
        throw new CudaLibraryNotFoundException(DisplayName(library), tried);
    }

    /// <summary>Loads <paramref name="library"/> once per process from the environment's folders and the system.</summary>
    public static IntPtr LoadShared(CudaLibrary library)
    {
        InstallResolver();
        return Loaded.GetOrAdd(library, static l => Load(l, FoldersFromEnvironment()));
    }

    /// <summary>True when <paramref name="library"/> can be loaded; otherwise the reason.</summary>
    public static bool TryLoadShared(CudaLibrary library, out string reason)
    {
        try
        {
            LoadShared(library);
            reason = "";
            return true;
        }
        catch (CudaLibraryNotFoundException e)
        {
            reason = e.Message;
            return false;
        }
    }

    /// <summary>A readable name of the library.</summary>
    public static string DisplayName(CudaLibrary library) => library switch
    {
        CudaLibrary.Driver => "CUDA driver",
        CudaLibrary.Nvrtc => "NVRTC",
        CudaLibrary.CuBlas => "cuBLAS",
        CudaLibrary.CuSolver => "cuSOLVER",
        _ => library.ToString(),
    };

    /// <summary>Routes this assembly's <c>LibraryImport</c> names to <see cref="LoadShared"/>; idempotent.</summary>
    internal static void InstallResolver()
    {
        lock (ResolverLock)
        {
            if (_resolverInstalled)
            {
                return;
            }
            NativeLibrary.SetDllImportResolver(typeof(CudaLibraryLocator).Assembly, Resolve);
            _resolverInstalled = true;
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        CudaLibrary? library = name switch
        {
            DriverImport => CudaLibrary.Driver,
            NvrtcImport => CudaLibrary.Nvrtc,
            CuBlasImport => CudaLibrary.CuBlas,
            CuSolverImport => CudaLibrary.CuSolver,
            _ => null,
        };
        return library is { } known ? LoadShared(known) : IntPtr.Zero;
    }

    private static bool TryLoadAny(IReadOnlyList<string> fileNames, IReadOnlyList<string> folders, out IntPtr handle) =>
        TryLoadAny(fileNames, folders, out handle, out _);

    private static bool TryLoadAny(IReadOnlyList<string> fileNames, IReadOnlyList<string> folders, out IntPtr handle, out List<string> tried)
    {
        tried = [];
        foreach (string fileName in fileNames)
        {
            foreach (string path in CandidatePaths(fileName, folders))
            {
                tried.Add(path);
                // A bare name goes to the system loader; a path is only tried when the file is there.
                bool bare = !path.Contains('/', StringComparison.Ordinal);
                if ((bare || File.Exists(path)) && NativeLibrary.TryLoad(path, out handle))
                {
                    return true;
                }
            }
        }
        handle = IntPtr.Zero;
        return false;
    }
}
