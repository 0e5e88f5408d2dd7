using EditToAudio.Audio;
using EditToAudio.Cuda.Devices;
using EditToAudio.Images;

namespace EditToAudio.Cuda.Kernels;

/// <summary>The resampling filter of the image preprocessing.</summary>
public enum ResizeFilter
{
    /// <summary>PIL's bilinear (triangle) filter.</summary>
    Bilinear = 0,

    /// <summary>PIL's bicubic filter (a = −0.5), CLIP's choice.</summary>
    Bicubic = 1,
}

/// <summary>
/// Typed launches of the engine's kernels. Each method validates its arguments, queues the kernel
/// on <see cref="CudaContext.Stream"/> and returns without waiting.
/// </summary>
public sealed class EngineKernels
{
    /// <summary>Threads per block for every launch (the kernels' reductions assume a multiple of 32, and 256 for the patch grid).</summary>
    public const int BlockSize = 256;

    /// <summary>Tokens per CLIP image (CLS + 16×16 patches).</summary>
    public const int Tokens = ImageTokens.TokenCount;

    /// <summary>Patches per CLIP image.</summary>
    public const int Patches = ClipGeometry.PatchCount;

    /// <summary>Width of a CLIP token.</summary>
    public const int Width = 768;

    private const int MaxGridY = 65535;

    // Grid cap of the 1-D launches; every kernel launched through Blocks() is grid-stride, so the cap never drops work.
    private const int MaxGrid = 65535 * 16;

    /// <summary>Wraps the modules of <paramref name="library"/>.</summary>
    public EngineKernels(KernelLibrary library)
    {
        ArgumentNullException.ThrowIfNull(library);
        Library = library;
    }

    /// <summary>The loaded modules.</summary>
    public KernelLibrary Library { get; }

    private CudaStream Stream => Library.Context.Stream;

    /// <summary>In-place L2 normalization of <paramref name="rows"/> rows of <paramref name="columns"/> floats.</summary>
    public void NormalizeRows(DeviceBuffer<float> values, long rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        RequireLength(values, rows * columns);
        Library.Function(KernelSignatures.L2NormalizeRows).Launch(((int)Math.Min(rows, MaxGrid), 1), BlockSize, 0, Stream,
            new KernelArguments().AddBuffer(values).AddInt64(rows).AddInt32(columns));
    }

    /// <summary>Selected-patch counts (weight > 0.5) of the 2P edit items (suppress items first, then boost items).</summary>
    public void CountSelected(DeviceBuffer<float> removeWeights, DeviceBuffer<float> addWeights, int pairs, DeviceBuffer<int> counts)
    {
        RequirePairs(removeWeights, addWeights, pairs);
        RequireLength(counts, 2L * pairs);
        Library.Function(KernelSignatures.CountSelected).Launch((Blocks(2L * pairs), 1), BlockSize, 0, Stream,
            new KernelArguments().AddBuffer(removeWeights).AddBuffer(addWeights).AddInt32(pairs).AddBuffer(counts));
    }

    /// <summary>Rows [CLS; selected patches; zero rows] of every edit item into <c>[2P, rowCount, 768]</c> (float or double).</summary>
    public void GatherRows<T>(DeviceBuffer<float> original, DeviceBuffer<float> edited, DeviceBuffer<float> removeWeights,
        DeviceBuffer<float> addWeights, int pairs, int rowCount, DeviceBuffer<T> rows) where T : unmanaged
    {
        RequirePairs(removeWeights, addWeights, pairs);
        RequireLength(original, (long)pairs * Tokens * Width);
        RequireLength(edited, (long)pairs * Tokens * Width);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rowCount, Tokens);
        RequireLength(rows, 2L * pairs * rowCount * Width);
        Library.Function(ByPrecision<T>(KernelSignatures.GatherRowsF32, KernelSignatures.GatherRowsF64)).Launch((2 * pairs, 1), BlockSize, 0, Stream, new KernelArguments()
            .AddBuffer(original).AddBuffer(edited).AddBuffer(removeWeights).AddBuffer(addWeights).AddInt32(pairs).AddInt32(rowCount).AddBuffer(rows));
    }

    /// <summary>
    /// The edit of every item from its rows and the eigenvectors of their Gram matrix
    /// (<c>[2P, n, n]</c>, column-major, ascending): <c>L2(Xᵀ(w + (s−1)U_k U_kᵀw))</c> into <c>[2P, 768]</c>
    /// from element <paramref name="editsOffset"/> of <paramref name="edits"/> on.
    /// </summary>
    public void ReweightRows<T>(DeviceBuffer<T> rows, DeviceBuffer<T> eigenvectors, DeviceBuffer<int> counts, int pairs, int n, int k,
        double suppressScale, double boostScale, DeviceBuffer<float> edits, long editsOffset = 0) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pairs);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        // n > 257 rows cannot come from one image, and 2n doubles of dynamic shared memory must fit the default 48 KiB.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, Tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        RequireLength(rows, 2L * pairs * n * Width);
        RequireLength(eigenvectors, 2L * pairs * n * n);
        RequireLength(counts, 2L * pairs);
        ArgumentOutOfRangeException.ThrowIfNegative(editsOffset);
        RequireLength(edits, editsOffset + 2L * pairs * Width);
        Library.Function(ByPrecision<T>(KernelSignatures.ReweightRowsF32, KernelSignatures.ReweightRowsF64)).Launch((2 * pairs, 1), BlockSize, 2 * n * sizeof(double), Stream,
            new KernelArguments().AddBuffer(rows).AddBuffer(eigenvectors).AddBuffer(counts).AddInt32(pairs).AddInt32(n).AddInt32(k)
                .AddDouble(suppressScale).AddDouble(boostScale).AddBuffer(edits, editsOffset));
    }

    /// <summary>L2 of the mean edited-image patch token outside both masks, per pair, into <c>[P, 768]</c>.</summary>
    public void BackgroundMean(DeviceBuffer<float> edited, DeviceBuffer<float> removeWeights, DeviceBuffer<float> addWeights, int pairs,
        DeviceBuffer<float> background)
    {
        RequirePairs(removeWeights, addWeights, pairs);
        RequireLength(edited, (long)pairs * Tokens * Width);
        RequireLength(background, (long)pairs * Width);
        Library.Function(KernelSignatures.BackgroundMean).Launch((pairs, 1), BlockSize, 0, Stream, new KernelArguments()
            .AddBuffer(edited).AddBuffer(removeWeights).AddBuffer(addWeights).AddInt32(pairs).AddBuffer(background));
    }

    /// <summary>
    /// <c>L2(a·suppressed + b·boosted + g·background)</c> per pair, from the <c>[2P, 768]</c> edits at
    /// <paramref name="editsOffset"/> into the <c>[P, 768]</c> embeddings at <paramref name="embeddingsOffset"/>.
    /// </summary>
    public void Combine(DeviceBuffer<float> edits, long editsOffset, DeviceBuffer<float> background, int pairs, double a, double b, double g,
        DeviceBuffer<float> embeddings, long embeddingsOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pairs);
        ArgumentOutOfRangeException.ThrowIfNegative(editsOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(embeddingsOffset);
        RequireLength(edits, editsOffset + 2L * pairs * Width);
        RequireLength(background, (long)pairs * Width);
        RequireLength(embeddings, embeddingsOffset + (long)pairs * Width);
        Library.Function(KernelSignatures.CombineEdit).Launch((pairs, 1), BlockSize, 0, Stream, new KernelArguments()
            .AddBuffer(edits, editsOffset).AddBuffer(background).AddInt32(pairs).AddDouble(a).AddDouble(b).AddDouble(g).AddBuffer(embeddings, embeddingsOffset));
    }

    /// <summary>Raw Philox4x32-10 blocks: 6 input words (counter, key) per block, 4 output words.</summary>
    public void PhiloxBlocks(DeviceBuffer<uint> input, DeviceBuffer<uint> output, int blocks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blocks);
        RequireLength(input, 6L * blocks);
        RequireLength(output, 4L * blocks);
        Library.Function(KernelSignatures.PhiloxBlocks).Launch((Blocks(blocks), 1), BlockSize, 0, Stream,
            new KernelArguments().AddBuffer(input).AddBuffer(output).AddInt32(blocks));
    }

    /// <summary>Normals number <paramref name="firstIndex"/>… of (<paramref name="seed"/>, <paramref name="stream"/>) into <paramref name="output"/>.</summary>
    public void PhiloxNormals(DeviceBuffer<float> output, long count, ulong seed, ulong stream, ulong firstIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        RequireLength(output, count);
        Library.Function(KernelSignatures.PhiloxNormalFill).Launch((Blocks(count), 1), BlockSize, 0, Stream,
            new KernelArguments().AddBuffer(output).AddInt64(count).AddUInt64(seed).AddUInt64(stream).AddUInt64(firstIndex));
    }

    /// <summary>
    /// Mean over <paramref name="samples"/> draws of <c>μ + ε·exp(½·log σ²)</c> for <c>[rows, width]</c> tensors, row r drawing
    /// normals <c>s·width + d</c> of (<paramref name="seeds"/>[r], <paramref name="streams"/>[r]): the SSV2A mapper's sampling.
    /// </summary>
    public void VariationalMean(DeviceBuffer<float> mu, DeviceBuffer<float> logVariance, DeviceBuffer<float> output, int rows, int width, int samples,
        DeviceBuffer<ulong> seeds, DeviceBuffer<ulong> streams)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        long elements = (long)rows * width;
        RequireLength(mu, elements);
        RequireLength(logVariance, elements);
        RequireLength(output, elements);
        RequireLength(seeds, rows);
        RequireLength(streams, rows);
        Library.Function(KernelSignatures.VariationalMeanRows).Launch((Blocks(elements), 1), BlockSize, 0, Stream, new KernelArguments()
            .AddBuffer(mu).AddBuffer(logVariance).AddBuffer(output).AddInt32(rows).AddInt32(width).AddInt32(samples).AddBuffer(seeds).AddBuffer(streams));
    }

    /// <summary>
    /// Row r of <paramref name="rows"/> gets Philox normals 0…<paramref name="rowSize"/>−1 of
    /// (<paramref name="seeds"/>[r], <paramref name="streamBases"/>[r] | <paramref name="step"/>), written to
    /// <paramref name="copies"/> consecutive <c>[rows, rowSize]</c> blocks of <paramref name="output"/>.
    /// </summary>
    public void PhiloxNormalRows(DeviceBuffer<float> output, int rows, long rowSize, int copies, DeviceBuffer<ulong> seeds, DeviceBuffer<ulong> streamBases, ulong step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowSize, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        RequireLength(output, copies * rows * rowSize);
        RequireLength(seeds, rows);
        RequireLength(streamBases, rows);
        Library.Function(KernelSignatures.PhiloxNormalRows).Launch((Blocks(rows * rowSize), 1), BlockSize, 0, Stream, new KernelArguments()
            .AddBuffer(output).AddInt32(rows).AddInt64(rowSize).AddInt32(copies).AddBuffer(seeds).AddBuffer(streamBases).AddUInt64(step));
    }

    /// <summary>
    /// One DDIM step of <paramref name="rows"/> latents in the UNet's input <paramref name="sample"/>
    /// (<c>[halves·rows, rowSize]</c>, the latents last; halves = 2 with guidance, unconditional copy first), with
    /// <paramref name="epsilon"/> the UNet's output in the same layout. The new latents go to every half.
    /// Row r's noise is Philox (<paramref name="seeds"/>[r], <paramref name="streamBases"/>[r] | <paramref name="step"/>).
    /// </summary>
    public void DdimStep(DeviceBuffer<float> sample, DeviceBuffer<float> epsilon, int rows, long rowSize, bool guided, double guidance,
        DdimStepCoefficients coefficients, DeviceBuffer<ulong> seeds, DeviceBuffer<ulong> streamBases, ulong step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowSize, 0);
        if (!(coefficients.SqrtAlpha > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(coefficients), coefficients.SqrtAlpha, "a DDIM step needs sqrt(alpha) > 0");
        }
        if (!double.IsFinite(guidance))
        {
            throw new ArgumentOutOfRangeException(nameof(guidance), guidance, "the guidance scale must be finite");
        }
        int halves = guided ? 2 : 1;
        RequireLength(sample, halves * rows * rowSize);
        RequireLength(epsilon, halves * rows * rowSize);
        RequireLength(seeds, rows);
        RequireLength(streamBases, rows);
        Library.Function(KernelSignatures.DdimStepRows).Launch((Blocks(rows * rowSize), 1), BlockSize, 0, Stream, new KernelArguments()
            .AddBuffer(sample).AddBuffer(epsilon).AddInt32(rows).AddInt64(rowSize).AddInt32(halves).AddDouble(guidance)
            .AddDouble(coefficients.SqrtAlpha).AddDouble(coefficients.SqrtOneMinusAlpha).AddDouble(coefficients.SqrtAlphaPrevious)
            .AddDouble(coefficients.Direction).AddDouble(coefficients.Sigma).AddBuffer(seeds).AddBuffer(streamBases).AddUInt64(step));
    }

    /// <summary>
    /// The sampler's final clip, job by job: the <paramref name="jobs"/> blocks of <paramref name="jobSize"/> values that start
    /// <paramref name="offset"/> elements into <paramref name="values"/> are clipped to ±<paramref name="limit"/> when any of their
    /// values exceeds <paramref name="trigger"/> in magnitude; <paramref name="flags"/>[job] says whether it fired.
    /// </summary>
    public void ClipJobsOver(DeviceBuffer<float> values, long offset, long jobSize, int jobs, float trigger, float limit, DeviceBuffer<int> flags)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(jobSize, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 0);
        RequireLength(values, offset + jobs * jobSize);
        RequireLength(flags, jobs);
        flags.Clear(Stream);
        ulong start = values.DevicePointer + (ulong)(offset * sizeof(float));
        Library.Function(KernelSignatures.FlagJobsOver).Launch((Blocks(jobs * jobSize), 1), BlockSize, 0, Stream, new KernelArguments()
            .AddPointer(start).AddInt64(jobSize).AddInt32(jobs).AddSingle(trigger).AddBuffer(flags));
        Library.Function(KernelSignatures.ClipFlaggedJobs).Launch((Blocks(jobs * jobSize), 1), BlockSize, 0, Stream, new KernelArguments()
            .AddPointer(start).AddInt64(jobSize).AddInt32(jobs).AddBuffer(flags).AddSingle(limit));
    }

    /// <summary><paramref name="count"/> values from <paramref name="offset"/> in <paramref name="input"/>, each divided by <paramref name="divisor"/> in float64, into <paramref name="output"/>.</summary>
    public void Divide(DeviceBuffer<float> input, long offset, DeviceBuffer<float> output, long count, double divisor)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!double.IsFinite(divisor) || divisor == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(divisor), divisor, "the divisor must be finite and non-zero");
        }
        RequireLength(input, offset + count);
        RequireLength(output, count);
        Library.Function(KernelSignatures.DivideValues).Launch((Blocks(count), 1), BlockSize, 0, Stream, new KernelArguments()
            .AddPointer(input.DevicePointer + (ulong)(offset * sizeof(float))).AddBuffer(output).AddInt64(count).AddDouble(divisor));
    }

    /// <summary><c>output[b, c, r] = input[b, r, c]</c> for <paramref name="batches"/> row-major <paramref name="rows"/>×<paramref name="columns"/> matrices.</summary>
    public void TransposeLastTwo(DeviceBuffer<float> input, DeviceBuffer<float> output, int batches, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batches);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        long count = (long)batches * rows * columns;
        RequireLength(input, count);
        RequireLength(output, count);
        Library.Function(KernelSignatures.TransposeLastTwo).Launch((Blocks(count), 1), BlockSize, 0, Stream, new KernelArguments()
            .AddBuffer(input).AddBuffer(output).AddInt32(batches).AddInt32(rows).AddInt32(columns));
    }

    /// <summary>
    /// PIL-exact resize (8-bit fixed point, horizontal then vertical pass) of <paramref name="count"/> RGB images
    /// (<c>[count, height, width, 3]</c> bytes) to <paramref name="geometry"/>'s size, its 224×224 window, /255 and
    /// per-channel normalize into planar <c>[count, 3, 224, 224]</c>. <paramref name="columns"/> is scratch of
    /// <c>count·height·224·3</c> bytes; the output starts at element <paramref name="pixelsOffset"/> of <paramref name="pixels"/>.
    /// <see cref="ClipGeometry.For"/> is CLIP's geometry; a geometry resized to 224×224 with no crop is a plain stretch.
    /// </summary>
    public void ResizeCropNormalize(DeviceBuffer<byte> images, int count, int height, int width, ClipGeometry geometry, ResizeFilter filter,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> std, DeviceBuffer<byte> columns, DeviceBuffer<float> pixels, long pixelsOffset = 0)
    {
        const int size = ClipGeometry.InputSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (geometry.CropLeft < 0 || geometry.CropTop < 0 || geometry.CropLeft + size > geometry.ResizedWidth || geometry.CropTop + size > geometry.ResizedHeight)
        {
            throw new ArgumentException($"the {size}x{size} window at ({geometry.CropLeft},{geometry.CropTop}) does not fit the resized {geometry.ResizedWidth}x{geometry.ResizedHeight} image", nameof(geometry));
        }
        if (mean.Length != 3 || std.Length != 3)
        {
            throw new ArgumentException("mean and std need one value per RGB channel");
        }
        // The images are the grid's y dimension, which CUDA limits to 65535 blocks.
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxGridY);
        RequireLength(images, (long)count * height * width * 3);
        RequireLength(columns, (long)count * height * size * 3);
        ArgumentOutOfRangeException.ThrowIfNegative(pixelsOffset);
        RequireLength(pixels, pixelsOffset + (long)count * 3 * size * size);
        Library.Function(KernelSignatures.ResizeHorizontal).Launch((height, count), BlockSize, 0, Stream, new KernelArguments()
            .AddBuffer(images).AddInt32(height).AddInt32(width).AddInt32(geometry.ResizedWidth).AddInt32(geometry.CropLeft)
            .AddInt32(size).AddInt32((int)filter).AddBuffer(columns));
        Library.Function(KernelSignatures.ResizeVerticalNormalize).Launch((size, count), BlockSize, 0, Stream, new KernelArguments()
            .AddBuffer(columns).AddInt32(height).AddInt32(size).AddInt32(geometry.ResizedHeight).AddInt32(geometry.CropTop)
            .AddInt32(size).AddInt32((int)filter)
            .AddSingle(mean[0]).AddSingle(mean[1]).AddSingle(mean[2]).AddSingle(std[0]).AddSingle(std[1]).AddSingle(std[2]).AddBuffer(pixels, pixelsOffset));
    }

    /// <summary>
    /// torchvision's antialiased bilinear resize of one RGB image (<c>[height, width, 3]</c> bytes, each / 255 first) to
    /// planar <c>[3, outHeight, outWidth]</c>, then <c>(v − mean) / std</c> per channel: SAM2's preprocessing, equal to
    /// the CPU's value for value. <paramref name="middle"/> is scratch of <c>height·outWidth·3</c> floats.
    /// </summary>
    public void ResampleAntialiased(DeviceBuffer<byte> image, ResampleAxes axes, ReadOnlySpan<float> mean, ReadOnlySpan<float> std,
        DeviceBuffer<float> middle, DeviceBuffer<float> planar)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (mean.Length != 3 || std.Length != 3)
        {
            throw new ArgumentException("mean and std need one value per RGB channel");
        }
        RequireLength(image, (long)axes.Height * axes.Width * 3);
        RequireLength(middle, (long)axes.Height * axes.OutWidth * 3);
        RequireLength(planar, 3L * axes.OutHeight * axes.OutWidth);
        Library.Function(KernelSignatures.ResampleRowsUnit).Launch((Blocks((long)axes.Height * axes.OutWidth), 1), BlockSize, 0, Stream, new KernelArguments()
            .AddBuffer(image).AddInt32(axes.Height).AddInt32(axes.Width).AddInt32(axes.OutWidth)
            .AddBuffer(axes.XStart).AddBuffer(axes.XCount).AddBuffer(axes.XWeights).AddInt32(axes.XKernelSize).AddBuffer(middle));
        Library.Function(KernelSignatures.ResampleColumnsNormalize).Launch((Blocks((long)axes.OutHeight * axes.OutWidth), 1), BlockSize, 0, Stream, new KernelArguments()
            .AddBuffer(middle).AddInt32(axes.OutWidth).AddInt32(axes.OutHeight)
            .AddBuffer(axes.YStart).AddBuffer(axes.YCount).AddBuffer(axes.YWeights).AddInt32(axes.YKernelSize)
            .AddSingle(mean[0]).AddSingle(mean[1]).AddSingle(mean[2]).AddSingle(std[0]).AddSingle(std[1]).AddSingle(std[2]).AddBuffer(planar));
    }

    private static int Blocks(long count) => (int)Math.Clamp((count + BlockSize - 1) / BlockSize, 1, MaxGrid);

    private static KernelSignature ByPrecision<T>(KernelSignature single, KernelSignature @double) => typeof(T) == typeof(float) ? single
        : typeof(T) == typeof(double) ? @double
        : throw new NotSupportedException($"{single.Name} exists for float and double, not {typeof(T).Name}");

    private static void RequirePairs(DeviceBuffer<float> removeWeights, DeviceBuffer<float> addWeights, int pairs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 0);
        RequireLength(removeWeights, (long)pairs * Patches);
        RequireLength(addWeights, (long)pairs * Patches);
    }

    private static void RequireLength<T>(DeviceBuffer<T> buffer, long needed, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(buffer))] string name = "")
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer, name);
        if (buffer.Length < needed)
        {
            throw new ArgumentException($"{name} holds {buffer.Length} elements but {needed} are needed", name);
        }
    }
}
