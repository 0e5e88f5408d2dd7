using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.SelfTest;

namespace EditToAudio.Cuda.Tests.SelfTest;

[Collection("GPU")]
public sealed class CudaSelfTestTests : IDisposable
{
    private readonly string _cacheFolder = Path.Combine(Path.GetTempPath(), "e2a-selftest-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_cacheFolder))
        {
            Directory.Delete(_cacheFolder, recursive: true);
        }
    }

    [Fact]
    public void Report_says_why_when_there_is_no_gpu_and_passes_where_there_is_one()
    {
        var options = new CudaSelfTestOptions { BenchmarkBatchSizes = [16], BenchmarkRepetitions = 1, CacheFolder = _cacheFolder };

        CudaSelfTestReport report = CudaSelfTest.Run(options, null, TestContext.Current.CancellationToken);

        if (!CudaSupport.Detect().IsSupported)
        {
            Assert.False(report.Supported);
            Assert.False(report.AllPassed);
            Assert.NotEqual("", report.Reason);
            Assert.Empty(report.Parity);
            return;
        }
        Assert.True(report.Supported, report.Reason);
        Assert.All(report.Parity, p => Assert.True(p.Passed, $"{p.Name}: {p.Measure} {p.Value} vs {p.Tolerance}"));
        CudaBenchmarkResult row = Assert.Single(report.Benchmark);
        Assert.Equal(16, row.Pairs);
        Assert.True(row.PairsPerSecond > 0);
    }
}
