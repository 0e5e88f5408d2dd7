using EditToAudio.Backends;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Pipeline;
using EditToAudio.Cuda.Tests.References;
using EditToAudio.Editing;
using EditToAudio.Images;

namespace EditToAudio.Cuda.Tests.Gpu;

[Collection("GPU")]
public class CudaEditTests(GpuFixture gpu)
{
    [Fact]
    public void Without_a_gpu_opening_says_why()
    {
        if (CudaSupport.Detect().IsSupported)
        {
            Assert.Skip("A CUDA device is present; this checks the refusal on machines without one.");
        }
        var error = Assert.Throws<NotSupportedException>(() => ComputeBackends.Open(ComputeDevice.Cuda));
        Assert.Contains("libcuda.so.1", error.Message, StringComparison.Ordinal);
    }

    [GpuTheory]
    [InlineData(EigenPrecision.DoublePrecision)]
    [InlineData(EigenPrecision.SinglePrecision)]
    public void Results_and_warnings_match_the_cpu_backend(EigenPrecision precision)
    {
        _ = gpu.Kernels; // skips, with the reason, where there is no GPU
        var random = new Random(7);
        var pairs = new List<EditPair>();
        for (int p = 0; p < 9; p++)
        {
            pairs.Add(new EditPair(Tokens(random), Tokens(random), Mask(random, 120 + p, 160, empty: p == 1), Mask(random, 90, 70 + p, full: p == 3)));
        }
        var parameters = new EditParameters { MaskAlignment = MaskAlignment.Crop, K = 8, Alpha = 0.05, Beta = 3 };
        using CudaBackend backend = CudaBackend.Open(new CudaBackendOptions { Edit = new CudaEditOptions { Precision = precision } });
        EditJob[] jobs = [.. pairs.Select(p => new EditJob(p, parameters))];

        IReadOnlyList<EditResult> onGpu = [.. backend.Edit(jobs, TestContext.Current.CancellationToken).Select(r => r[0])];
        IReadOnlyList<EditResult> onCpu = [.. new CpuBackend().Edit(jobs, TestContext.Current.CancellationToken).Select(r => r[0])];

        for (int p = 0; p < pairs.Count; p++)
        {
            foreach ((string part, float[] expected, float[] actual) in new[]
            {
                ("E", onCpu[p].Embedding, onGpu[p].Embedding), ("E_sup", onCpu[p].Suppressed, onGpu[p].Suppressed),
                ("E_boost", onCpu[p].Boosted, onGpu[p].Boosted), ("E_bg", onCpu[p].Background, onGpu[p].Background),
            })
            {
                if (expected.All(v => v == 0f))
                {
                    Assert.True(actual.All(v => v == 0f), $"pair {p} {part}: expected the zero vector");
                    continue;
                }
                double cosine = TestData.Cosine([.. expected.Select(v => (double)v)], [.. actual.Select(v => (double)v)]);
                Assert.True(cosine >= 0.99999, $"pair {p} {part} ({precision}): cosine {cosine:G9}");
            }
            Assert.Equal(onCpu[p].Warnings, onGpu[p].Warnings);
        }
        Assert.Equal("cuda", backend.Name);
    }

    [GpuFact]
    public void A_sweep_on_the_gpu_matches_each_setting_on_the_cpu()
    {
        _ = gpu.Kernels;
        var random = new Random(8);
        EditPair pair = new(Tokens(random), Tokens(random), Mask(random, 100, 100), Mask(random, 80, 120));
        EditParameters[] settings = [new EditParameters { K = 3 }, new EditParameters { K = 12, Alpha = 0.5 }, new EditParameters { Beta = 4, Mix = new MixWeights(0.1, 0.6, 0.3) }];

        EditResult[] onGpu = gpu.Backend.Edit([new EditJob(pair, settings)], TestContext.Current.CancellationToken)[0];
        EditResult[] onCpu = new CpuBackend().Edit([new EditJob(pair, settings)], TestContext.Current.CancellationToken)[0];

        for (int s = 0; s < settings.Length; s++)
        {
            double cosine = TestData.Cosine([.. onCpu[s].Embedding.Select(v => (double)v)], [.. onGpu[s].Embedding.Select(v => (double)v)]);
            Assert.True(cosine >= 0.99999, $"setting {s}: cosine {cosine:G9}");
            Assert.Equal(onCpu[s].Warnings, onGpu[s].Warnings);
        }
    }

    [GpuFact]
    public void Several_objects_per_side_match_the_cpu_in_a_sweep_whichever_the_combination()
    {
        // Each object's region on the GPU, the means and the background on the host: the CPU's results and warnings.
        _ = gpu.Kernels;
        var random = new Random(10);
        ImageTokens original = Tokens(random), edited = Tokens(random);
        BinaryMask[] removed = [Mask(random, 100, 100), Mask(random, 100, 100), Mask(random, 100, 100, empty: true)];
        BinaryMask[] added = [Mask(random, 80, 120)];
        EditParameters[] settings = [new EditParameters { K = 3 }, new EditParameters { K = 12, Alpha = 0.5, Beta = 4 }];
        EditJob[] jobs =
        [
            new(new EditPair(original, edited, removed, added), settings),
            new(new EditPair(original, edited, removed, added, Prompts.ObjectCombination.Union), settings),
            new(new EditPair(original, edited, [], [.. added, removed[0]]), settings),
            new(new EditPair(original, edited, removed[0], added[0]), settings),
        ];

        IReadOnlyList<EditResult[]> onGpu = gpu.Backend.Edit(jobs, TestContext.Current.CancellationToken);
        IReadOnlyList<EditResult[]> onCpu = new CpuBackend().Edit(jobs, TestContext.Current.CancellationToken);

        for (int j = 0; j < jobs.Length; j++)
        {
            for (int s = 0; s < settings.Length; s++)
            {
                EditResult cpu = onCpu[j][s], cuda = onGpu[j][s];
                foreach ((string part, float[] expected, float[] actual) in new[] { ("E", cpu.Embedding, cuda.Embedding), ("E_sup", cpu.Suppressed, cuda.Suppressed), ("E_boost", cpu.Boosted, cuda.Boosted), ("E_bg", cpu.Background, cuda.Background) })
                {
                    if (expected.All(v => v == 0f))
                    {
                        Assert.True(actual.All(v => v == 0f), $"job {j} setting {s} {part}: expected the zero vector");
                        continue;
                    }
                    double cosine = TestData.Cosine([.. expected.Select(v => (double)v)], [.. actual.Select(v => (double)v)]);
                    Assert.True(cosine >= 0.99999, $"job {j} setting {s} {part}: cosine {cosine:G9}");
                }
                Assert.Equal(cpu.RemovedObjects.Count, cuda.RemovedObjects.Count);
                Assert.Equal(cpu.AddedObjects.Count, cuda.AddedObjects.Count);
                Assert.Equal(cpu.Warnings, cuda.Warnings);
            }
        }
    }

    [GpuFact]
    public void A_region_whose_eigensolver_stops_early_says_so_in_its_warnings()
    {
        // One sweep cannot converge on a full 257-row region: the GPU's diagnostic must reach the result.
        _ = gpu.Kernels;
        var random = new Random(9);
        EditPair pair = new(Tokens(random), Tokens(random), Mask(random, 100, 100, full: true), Mask(random, 80, 120));
        using CudaBackend backend = CudaBackend.Open(new CudaBackendOptions { Edit = new CudaEditOptions { EigenMaxSweeps = 1, EigenTolerance = 1e-14 } });

        EditResult result = backend.Edit([new EditJob(pair, new EditParameters())], TestContext.Current.CancellationToken)[0][0];

        Assert.Contains(result.Warnings, w => w.Contains("did not reach its tolerance", StringComparison.Ordinal) && w.Contains("removed", StringComparison.Ordinal));
    }

    private static ImageTokens Tokens(Random random) =>
        new(Enumerable.Range(0, 257 * 768).Select(_ => (float)TestData.Gaussian(random)).ToArray(), 768);

    private static BinaryMask Mask(Random random, int height, int width, bool empty = false, bool full = false)
    {
        var values = new byte[height * width];
        if (full)
        {
            Array.Fill(values, (byte)1);
        }
        else if (!empty)
        {
            int top = random.Next(height / 2), left = random.Next(width / 2);
            for (int y = top; y < top + height / 3; y++)
            {
                values.AsSpan(y * width + left, width / 3).Fill(1);
            }
        }
        return new BinaryMask(values, height, width);
    }
}
