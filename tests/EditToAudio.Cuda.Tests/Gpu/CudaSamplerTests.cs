using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Pipeline;
using EditToAudio.Cuda.Tests.References;
using EditToAudio.Models;

namespace EditToAudio.Cuda.Tests.Gpu;

/// <summary>
/// The GPU sampler against the CPU one on the synthetic model set: same draws, same ranking, same
/// clip decisions, waveforms equal up to float rounding. Needs a GPU and ONNX Runtime's CUDA
/// provider (CUDA 13, cuDNN 9); skipped with the reason where either is missing.
/// </summary>
[Collection("GPU")]
public class CudaSamplerTests(GpuFixture gpu)
{
    [GpuTheory]
    [InlineData(2.5, 2, 2)]
    [InlineData(1.0, 1, 3)]
    public void Clips_match_the_cpu_sampler(double guidance, int jobs, int candidates)
    {
        _ = gpu.Kernels; // skips, with the reason, where there is no GPU
        ModelSet models = GpuNetworks.SyntheticModels();
        long liveBefore = DeviceMemory.LiveBuffers;
        using CudaBackend cuda = CudaBackend.Open();
        // The backend keeps TF32 off; ONNX Runtime's default (TF32 on) would leave only ~3 digits to compare with the CPU.
        using PipelineStages onGpu = GpuNetworks.OpenOrSkip(cuda, models);
        using PipelineStages onCpu = new CpuBackend().Open(models);
        var random = new Random(21);
        float[][] conditionings = [.. Enumerable.Range(0, jobs).Select(_ => Enumerable.Range(0, 512).Select(_ => (float)TestData.Gaussian(random)).ToArray())];
        ulong[] seeds = [.. Enumerable.Range(0, jobs).Select(j => 42UL + (ulong)j)];
        var options = new AudioOptions { Sampler = new SamplerOptions { Steps = 25, Guidance = guidance }, Candidates = candidates, Duration = 1.0 };

        AudioClip[] gpuClips = onGpu.Audio.GenerateBatch(conditionings, seeds, options, cancellationToken: TestContext.Current.CancellationToken);
        AudioClip[] cpuClips = onCpu.Audio.GenerateBatch(conditionings, seeds, options, cancellationToken: TestContext.Current.CancellationToken);

        for (int j = 0; j < jobs; j++)
        {
            Assert.Equal(cpuClips[j].Candidate, gpuClips[j].Candidate);
            Assert.Equal(cpuClips[j].LatentClipped, gpuClips[j].LatentClipped);
            Assert.Equal(cpuClips[j].Steps, gpuClips[j].Steps);
            TestData.AssertClose([.. cpuClips[j].Waveform.Select(v => (double)v)], gpuClips[j].Waveform, 1e-4, 1e-3, $"job {j} waveform");
            Assert.Equal(cpuClips[j].Scores.Count, gpuClips[j].Scores.Count);
            for (int c = 0; c < cpuClips[j].Scores.Count; c++)
            {
                Assert.True(Math.Abs(cpuClips[j].Scores[c] - gpuClips[j].Scores[c]) <= 1e-4, $"job {j} candidate {c}: CLAP score {gpuClips[j].Scores[c]} vs {cpuClips[j].Scores[c]}");
            }
        }
        Assert.Equal("cuda", onGpu.Audio.Backend);
        Assert.Equal(liveBefore, DeviceMemory.LiveBuffers);
    }
}
