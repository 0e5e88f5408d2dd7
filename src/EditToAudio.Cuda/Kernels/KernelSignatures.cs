namespace EditToAudio.Cuda.Kernels;

#pragma warning disable CA1720 // The members name the C types of kernel parameters on purpose.

/// <summary>The C type of one kernel parameter, which decides its size and alignment in the packed argument block.</summary>
public enum KernelParameter
{
    /// <summary>Any pointer (<c>T*</c>): a device address.</summary>
    Pointer,

    /// <summary><c>int</c>.</summary>
    Int32,

    /// <summary><c>long long</c>.</summary>
    Int64,

    /// <summary><c>unsigned long long</c>.</summary>
    UInt64,

    /// <summary><c>float</c>.</summary>
    Single,

    /// <summary><c>double</c>.</summary>
    Double,
}

#pragma warning restore CA1720

/// <summary>One kernel: the file that defines it, its <c>extern "C"</c> name and its parameter types in order.</summary>
/// <param name="File">The kernel file, e.g. <c>edit.cu</c>.</param>
/// <param name="Name">The function's name.</param>
/// <param name="Parameters">Its parameters' types.</param>
public sealed record KernelSignature(string File, string Name, IReadOnlyList<KernelParameter> Parameters)
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the kernel unless <paramref name="arguments"/> match its parameters one for one.</summary>
    public void Check(KernelArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!arguments.Kinds.SequenceEqual(Parameters))
        {
            throw new ArgumentException($"{this} was launched with ({string.Join(", ", arguments.Kinds)})", nameof(arguments));
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{File}: {Name}({string.Join(", ", Parameters)})";
}

/// <summary>
/// Every kernel the engine launches, declared once. A launch whose arguments differ from its
/// signature is refused before it reaches the driver, and the compile tests check each signature
/// against the <c>.cu</c> file's declaration, so the C# and CUDA sides cannot drift apart.
/// </summary>
public static class KernelSignatures
{
    private const KernelParameter P = KernelParameter.Pointer;
    private const KernelParameter I = KernelParameter.Int32;
    private const KernelParameter L = KernelParameter.Int64;
    private const KernelParameter U = KernelParameter.UInt64;
    private const KernelParameter F = KernelParameter.Single;
    private const KernelParameter D = KernelParameter.Double;

    /// <summary><c>ddim_step_rows</c>.</summary>
    public static KernelSignature DdimStepRows { get; } = new("diffusion.cu", "ddim_step_rows", [P, P, I, L, I, D, D, D, D, D, D, P, P, U]);

    /// <summary><c>flag_jobs_over</c>.</summary>
    public static KernelSignature FlagJobsOver { get; } = new("diffusion.cu", "flag_jobs_over", [P, L, I, F, P]);

    /// <summary><c>clip_flagged_jobs</c>.</summary>
    public static KernelSignature ClipFlaggedJobs { get; } = new("diffusion.cu", "clip_flagged_jobs", [P, L, I, P, F]);

    /// <summary><c>divide_values</c>.</summary>
    public static KernelSignature DivideValues { get; } = new("diffusion.cu", "divide_values", [P, P, L, D]);

    /// <summary><c>transpose_last_two</c>.</summary>
    public static KernelSignature TransposeLastTwo { get; } = new("diffusion.cu", "transpose_last_two", [P, P, I, I, I]);

    /// <summary><c>l2_normalize_rows</c>.</summary>
    public static KernelSignature L2NormalizeRows { get; } = new("edit.cu", "l2_normalize_rows", [P, L, I]);

    /// <summary><c>count_selected</c>.</summary>
    public static KernelSignature CountSelected { get; } = new("edit.cu", "count_selected", [P, P, I, P]);

    /// <summary><c>gather_rows_f32</c>.</summary>
    public static KernelSignature GatherRowsF32 { get; } = new("edit.cu", "gather_rows_f32", [P, P, P, P, I, I, P]);

    /// <summary><c>gather_rows_f64</c>.</summary>
    public static KernelSignature GatherRowsF64 { get; } = new("edit.cu", "gather_rows_f64", [P, P, P, P, I, I, P]);

    /// <summary><c>reweight_rows_f32</c>.</summary>
    public static KernelSignature ReweightRowsF32 { get; } = new("edit.cu", "reweight_rows_f32", [P, P, P, I, I, I, D, D, P]);

    /// <summary><c>reweight_rows_f64</c>.</summary>
    public static KernelSignature ReweightRowsF64 { get; } = new("edit.cu", "reweight_rows_f64", [P, P, P, I, I, I, D, D, P]);

    /// <summary><c>background_mean</c>.</summary>
    public static KernelSignature BackgroundMean { get; } = new("edit.cu", "background_mean", [P, P, P, I, P]);

    /// <summary><c>combine_edit</c>.</summary>
    public static KernelSignature CombineEdit { get; } = new("edit.cu", "combine_edit", [P, P, I, D, D, D, P]);

    /// <summary><c>resize_horizontal</c>.</summary>
    public static KernelSignature ResizeHorizontal { get; } = new("image.cu", "resize_horizontal", [P, I, I, I, I, I, I, P]);

    /// <summary><c>resize_vertical_normalize</c>.</summary>
    public static KernelSignature ResizeVerticalNormalize { get; } = new("image.cu", "resize_vertical_normalize", [P, I, I, I, I, I, I, F, F, F, F, F, F, P]);

    /// <summary><c>resample_rows_unit</c>.</summary>
    public static KernelSignature ResampleRowsUnit { get; } = new("image.cu", "resample_rows_unit", [P, I, I, I, P, P, P, I, P]);

    /// <summary><c>resample_columns_normalize</c>.</summary>
    public static KernelSignature ResampleColumnsNormalize { get; } = new("image.cu", "resample_columns_normalize", [P, I, I, P, P, P, I, F, F, F, F, F, F, P]);

    /// <summary><c>philox_blocks</c>.</summary>
    public static KernelSignature PhiloxBlocks { get; } = new("random.cu", "philox_blocks", [P, P, I]);

    /// <summary><c>philox_normal_fill</c>.</summary>
    public static KernelSignature PhiloxNormalFill { get; } = new("random.cu", "philox_normal_fill", [P, L, U, U, U]);

    /// <summary><c>philox_normal_rows</c>.</summary>
    public static KernelSignature PhiloxNormalRows { get; } = new("random.cu", "philox_normal_rows", [P, I, L, I, P, P, U]);

    /// <summary><c>variational_mean_rows</c>.</summary>
    public static KernelSignature VariationalMeanRows { get; } = new("random.cu", "variational_mean_rows", [P, P, P, I, I, I, P, P]);

    /// <summary>Every signature, by file then declaration order.</summary>
    public static IReadOnlyList<KernelSignature> All { get; } =
    [
        DdimStepRows, FlagJobsOver, ClipFlaggedJobs, DivideValues, TransposeLastTwo,
        L2NormalizeRows, CountSelected, GatherRowsF32, GatherRowsF64, ReweightRowsF32, ReweightRowsF64, BackgroundMean, CombineEdit,
        ResizeHorizontal, ResizeVerticalNormalize, ResampleRowsUnit, ResampleColumnsNormalize,
        PhiloxBlocks, PhiloxNormalFill, PhiloxNormalRows, VariationalMeanRows,
    ];
}
