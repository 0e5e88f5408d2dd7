using System.Runtime.CompilerServices;
using EditToAudio.Cuda.Devices;
using Xunit.Sdk;
using Xunit.v3;

namespace EditToAudio.Cuda.Tests.Gpu;

/// <summary>
/// Whether this machine has a CUDA GPU, decided once. Where it has none, the tests marked
/// <see cref="GpuFactAttribute"/> or <see cref="GpuTheoryAttribute"/> are not listed one by one
/// (each would print its skip reason); <see cref="GpuAvailabilityTests"/> reports them as one
/// skipped test that names how many did not run and why.
/// </summary>
public static class GpuPresence
{
    private static readonly Lazy<CudaSupport> Support = new(CudaSupport.Detect);
    private static int _hiddenMethods;

    public static bool Available => Support.Value.IsSupported;

    /// <summary>Why there is no GPU, on one line.</summary>
    public static string Reason => string.Join(' ', Support.Value.Reason.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>GPU test methods left out of this run because there is no GPU.</summary>
    public static int HiddenMethods => Volatile.Read(ref _hiddenMethods);

    internal static ValueTask<IReadOnlyCollection<IXunitTestCase>> Hide()
    {
        Interlocked.Increment(ref _hiddenMethods);
        return new ValueTask<IReadOnlyCollection<IXunitTestCase>>([]);
    }
}

/// <summary>A test that needs a CUDA GPU.</summary>
[XunitTestCaseDiscoverer(typeof(GpuFactDiscoverer))]
public sealed class GpuFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
    : FactAttribute(sourceFilePath, sourceLineNumber);

/// <summary>A theory that needs a CUDA GPU.</summary>
[XunitTestCaseDiscoverer(typeof(GpuTheoryDiscoverer))]
public sealed class GpuTheoryAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
    : TheoryAttribute(sourceFilePath, sourceLineNumber);

public sealed class GpuFactDiscoverer : FactDiscoverer
{
    public override ValueTask<IReadOnlyCollection<IXunitTestCase>> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, IXunitTestMethod testMethod, IFactAttribute factAttribute) =>
        GpuPresence.Available ? base.Discover(discoveryOptions, testMethod, factAttribute) : GpuPresence.Hide();
}

public sealed class GpuTheoryDiscoverer : TheoryDiscoverer
{
    public override ValueTask<IReadOnlyCollection<IXunitTestCase>> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, IXunitTestMethod testMethod, IFactAttribute factAttribute) =>
        GpuPresence.Available ? base.Discover(discoveryOptions, testMethod, factAttribute) : GpuPresence.Hide();
}

/// <summary>One line for all GPU tests where there is no GPU; where there is one, the kernels must load.</summary>
[Collection("GPU")]
public class GpuAvailabilityTests(GpuFixture gpu)
{
    [Fact]
    public void The_gpu_tests_run_where_there_is_a_gpu()
    {
        if (!GpuPresence.Available)
        {
            Assert.Skip($"{GpuPresence.HiddenMethods} GPU test methods not run: no CUDA GPU here ({GpuPresence.Reason}).");
        }
        Assert.NotNull(gpu.Kernels.Library);
    }
}
