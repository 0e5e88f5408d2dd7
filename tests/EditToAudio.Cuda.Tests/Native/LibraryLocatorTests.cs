using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Native;

namespace EditToAudio.Cuda.Tests.Native;

public sealed class LibraryLocatorTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "e2a-locator-" + Guid.NewGuid().ToString("N"));

    public LibraryLocatorTests()
    {
        // A Python-wheel layout with two package folders but none of the wanted files.
        Directory.CreateDirectory(Path.Combine(_folder, "nvidia", "cu13", "lib"));
        Directory.CreateDirectory(Path.Combine(_folder, "nvidia", "cusolver", "lib"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Candidates_cover_folder_wheel_layout_then_system_name()
    {
        IReadOnlyList<string> paths = CudaLibraryLocator.CandidatePaths("libcusolver.so.12", [_folder]);

        Assert.Equal(
        [
            Path.Combine(_folder, "libcusolver.so.12"),
            Path.Combine(_folder, "nvidia", "cu13", "lib", "libcusolver.so.12"),
            Path.Combine(_folder, "nvidia", "cusolver", "lib", "libcusolver.so.12"),
            "libcusolver.so.12",
        ], paths);
    }

    [Fact]
    public void Names_cover_cuda_11_12_and_13()
    {
        Assert.Equal(["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"], CudaLibraryLocator.FileNames(CudaLibrary.Nvrtc));
        Assert.Equal(["libcublas.so.13", "libcublas.so.12", "libcublas.so.11"], CudaLibraryLocator.FileNames(CudaLibrary.CuBlas));
        Assert.Equal(["libcusolver.so.12", "libcusolver.so.11"], CudaLibraryLocator.FileNames(CudaLibrary.CuSolver));
        Assert.Equal(["libcuda.so.1"], CudaLibraryLocator.FileNames(CudaLibrary.Driver));
    }

    [Fact]
    public void Missing_library_error_lists_every_path_tried()
    {
        if (Loads(CudaLibrary.CuSolver))
        {
            Assert.Skip("cuSOLVER is installed on this machine, so the not-found error cannot be provoked.");
        }

        var error = Assert.Throws<CudaLibraryNotFoundException>(() => CudaLibraryLocator.Load(CudaLibrary.CuSolver, [_folder]));

        foreach (string name in CudaLibraryLocator.FileNames(CudaLibrary.CuSolver))
        {
            foreach (string path in CudaLibraryLocator.CandidatePaths(name, [_folder]))
            {
                Assert.Contains(path, error.TriedPaths);
                Assert.Contains(path, error.Message, StringComparison.Ordinal);
            }
        }
        Assert.Contains(CudaLibraryLocator.PathVariable, error.Message, StringComparison.Ordinal);
        Assert.Equal("cuSOLVER", error.LibraryName);
    }

    [Fact]
    public void Cuda_support_reports_the_reason_without_throwing()
    {
        CudaSupport support = CudaSupport.Detect();

        if (support.IsSupported)
        {
            Assert.NotEmpty(support.Devices);
            Assert.Equal("", support.Reason);
        }
        else
        {
            Assert.NotEqual("", support.Reason);
            Assert.Empty(support.Devices);
            var error = Assert.Throws<NotSupportedException>(support.ThrowIfNotSupported);
            Assert.Contains(support.Reason, error.Message, StringComparison.Ordinal);
        }
    }

    private static bool Loads(CudaLibrary library)
    {
        try
        {
            CudaLibraryLocator.Load(library, []);
            return true;
        }
        catch (CudaLibraryNotFoundException)
        {
            return false;
        }
    }
}
