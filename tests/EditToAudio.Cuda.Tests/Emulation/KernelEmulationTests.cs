using System.Diagnostics;
using System.Runtime.InteropServices;
using EditToAudio.Audio;
using EditToAudio.Cuda.Compilation;
using EditToAudio.Cuda.Tests.References;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Numerics;
using EditToAudio.Reference;

namespace EditToAudio.Cuda.Tests.Emulation;

/// <summary>
/// Builds the kernel files with the host C++ compiler against a small CUDA emulation (one OS thread
/// per CUDA thread, barriers for __syncthreads and the warp operations), runs them on seeded and
/// edge-case inputs, and compares with the float64 references. This checks the kernels' indexing,
/// reductions and synchronization on machines without a GPU; the GPU tests check the real thing.
/// Skipped, with the reason, where no g++ is installed.
/// </summary>
public sealed class KernelEmulation : IDisposable
{
    public const int Pairs = 4;

    public KernelEmulation()
    {
        Folder = Path.Combine(Path.GetTempPath(), "e2a-emulation-" + Guid.NewGuid().ToString("N"));
        string? compiler = FindOnPath("g++");
        if (compiler is null)
        {
            SkipReason = "No g++ on this machine, so the kernels cannot be emulated on the CPU.";
            return;
        }
        Directory.CreateDirectory(Folder);
        foreach (KernelSource file in KernelSources.All)
        {
            // The emulation has no `extern "C"` linkage needs and keeps dynamic shared memory in a static array.
            string text = file.Text.Replace("extern \"C\" ", "", StringComparison.Ordinal)
                .Replace("extern __shared__ double dynamic_shared[];", "double* dynamic_shared = e2a_dynamic_shared;", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(Folder, file.Name), text);
        }
        string here = Path.Combine(AppContext.BaseDirectory, "Emulation");
        foreach (string name in new[] { "cuda_emulation.h", "kernel_harness.cpp" })
        {
            File.Copy(Path.Combine(here, name), Path.Combine(Folder, name));
        }
        WriteInputs();
        (int compiled, string compileOutput) = Run(compiler, $"-std=c++20 -O2 -ffp-contract=off -pthread -w -o harness kernel_harness.cpp");
        if (compiled != 0)
        {
            Failure = "g++ could not build the emulated kernels:\n" + compileOutput;
            return;
        }
        (int ran, string runOutput) = Run(Path.Combine(Folder, "harness"), Folder);
        if (ran != 0)
        {
            Failure = $"the emulated kernels exited with {ran}:\n{runOutput}";
        }
    }

    public string Folder { get; }

    public string SkipReason { get; } = "";

    public string Failure { get; } = "";

    public float[] Original { get; private set; } = [];

    public float[] Edited { get; private set; } = [];

    public float[] Remove { get; private set; } = [];

    public float[] Add { get; private set; } = [];

    public byte[] Images { get; private set; } = [];

    public float[][] Ddim { get; private set; } = [];

    public const int DdimRows = 3, DdimSize = 333;

    public const ulong DdimStep = 5;

    public DdimSchedule DdimSchedule { get; } = DdimSchedule.Create(BetaSchedule.AudioLdm, 200, 1.0);

    public ulong[] DdimSeeds { get; } = [42, 42, 7];

    public ulong[] DdimStreams { get; } = [.. Enumerable.Range(0, DdimRows).Select(r => NoiseStream.Id(NoiseStage.DiffusionStep, r, 0))];

    public float[][] Variational { get; private set; } = [];

    public float[] Normalize { get; private set; } = [];

    public const int CountPairs = 20;

    public float[] CountRemove { get; private set; } = [];

    public float[] CountAdd { get; private set; } = [];

    /// <summary>Skips without g++, fails when the harness did not build or run.</summary>
    public void Require()
    {
        if (SkipReason.Length > 0)
        {
            Assert.Skip(SkipReason);
        }
        Assert.True(Failure.Length == 0, Failure);
    }

    public T[] Output<T>(string name) where T : unmanaged =>
        MemoryMarshal.Cast<byte, T>(File.ReadAllBytes(Path.Combine(Folder, name))).ToArray();

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    private void WriteInputs()
    {
        var random = new Random(31);
        Images = new byte[2 * 37 * 61 * 3];
        random.NextBytes(Images);
        Save("image.bin", Images);
        var imageGeometry = ClipGeometry.For(61, 37);
        Save<int>("image_geometry.bin", [imageGeometry.ResizedWidth, imageGeometry.ResizedHeight, imageGeometry.CropLeft, imageGeometry.CropTop]);

        float[] Draw(int count, double scale) => [.. Enumerable.Range(0, count).Select(_ => (float)(TestData.Gaussian(random) * scale))];
        // Three latents of 333 values (not a multiple of the block) with their unconditional and conditional ε,
        // at step 5 of the 200-step schedule; the middle latent holds a value that trips the sampler's clip.
        Ddim = [Draw(DdimRows * DdimSize, 1), Draw(DdimRows * DdimSize, 1), Draw(DdimRows * DdimSize, 1)];
        Ddim[0][DdimSize + 17] = 400;
        Save("ddim_x.bin", Ddim[0]);
        Save("ddim_u.bin", Ddim[1]);
        Save("ddim_c.bin", Ddim[2]);
        DdimStepCoefficients c = DdimSchedule.Coefficients(DdimSchedule.Count - 1 - (int)DdimStep);
        Save<double>("ddim_coefficients.bin", [c.SqrtAlpha, c.SqrtOneMinusAlpha, c.SqrtAlphaPrevious, c.Direction, c.Sigma]);
        Save("ddim_seeds.bin", DdimSeeds);
        Save("ddim_streams.bin", DdimStreams);
        Variational = [Draw(231, 1), Draw(231, 1.5)];
        Save("variational_mu.bin", Variational[0]);
        Save("variational_log_var.bin", Variational[1]);

        CountRemove = TestData.RandomMask(random, CountPairs, 0.3);
        CountAdd = TestData.RandomMask(random, CountPairs, 0.1);
        Array.Fill(CountAdd, 1f, 19 * 256, 256);   // the last item selects every patch
        Save("count_remove.bin", CountRemove);
        Save("count_add.bin", CountAdd);

        Normalize = Draw(37 * 100, 3);
        Array.Clear(Normalize, 0, 100);
        Save("normalize.bin", Normalize);

        // SAM2's 1024×1024 input from a small image (upscaling, two taps) and a larger one (downscaling, wide kernels).
        Sam2Images = [new EditToAudio.Images.RgbImage(61, 37, Images[..(61 * 37 * 3)], "emulated 61x37"), RandomImage(random, 1500, 1100)];
        SaveSam2("sam2_up_", Sam2Images[0]);
        SaveSam2("sam2_down_", Sam2Images[1]);

        SaveSampler("sampler_guided_", GuidedSampler);
        SaveSampler("sampler_plain_", PlainSampler);

        Original = NormalizedTokens(TestData.RandomTokens(random, Pairs));
        Edited = NormalizedTokens(TestData.RandomTokens(random, Pairs));
        Remove = TestData.RandomMask(random, Pairs, 0.25);
        Add = TestData.RandomMask(random, Pairs, 0.15);
        Array.Clear(Remove, 256, 256);       // pair 1: empty removed-object selection
        Array.Clear(Add, 2 * 256, 256);      // pair 2: one patch (n + 1 = 2 <= k)
        Add[2 * 256 + 77] = 1;
        Array.Fill(Add, 0f, 3 * 256, 256);   // pair 3: exactly 9 patches (n + 1 = k)
        Array.Fill(Add, 1f, 3 * 256, 9);
        Save("edit_original.bin", Original);
        Save("edit_edited.bin", Edited);
        Save("edit_remove.bin", Remove);
        Save("edit_add.bin", Add);
    }

    private static float[] NormalizedTokens(float[] tokens)
    {
        for (int row = 0; row < tokens.Length / 768; row++)
        {
            double[] unit = Float64Reference.Normalize([.. tokens.AsSpan(row * 768, 768).ToArray().Select(v => (double)v)]);
            for (int c = 0; c < 768; c++)
            {
                tokens[row * 768 + c] = (float)unit[c];
            }
        }
        return tokens;
    }

    public EditToAudio.Images.RgbImage[] Sam2Images { get; private set; } = [];

    private static EditToAudio.Images.RgbImage RandomImage(Random random, int width, int height)
    {
        var pixels = new byte[width * height * 3];
        random.NextBytes(pixels);
        return new EditToAudio.Images.RgbImage(width, height, pixels, $"random {width}x{height}");
    }

    private void SaveSam2(string prefix, EditToAudio.Images.RgbImage image)
    {
        const int size = EditToAudio.Images.Sam2Preprocessor.InputSize;
        var x = EditToAudio.Images.AntialiasedBilinearResampler.ComputeAxis(image.Width, size);
        var y = EditToAudio.Images.AntialiasedBilinearResampler.ComputeAxis(image.Height, size);
        Save<int>(prefix + "meta.bin", [image.Width, image.Height, size, size, x.KernelSize, y.KernelSize]);
        Save(prefix + "image.bin", image.Pixels);
        Save(prefix + "x_start.bin", x.Start);
        Save(prefix + "x_count.bin", x.Count);
        Save(prefix + "x_weights.bin", x.Weights);
        Save(prefix + "y_start.bin", y.Start);
        Save(prefix + "y_count.bin", y.Count);
        Save(prefix + "y_weights.bin", y.Weights);
    }

    /// <summary>
    /// Two jobs of two candidates each, 12 steps, guided; the second job's conditioning is large enough
    /// that its latents pass 100 and the sampler's clip fires for it alone.
    /// </summary>
    public DiffusionJob GuidedSampler { get; } = SamplerJob(2.5, secondScale: 4000);

    /// <summary>One pass (guidance 1), no clip.</summary>
    public DiffusionJob PlainSampler { get; } = SamplerJob(1.0, secondScale: 1);

    public const double SamplerScaleFactor = 0.18215;

    private static DiffusionJob SamplerJob(double guidance, double secondScale)
    {
        const int width = 16;
        var random = new Random(77);
        float[] Row(double scale) => [.. Enumerable.Range(0, width).Select(_ => (float)(TestData.Gaussian(random) * scale))];
        return new DiffusionJob(DdimSchedule.Create(BetaSchedule.AudioLdm, 12, 1.0), new LatentShape(2, 8, 5), [.. Row(1), .. Row(secondScale)], [42UL, 9UL], Row(1), 2, guidance);
    }

    private void SaveSampler(string prefix, DiffusionJob job)
    {
        SamplerLayout layout = job.Layout();
        DdimSchedule schedule = job.Schedule;
        Save<int>(prefix + "meta.bin", [job.Rows, job.Shape.Size, layout.Halves, layout.Batch, schedule.Count, job.Jobs, job.Unconditional.Length]);
        Save<double>(prefix + "scalars.bin", [job.Guidance, SamplerScaleFactor, (layout.Halves - 1) * layout.Rows * job.Shape.Size]);
        Save(prefix + "coefficients.bin", [.. Enumerable.Range(0, schedule.Count).SelectMany(i =>
        {
            DdimStepCoefficients c = schedule.Coefficients(schedule.Count - 1 - i);
            return new[] { c.SqrtAlpha, c.SqrtOneMinusAlpha, c.SqrtAlphaPrevious, c.Direction, c.Sigma };
        })]);
        Save(prefix + "conditioning.bin", layout.Conditioning);
        Save(prefix + "timesteps.bin", layout.Timesteps);
        Save(prefix + "seeds.bin", layout.Seeds);
        Save(prefix + "initial.bin", layout.InitialStreams);
        Save(prefix + "steps.bin", layout.StepStreams);
    }

    private void Save<T>(string name, T[] values) where T : unmanaged =>
        File.WriteAllBytes(Path.Combine(Folder, name), MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    private (int ExitCode, string Output) Run(string program, string arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
}

public class KernelEmulationTests(KernelEmulation emulation) : IClassFixture<KernelEmulation>
{
    [Fact]
    public void Philox_kernel_code_gives_the_known_answers_and_the_reference_normals()
    {
        emulation.Require();
        Assert.Equal([0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu],
            emulation.Output<uint>("philox_blocks.bin"));
        double[] expected = [.. Enumerable.Range(0, 1000).Select(i => (double)Float64Reference.Normal(42, 3, 5 + (ulong)i))];
        TestData.AssertClose(expected, emulation.Output<float>("normals.bin"), 0, 0, "normals");
    }

    [Fact]
    public void Image_kernel_code_gives_the_cpu_preprocessors_clip_input()
    {
        // The GPU embedding stages replace ClipPreprocessor with this kernel, so the two must agree value for value.
        emulation.Require();
        float[] clip = emulation.Output<float>("image_clip.bin");
        const int perImage = 37 * 61 * 3;
        for (int i = 0; i < 2; i++)
        {
            var image = new EditToAudio.Images.RgbImage(61, 37, emulation.Images[(i * perImage)..((i + 1) * perImage)], $"emulated image {i}");
            float[] expected = EditToAudio.Images.ClipPreprocessor.ToPixelValues(image);
            TestData.AssertClose([.. expected.Select(v => (double)v)], clip.AsSpan(i * expected.Length, expected.Length), 0, 0, $"CLIP input of image {i}");
        }
    }

    [Theory]
    [InlineData("sam2_up_", 0)]
    [InlineData("sam2_down_", 1)]
    public void Sam2_resize_kernel_code_gives_the_cpu_preprocessors_input(string prefix, int image)
    {
        // The GPU segmentation replaces Sam2Preprocessor with these two kernels, so they must agree bit for bit.
        emulation.Require();
        float[] expected = EditToAudio.Images.Sam2Preprocessor.ToInput(emulation.Sam2Images[image]);
        TestData.AssertClose([.. expected.Select(v => (double)v)], emulation.Output<float>(prefix + "planar.bin"), 0, 0, $"SAM2 input of {emulation.Sam2Images[image]}");
    }

    [Fact]
    public void Image_kernel_code_reproduces_pil_arithmetic_exactly()
    {
        emulation.Require();
        var geometry = ClipGeometry.For(61, 37);
        float[] clip = emulation.Output<float>("image_clip.bin"), small = emulation.Output<float>("image_small.bin");
        for (int i = 0; i < 2; i++)
        {
            byte[] image = emulation.Images[(i * 37 * 61 * 3)..((i + 1) * 37 * 61 * 3)];
            float[] expected = Float64Reference.ResizeCropNormalize(image, 37, 61, geometry.ResizedWidth, geometry.ResizedHeight, geometry.CropLeft, geometry.CropTop,
                224, 224, bicubic: true, [0.48145466f, 0.4578275f, 0.40821073f], [0.26862954f, 0.26130258f, 0.27577711f]);
            TestData.AssertClose([.. expected.Select(v => (double)v)], clip.AsSpan(i * 3 * 224 * 224, 3 * 224 * 224), 0, 0, $"CLIP image {i}");
            float[] expectedSmall = Float64Reference.ResizeCropNormalize(image, 37, 61, 16, 16, 0, 0, 16, 16, bicubic: false, [0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f]);
            TestData.AssertClose([.. expectedSmall.Select(v => (double)v)], small.AsSpan(i * 3 * 256, 3 * 256), 0, 0, $"16x16 image {i}");
        }
    }

    [Fact]
    public void Ddim_kernel_code_matches_the_reference_with_and_without_guidance()
    {
        emulation.Require();
        float[][] d = emulation.Ddim;
        const int rows = KernelEmulation.DdimRows, count = rows * KernelEmulation.DdimSize;
        int index = emulation.DdimSchedule.Count - 1 - (int)KernelEmulation.DdimStep;
        double alpha = emulation.DdimSchedule.Alphas[index], previous = emulation.DdimSchedule.AlphasPrevious[index];
        double[] guided = Float64Reference.DdimStepRows(d[0], d[1], d[2], rows, 2.5, alpha, previous, 1.0, emulation.DdimSeeds, emulation.DdimStreams, KernelEmulation.DdimStep);
        double[] plain = Float64Reference.DdimStepRows(d[0], null, d[2], rows, 1.0, alpha, previous, 1.0, emulation.DdimSeeds, emulation.DdimStreams, KernelEmulation.DdimStep);

        float[] guidedOut = emulation.Output<float>("ddim_guided.bin");
        TestData.AssertClose(guided, guidedOut.AsSpan(0, count), 1e-6, 1e-6, "guided DDIM step, unconditional half");
        TestData.AssertClose(guided, guidedOut.AsSpan(count), 1e-6, 1e-6, "guided DDIM step, latent half");
        TestData.AssertClose(plain, emulation.Output<float>("ddim_plain.bin"), 1e-6, 1e-6, "unguided DDIM step");
    }

    [Fact]
    public void Clip_scale_and_transpose_kernel_code_match_the_reference()
    {
        emulation.Require();
        double[] values = [.. emulation.Ddim[0].Select(v => (double)v)];
        bool[] flags = Float64Reference.ClipJobs(values, KernelEmulation.DdimRows);
        Assert.Equal([false, true, false], flags);
        Assert.Equal([0, 1, 0], emulation.Output<int>("clip_flags.bin"));
        TestData.AssertClose(values, emulation.Output<float>("clip_values.bin"), 0, 0, "clipped latents");

        TestData.AssertClose([.. emulation.Ddim[1].Select(v => v / 0.18215)], emulation.Output<float>("divide.bin"), 0, 6e-8, "latents / scale factor");

        const int batches = 2, rows = 5, columns = 7;
        var transposed = new double[batches * rows * columns];
        for (int b = 0; b < batches; b++)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    transposed[(b * columns + c) * rows + r] = emulation.Ddim[2][(b * rows + r) * columns + c];
                }
            }
        }
        TestData.AssertClose(transposed, emulation.Output<float>("transpose.bin"), 0, 0, "mel transpose");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_gpu_samplers_launch_sequence_reproduces_the_cpu_sampler(bool guided)
    {
        // SamplerLayout's arrays + the kernels in the order CudaSampler launches them, against
        // DdimSampler with the same analytic epsilon: layout, noise keys, step order and clip together.
        emulation.Require();
        DiffusionJob job = guided ? emulation.GuidedSampler : emulation.PlainSampler;
        (float[] latents, bool[] clipped) = DdimSampler.SampleMany(new AnalyticEpsilon(job.Unconditional.Length), job.Schedule, job.Shape, job.Conditionings,
            job.Seeds, job.Unconditional, job.Candidates, job.Guidance, cancellationToken: TestContext.Current.CancellationToken);
        string prefix = guided ? "sampler_guided_" : "sampler_plain_";

        Assert.Equal(guided ? [false, true] : [false, false], clipped);
        Assert.Equal([.. clipped.Select(c => c ? 1 : 0)], emulation.Output<int>(prefix + "flags.bin"));
        TestData.AssertClose([.. latents.Select(v => v / KernelEmulation.SamplerScaleFactor)], emulation.Output<float>(prefix + "latents.bin"), 1e-5, 1e-5,
            $"{(guided ? "guided" : "unguided")} sampler latents / scale factor");
    }

    /// <summary>The harness's stand-in for the UNet: ε = 0.3·x + 0.05·y[j mod width] + 1e-4·t.</summary>
    private sealed class AnalyticEpsilon(int width) : IEpsilonPredictor
    {
        public void Predict(int batch, LatentShape shape, ReadOnlySpan<float> latents, ReadOnlySpan<long> timesteps, ReadOnlySpan<float> conditioning, Span<float> epsilon)
        {
            int size = shape.Size;
            for (int b = 0; b < batch; b++)
            {
                for (int j = 0; j < size; j++)
                {
                    epsilon[b * size + j] = (float)(0.3 * latents[b * size + j] + 0.05 * conditioning[b * width + j % width] + 1e-4 * timesteps[b]);
                }
            }
        }
    }

    [Fact]
    public void Variational_kernel_code_matches_the_reference()
    {
        emulation.Require();
        float[][] v = emulation.Variational;
        TestData.AssertClose(Float64Reference.VariationalMean(v[0], v[1], 77, 8, [42, 42, 5], [9, 10, 9]), emulation.Output<float>("variational_mean.bin"), 1e-6, 1e-6, "variational mean");
    }

    [Fact]
    public void Row_noise_kernel_code_draws_each_rows_stream_into_every_copy()
    {
        emulation.Require();
        float[] noise = emulation.Output<float>("philox_rows.bin");
        const int rows = KernelEmulation.DdimRows, size = KernelEmulation.DdimSize;
        Assert.Equal(2 * rows * size, noise.Length);
        double[] expected = [.. Enumerable.Range(0, rows * size).Select(i =>
            (double)Float64Reference.Normal(emulation.DdimSeeds[i / size], emulation.DdimStreams[i / size] | 3, (ulong)(i % size)))];
        TestData.AssertClose(expected, noise.AsSpan(0, rows * size), 1e-6, 1e-6, "row noise, first copy");
        TestData.AssertClose([.. noise.Take(rows * size).Select(v => (double)v)], noise.AsSpan(rows * size), 0, 0, "row noise, second copy against the first");
    }

    [Fact]
    public void Count_kernel_code_covers_more_items_than_threads()
    {
        emulation.Require();
        const int pairs = KernelEmulation.CountPairs;
        int[] expected = [.. Enumerable.Range(0, 2 * pairs).Select(item =>
            (item < pairs ? emulation.CountRemove.AsSpan(item * 256, 256) : emulation.CountAdd.AsSpan((item - pairs) * 256, 256)).ToArray().Count(w => w > 0.5f))];

        int[] actual = emulation.Output<int>("count_counts.bin");

        Assert.Equal(expected, actual);
        Assert.Equal(256, actual[^1]);
    }

    [Fact]
    public void Normalize_kernel_code_matches_the_reference()
    {
        emulation.Require();
        double[] expected = new double[emulation.Normalize.Length];
        for (int row = 0; row < 37; row++)
        {
            Float64Reference.Normalize([.. emulation.Normalize.AsSpan(row * 100, 100).ToArray().Select(v => (double)v)]).CopyTo(expected, row * 100);
        }
        TestData.AssertClose(expected, emulation.Output<float>("normalize_out.bin"), 1e-7, 1e-7, "normalized rows");
    }

    [Theory]
    [InlineData("edit_edits.bin", 1e-9)]
    [InlineData("edit_edits32.bin", 1e-5)]
    public void Edit_kernel_code_matches_the_literal_svd(string output, double cosineSlack)
    {
        emulation.Require();
        const int pairs = KernelEmulation.Pairs;
        float[] edits = emulation.Output<float>(output);
        float[] background = emulation.Output<float>("edit_background.bin");
        float[] embeddings = emulation.Output<float>("edit_embeddings.bin");
        for (int pair = 0; pair < pairs; pair++)
        {
            double[][] t0 = Float64Reference.NormalizedRows(emulation.Original.AsSpan(pair * 257 * 768, 257 * 768), 768);
            double[][] t1 = Float64Reference.NormalizedRows(emulation.Edited.AsSpan(pair * 257 * 768, 257 * 768), 768);
            ReadOnlySpan<float> m0 = emulation.Remove.AsSpan(pair * 256, 256), m1 = emulation.Add.AsSpan(pair * 256, 256);
            double[] suppressed = Float64Reference.SvdEdit(t0, m0, 10, 0.1);
            double[] boosted = Float64Reference.SvdEdit(t1, m1, 10, 2.0);
            double[] bg = Float64Reference.Background(t1, m0, m1);
            AssertDirection(suppressed, edits.AsSpan(pair * 768, 768), cosineSlack, $"{output} pair {pair} suppressed");
            AssertDirection(boosted, edits.AsSpan((pairs + pair) * 768, 768), cosineSlack, $"{output} pair {pair} boosted");
            AssertDirection(bg, background.AsSpan(pair * 768, 768), 1e-9, $"pair {pair} background");
            AssertDirection(Float64Reference.Combine(suppressed, boosted, bg, 0.2, 0.5, 0.3), embeddings.AsSpan(pair * 768, 768), 1e-9, $"pair {pair} combined");
        }
        Assert.Equal(0, emulation.Output<int>("edit_counts.bin")[1]);
    }

    private static void AssertDirection(double[] expected, ReadOnlySpan<float> actual, double slack, string what)
    {
        double[] values = [.. actual.ToArray().Select(v => (double)v)];
        if (expected.All(v => v == 0))
        {
            Assert.True(values.All(v => v == 0), $"{what}: expected the zero vector");
            return;
        }
        double cosine = TestData.Cosine(expected, values);
        Assert.True(cosine >= 1 - slack, $"{what}: cosine {cosine:R} below {1 - slack:R}");
    }
}
