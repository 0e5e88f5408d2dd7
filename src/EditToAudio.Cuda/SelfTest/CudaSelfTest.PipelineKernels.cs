using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Images;
using EditToAudio.Numerics;
using EditToAudio.Reference;

namespace EditToAudio.Cuda.SelfTest;

/// <summary>The checks of the device-resident pipeline's glue kernels: SAM2's preprocessing and the sampler's (the DDIM step itself is checked beside the other kernels).</summary>
public static partial class CudaSelfTest
{
    private static CudaParityResult Sam2Preprocess(EngineKernels kernels)
    {
        // A downscaled random image must give Sam2Preprocessor's input bit for bit.
        CudaContext context = kernels.Library.Context;
        const int width = 1333, height = 1077, size = Sam2Preprocessor.InputSize;
        var pixels = new byte[width * height * 3];
        new Random(14).NextBytes(pixels);
        var image = new RgbImage(width, height, pixels, "self-test image");
        using DeviceBuffer<byte> input = context.Upload<byte>(pixels);
        using var axes = new ResampleAxes(context, width, height, size, size);
        using DeviceBuffer<float> middle = context.Allocate<float>((long)height * size * 3);
        using DeviceBuffer<float> output = context.Allocate<float>(Sam2Preprocessor.ValueCount);
        kernels.ResampleAntialiased(input, axes, Sam2Preprocessor.Mean, Sam2Preprocessor.Std, middle, output);
        float[] actual = output.ToArray(context.Stream);
        float[] expected = Sam2Preprocessor.ToInput(image);
        int mismatches = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (actual[i] != expected[i])
            {
                mismatches++;
            }
        }
        return new CudaParityResult("sam2 preprocess", mismatches == 0, "mismatches", mismatches, 0);
    }

    private static CudaParityResult RowNoise(EngineKernels kernels)
    {
        // Three candidates' initial latents written into both halves of a guided UNet input.
        CudaContext context = kernels.Library.Context;
        const int rows = 3, size = 8 * 256 * 16 + 5;
        ulong[] seeds = [42, 42, 43];
        ulong[] streams = [.. Enumerable.Range(0, rows).Select(r => NoiseStream.Id(NoiseStage.DiffusionInitial, r, 0))];
        using DeviceBuffer<ulong> seedBuffer = context.Upload<ulong>(seeds);
        using DeviceBuffer<ulong> streamBuffer = context.Upload<ulong>(streams);
        using DeviceBuffer<float> output = context.Allocate<float>(2L * rows * size);
        kernels.PhiloxNormalRows(output, rows, size, 2, seedBuffer, streamBuffer, 0);
        float[] actual = output.ToArray(context.Stream);
        double worst = 0;
        for (int i = 0; i < rows * size; i++)
        {
            float expected = Float64Reference.Normal(seeds[i / size], streams[i / size], (ulong)(i % size));
            worst = Math.Max(worst, Math.Max(Math.Abs(expected - actual[i]), Math.Abs(expected - actual[rows * size + i])));
        }
        return new CudaParityResult("row noise", worst <= 1e-6, "max abs error", worst, 1e-6);
    }

    private static CudaParityResult SamplerClip(EngineKernels kernels)
    {
        // Three jobs after an offset; only the middle one holds a value past 100, so only it is clipped.
        CudaContext context = kernels.Library.Context;
        const int jobs = 3, jobSize = 2 * 8 * 256 * 16 + 3, offset = 777;
        var random = new Random(12);
        float[] values = [.. Enumerable.Range(0, offset + jobs * jobSize).Select(_ => (float)(random.NextDouble() * 60 - 30))];
        values[offset + jobSize + 5] = 250;
        using DeviceBuffer<float> buffer = context.Upload<float>(values);
        using DeviceBuffer<int> flags = context.Allocate<int>(jobs);
        kernels.ClipJobsOver(buffer, offset, jobSize, jobs, 100f, 10f, flags);
        float[] actual = buffer.ToArray(context.Stream);
        int[] fired = flags.ToArray(context.Stream);
        int mismatches = fired.SequenceEqual([0, 1, 0]) ? 0 : 1;
        for (int i = 0; i < values.Length; i++)
        {
            bool clipped = i >= offset && (i - offset) / jobSize == 1;
            if (actual[i] != (clipped ? Math.Clamp(values[i], -10f, 10f) : values[i]))
            {
                mismatches++;
            }
        }
        return new CudaParityResult("sampler clip", mismatches == 0, "mismatches", mismatches, 0);
    }

    private static CudaParityResult LatentScale(EngineKernels kernels)
    {
        CudaContext context = kernels.Library.Context;
        const int offset = 19, count = 3 * 8 * 256 * 16;
        var random = new Random(13);
        float[] values = [.. Enumerable.Range(0, offset + count).Select(_ => (float)(random.NextDouble() * 8 - 4))];
        using DeviceBuffer<float> input = context.Upload<float>(values);
        using DeviceBuffer<float> output = context.Allocate<float>(count);
        kernels.Divide(input, offset, output, count, 0.18215);
        float[] actual = output.ToArray(context.Stream);
        int mismatches = 0;
        for (int i = 0; i < count; i++)
        {
            if (actual[i] != (float)(values[offset + i] / 0.18215))
            {
                mismatches++;
            }
        }
        return new CudaParityResult("latent scale", mismatches == 0, "mismatches", mismatches, 0);
    }

    private static CudaParityResult MelTranspose(EngineKernels kernels)
    {
        // The VAE's [N, 1, 4T, 64] mel as the vocoder's [N, 64, 4T], at AudioLDM's 10.24 s.
        CudaContext context = kernels.Library.Context;
        const int batches = 3, frames = 1024, bins = 64;
        float[] values = [.. Enumerable.Range(0, batches * frames * bins).Select(i => (float)i)];
        using DeviceBuffer<float> input = context.Upload<float>(values);
        using DeviceBuffer<float> output = context.Allocate<float>(values.Length);
        kernels.TransposeLastTwo(input, output, batches, frames, bins);
        float[] actual = output.ToArray(context.Stream);
        int mismatches = 0;
        for (int b = 0; b < batches; b++)
        {
            for (int t = 0; t < frames; t++)
            {
                for (int m = 0; m < bins; m++)
                {
                    if (actual[(b * bins + m) * frames + t] != values[(b * frames + t) * bins + m])
                    {
                        mismatches++;
                    }
                }
            }
        }
        return new CudaParityResult("mel transpose", mismatches == 0, "mismatches", mismatches, 0);
    }
}
