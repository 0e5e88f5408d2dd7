using System.Globalization;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Pipeline;
using EditToAudio.Cuda.Tests.References;
using EditToAudio.Editing;
using EditToAudio.Reference;

namespace EditToAudio.Cuda.Tests.Gpu;

[Collection("GPU")]
public class EditPipelineTests(GpuFixture gpu)
{
    private const double MinimumCosine = 0.99999;

    /// <summary>float32 eigenvectors: the pipeline's fastest path (the backend's default is float64).</summary>
    private static readonly CudaEditOptions Single = new() { Precision = EigenPrecision.SinglePrecision };

    [GpuTheory]
    [InlineData(1000, 768)]
    [InlineData(3, 77)]
    [InlineData(1, 1)]
    public void Row_normalization_matches_the_reference(int rows, int columns)
    {
        EngineKernels kernels = gpu.Kernels;
        var random = new Random(rows + columns);
        float[] values = [.. Enumerable.Range(0, rows * columns).Select(_ => (float)(TestData.Gaussian(random) * 5))];
        // A zero row must stay zero (F.normalize's epsilon), not become NaN.
        Array.Clear(values, 0, columns);
        using DeviceBuffer<float> buffer = gpu.Context.Upload<float>(values);

        kernels.NormalizeRows(buffer, rows, columns);

        double[] expected = new double[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            Float64Reference.Normalize([.. values.AsSpan(r * columns, columns).ToArray().Select(v => (double)v)]).CopyTo(expected, r * columns);
        }
        TestData.AssertClose(expected, buffer.ToArray(gpu.Context.Stream), 1e-7, 1e-6, "normalized rows");
    }

    /// <summary>Remove/add masks per pair: random densities plus the edge cases the brief names.</summary>
    private static (float[] Remove, float[] Add) Masks(Random random, int pairs)
    {
        float[] remove = TestData.RandomMask(random, pairs, 0.25);
        float[] add = TestData.RandomMask(random, pairs, 0.15);
        void Set(float[] weights, int pair, Func<int, bool> selected)
        {
            for (int p = 0; p < 256; p++)
            {
                weights[pair * 256 + p] = selected(p) ? 1f : 0f;
            }
        }
        if (pairs > 1)
        {
            Set(remove, 1, _ => false);                  // empty selection
        }
        if (pairs > 2)
        {
            Set(add, 2, p => p == 77);                   // one patch: n + 1 = 2 <= k
        }
        if (pairs > 3)
        {
            Set(remove, 3, _ => true);                   // all patches: 257 x 257 Gram
            Set(add, 3, _ => true);                      // and no background
        }
        if (pairs > 4)
        {
            Set(add, 4, p => p < 9);                     // 10 rows: n + 1 = k exactly
        }
        return (remove, add);
    }

    [GpuTheory]
    [InlineData(EigenPrecision.SinglePrecision, 6)]
    [InlineData(EigenPrecision.DoublePrecision, 6)]
    [InlineData(EigenPrecision.SinglePrecision, 1)]
    public void Batched_edit_matches_the_literal_svd_reference(EigenPrecision precision, int pairs)
    {
        EngineKernels kernels = gpu.Kernels;
        var random = new Random(2024 + pairs);
        float[] original = TestData.RandomTokens(random, pairs);
        float[] edited = TestData.RandomTokens(random, pairs);
        (float[] remove, float[] add) = Masks(random, pairs);
        var settings = new EditParameters();
        using var pipeline = new CudaEditPipeline(kernels);

        CudaHostEditResult result = pipeline.Run(original, edited, remove, add, pairs, [settings], new CudaEditOptions { Precision = precision }, null, TestContext.Current.CancellationToken);

        for (int pair = 0; pair < pairs; pair++)
        {
            double[][] t0 = Float64Reference.NormalizedRows(original.AsSpan(pair * 257 * 768, 257 * 768), 768);
            double[][] t1 = Float64Reference.NormalizedRows(edited.AsSpan(pair * 257 * 768, 257 * 768), 768);
            ReadOnlySpan<float> m0 = remove.AsSpan(pair * 256, 256), m1 = add.AsSpan(pair * 256, 256);
            double[] suppressed = Float64Reference.SvdEdit(t0, m0, settings.K, settings.Alpha);
            double[] boosted = Float64Reference.SvdEdit(t1, m1, settings.K, settings.Beta);
            double[] background = Float64Reference.Background(t1, m0, m1);
            double[] combined = Float64Reference.Combine(suppressed, boosted, background, settings.Mix.Suppressed, settings.Mix.Boosted, settings.Mix.Background);

            AssertSameDirection(suppressed, result.Edits.AsSpan(pair * 768, 768), $"pair {pair} suppressed");
            AssertSameDirection(boosted, result.Edits.AsSpan((pairs + pair) * 768, 768), $"pair {pair} boosted");
            AssertSameDirection(background, result.Background.AsSpan(pair * 768, 768), $"pair {pair} background");
            AssertSameDirection(combined, result.Embeddings.AsSpan(pair * 768, 768), $"pair {pair} combined");
        }
        Assert.Equal(pairs > 1, result.EmptyRemoveSelection.Any(e => e));
    }

    [GpuFact]
    public void Batch_results_do_not_depend_on_the_other_pairs()
    {
        // Zero rows padding a pair up to the batch's largest selection must not change its result.
        EngineKernels kernels = gpu.Kernels;
        var random = new Random(99);
        float[] original = TestData.RandomTokens(random, 4);
        float[] edited = TestData.RandomTokens(random, 4);
        (float[] remove, float[] add) = Masks(random, 4);
        using var pipeline = new CudaEditPipeline(kernels);

        CudaHostEditResult batch = pipeline.Run(original, edited, remove, add, 4, [new EditParameters()], Single, null, TestContext.Current.CancellationToken);
        CudaHostEditResult alone = pipeline.Run(original.AsSpan(0, 257 * 768), edited.AsSpan(0, 257 * 768), remove.AsSpan(0, 256), add.AsSpan(0, 256), 1, [new EditParameters()], Single, null, TestContext.Current.CancellationToken);

        double[] expected = [.. alone.Embeddings.Select(v => (double)v)];
        AssertSameDirection(expected, batch.Embeddings.AsSpan(0, 768), "pair 0 in a batch vs alone");
        Assert.True(batch.RowCount > alone.RowCount);
    }

    [GpuFact]
    public void Default_tolerance_after_a_coarse_one_matches_a_fresh_pipeline()
    {
        // EigenTolerance = 0 means cuSOLVER's default, also after a run that set another tolerance.
        EngineKernels kernels = gpu.Kernels;
        var random = new Random(12);
        float[] original = TestData.RandomTokens(random, 3);
        float[] edited = TestData.RandomTokens(random, 3);
        (float[] remove, float[] add) = Masks(random, 3);
        CancellationToken cancel = TestContext.Current.CancellationToken;
        using var reused = new CudaEditPipeline(kernels);
        using var fresh = new CudaEditPipeline(kernels);

        reused.Run(original, edited, remove, add, 3, [new EditParameters()], Single with { EigenTolerance = 0.5 }, null, cancel);
        CudaHostEditResult again = reused.Run(original, edited, remove, add, 3, [new EditParameters()], Single, null, cancel);
        CudaHostEditResult expected = fresh.Run(original, edited, remove, add, 3, [new EditParameters()], Single, null, cancel);

        // Near-equality, not bitwise: two cuBLAS handles need not pick the same GEMM kernel; a stale 0.5 tolerance is far off.
        TestData.AssertClose([.. expected.Edits.Select(v => (double)v)], again.Edits, 1e-6, 0, "edits after a coarse-tolerance run");
    }

    [GpuFact]
    public void Pipeline_frees_every_device_buffer()
    {
        EngineKernels kernels = gpu.Kernels;
        long before = DeviceMemory.LiveBuffers;
        var random = new Random(3);
        float[] tokens = TestData.RandomTokens(random, 2);
        (float[] remove, float[] add) = Masks(random, 2);

        using (var pipeline = new CudaEditPipeline(kernels))
        {
            pipeline.Run(tokens, tokens, remove, add, 2, [new EditParameters()], Single, null, TestContext.Current.CancellationToken);
            pipeline.Run(tokens, tokens, remove, add, 2, [new EditParameters()], new CudaEditOptions { MeasureStages = true }, null, TestContext.Current.CancellationToken);
            Assert.True(DeviceMemory.LiveBuffers > before, "the pipeline keeps its scratch buffers between runs");
        }

        Assert.Equal(before, DeviceMemory.LiveBuffers);
    }

    [GpuFact]
    public void Stage_timings_and_progress_cover_every_stage()
    {
        EngineKernels kernels = gpu.Kernels;
        var random = new Random(8);
        float[] tokens = TestData.RandomTokens(random, 3);
        (float[] remove, float[] add) = Masks(random, 3);
        var stages = new List<CudaEditStage>();
        using var pipeline = new CudaEditPipeline(kernels);

        CudaHostEditResult result = pipeline.Run(tokens, tokens, remove, add, 3, [new EditParameters()], Single with { MeasureStages = true }, new InlineProgress(stages.Add), TestContext.Current.CancellationToken);

        Assert.Equal(Enum.GetValues<CudaEditStage>(), stages);
        Assert.Equal(Enum.GetValues<CudaEditStage>().Order(), result.StageMilliseconds.Keys.Order());
        Assert.All(result.StageMilliseconds.Values, ms => Assert.True(ms >= 0));
    }

    [GpuFact]
    public void Cancellation_stops_before_the_next_stage()
    {
        EngineKernels kernels = gpu.Kernels;
        var random = new Random(4);
        float[] tokens = TestData.RandomTokens(random, 1);
        (float[] remove, float[] add) = Masks(random, 1);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        using var pipeline = new CudaEditPipeline(kernels);

        Assert.Throws<OperationCanceledException>(() => pipeline.Run(tokens, tokens, remove, add, 1, [new EditParameters()], Single, null, cancellation.Token));
    }

    private static void AssertSameDirection(double[] expected, ReadOnlySpan<float> actual, string what)
    {
        double[] values = [.. actual.ToArray().Select(v => (double)v)];
        double expectedNorm = Math.Sqrt(expected.Sum(v => v * v));
        double actualNorm = Math.Sqrt(values.Sum(v => v * v));
        if (expectedNorm == 0)
        {
            Assert.True(actualNorm == 0, $"{what}: expected the zero vector, got norm {actualNorm}");
            return;
        }
        double cosine = TestData.Cosine(expected, values);
        if (!(cosine >= MinimumCosine))
        {
            int worst = Enumerable.Range(0, expected.Length).MaxBy(i => Math.Abs(expected[i] - values[i]));
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: cosine {cosine:R} < {MinimumCosine}; worst element {worst}: expected {expected[worst]:R}, actual {values[worst]:R}"));
        }
        Assert.InRange(actualNorm, 1 - 1e-5, 1 + 1e-5);
    }

    private sealed class InlineProgress(Action<CudaEditStage> report) : IProgress<CudaEditStage>
    {
        public void Report(CudaEditStage value) => report(value);
    }
}
