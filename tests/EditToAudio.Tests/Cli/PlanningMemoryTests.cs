using EditToAudio.Batch;
using EditToAudio.Cli;
using EditToAudio.Cuda.Devices;
using EditToAudio.Networks;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Cli;

/// <summary>Which memory <c>batch</c> plans its network batch sizes with.</summary>
public class PlanningMemoryTests
{
    private const long DeviceFree = 40L << 30;

    [Theory]
    [InlineData(ExecutionProvider.Cpu)]
    [InlineData(ExecutionProvider.Cuda)]
    public void The_option_wins_and_the_device_is_not_asked(ExecutionProvider provider)
    {
        int queries = 0;
        PlanningMemory chosen = PlanningMemory.Choose(1.5, provider, () => { queries++; return DeviceFree; });

        Assert.Equal(new PlanningMemory(3L << 29, PlanningMemorySource.Option), chosen);
        Assert.Equal(0, queries);
    }

    [Fact]
    public void On_cuda_without_the_option_the_device_free_memory_is_used()
    {
        int queries = 0;
        PlanningMemory chosen = PlanningMemory.Choose(null, ExecutionProvider.Cuda, () => { queries++; return DeviceFree; });

        Assert.Equal(new PlanningMemory(DeviceFree, PlanningMemorySource.Device), chosen);
        Assert.Equal(1, queries);
    }

    [Fact]
    public void On_the_cpu_without_the_option_the_batch_measures_host_memory()
    {
        PlanningMemory chosen = PlanningMemory.Choose(null, ExecutionProvider.Cpu, () => throw new InvalidOperationException("the device must not be asked"));

        Assert.Equal(new PlanningMemory(null, PlanningMemorySource.Host), chosen);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Batch_on_cuda_without_a_gpu_is_a_clear_error_before_anything_is_written(bool memoryGiven)
    {
        if (CudaSupport.Detect().IsSupported)
        {
            Assert.Skip("A CUDA device is present; this checks the message on machines without one.");
        }
        using var folder = new TemporaryFolder();
        File.WriteAllText(folder.File("m.jsonl"), """{"id": "a", "original": "o.png", "edited": "e.png", "remove_point": [1, 2], "add_point": [3, 4]}""" + "\n");

        string[] arguments = ["batch", folder.File("m.jsonl"), "--out", folder.File("out"), "--device", "cuda", "--quiet"];
        var run = await CliRunner.RunAsync(memoryGiven ? [.. arguments, "--memory-gb", "2"] : arguments);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("The CUDA backend is not available", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("out")), "nothing may be written");
    }
}
