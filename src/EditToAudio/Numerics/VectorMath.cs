using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EditToAudio.Numerics;

/// <summary>Small dense kernels shared by the edit math: float32 data, float64 accumulation.</summary>
internal static class VectorMath
{
    /// <summary>Largest float64 vector a kernel keeps on the stack (8 KB) rather than allocating per call.</summary>
    public const int StackDoubles = 1024;

    /// <summary>Σ aᵢbᵢ with every product and sum in float64.</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        var sum = Vector256<double>.Zero;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= a.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var x = Vector256.Create(a[i..]);
                var y = Vector256.Create(b[i..]);
                sum += Vector256.WidenLower(x) * Vector256.WidenLower(y) + Vector256.WidenUpper(x) * Vector256.WidenUpper(y);
            }
        }
        double total = Vector256.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += (double)a[i] * b[i];
        }
        return total;
    }

    /// <summary><paramref name="target"/> += <paramref name="scale"/> · <paramref name="source"/>, in float64.</summary>
    public static void AddScaled(Span<double> target, ReadOnlySpan<float> source, double scale)
    {
        if (source.Length < target.Length)
        {
            throw new ArgumentException($"The source has {source.Length} values, the target {target.Length}.", nameof(source));
        }
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Unchecked loads and stores: i + 8 ≤ target.Length ≤ source.Length.
            ref double t = ref MemoryMarshal.GetReference(target);
            ref float s = ref MemoryMarshal.GetReference(source);
            var factor = Vector256.Create(scale);
            for (; i <= target.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var x = Vector256.LoadUnsafe(ref s, (nuint)i);
                Vector256.FusedMultiplyAdd(factor, Vector256.WidenLower(x), Vector256.LoadUnsafe(ref t, (nuint)i)).StoreUnsafe(ref t, (nuint)i);
                Vector256.FusedMultiplyAdd(factor, Vector256.WidenUpper(x), Vector256.LoadUnsafe(ref t, (nuint)i + 4)).StoreUnsafe(ref t, (nuint)i + 4);
            }
        }
        for (; i < target.Length; i++)
        {
            target[i] += scale * source[i];
        }
    }

    /// <summary>Rows summed in float32 before their sum joins the float64 total.</summary>
    private const int SingleSumRows = 8;

    /// <summary>
    /// <paramref name="target"/> += Σᵢ <paramref name="scales"/>[i] · row <paramref name="rows"/>[i] of
    /// <paramref name="values"/> (row-major, <paramref name="dimension"/> wide). Rows are added in float32
    /// in groups of <see cref="SingleSumRows"/> (each group's sum off by a few float32 ulps), and the groups
    /// in float64, so the error does not grow with the number of rows and few values are widened.
    /// </summary>
    public static void AddScaledRows(Span<double> target, ReadOnlySpan<float> values, int dimension, ReadOnlySpan<int> rows, ReadOnlySpan<double> scales) =>
        AddScaledRows(values, dimension, rows, target, scales, [], []);

    /// <summary>
    /// <see cref="AddScaledRows(Span{double}, ReadOnlySpan{float}, int, ReadOnlySpan{int}, ReadOnlySpan{double})"/>
    /// for two sums of the same rows at once (<paramref name="second"/> may be empty): each row is read once,
    /// and each sum gets the same bits as on its own.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaledRows(
        ReadOnlySpan<float> values, int dimension, ReadOnlySpan<int> rows,
        Span<double> first, ReadOnlySpan<double> firstScales, Span<double> second, ReadOnlySpan<double> secondScales)
    {
        bool two = !second.IsEmpty;
        if (first.Length != dimension || firstScales.Length != rows.Length
            || (two && (second.Length != dimension || secondScales.Length != rows.Length)))
        {
            throw new ArgumentException($"Expected targets of {dimension} values and one scale per row, got {first.Length} and {firstScales.Length} for {rows.Length} rows.", nameof(first));
        }
        foreach (int row in rows)
        {
            if ((uint)row >= (uint)(values.Length / dimension))
            {
                throw new ArgumentOutOfRangeException(nameof(rows), row, $"Row {row} is outside the {values.Length / dimension} rows.");
            }
        }
        int width = Vector256<float>.Count;
        int vectorEnd = Vector256.IsHardwareAccelerated ? dimension - dimension % width : 0;
        Span<float> scalesA = stackalloc float[SingleSumRows];
        Span<float> scalesB = stackalloc float[SingleSumRows];
        Span<int> offsets = stackalloc int[SingleSumRows];
        for (int group = 0; group < rows.Length; group += SingleSumRows)
        {
            int count = Math.Min(SingleSumRows, rows.Length - group);
            // A short last group repeats its first row with scale 0: x·0 + s = s exactly, so every
            // group runs the same unrolled loop and the sums keep their bits.
            for (int r = 0; r < SingleSumRows; r++)
            {
                bool real = r < count;
                offsets[r] = rows[group + (real ? r : 0)] * dimension;
                scalesA[r] = real ? (float)firstScales[group + r] : 0f;
                scalesB[r] = real && two ? (float)secondScales[group + r] : 0f;
            }
            if (vectorEnd > 0)
            {
                AddGroup(values, offsets, scalesA, scalesB, vectorEnd, first, two ? second : default);
            }
            for (int c = vectorEnd; c < dimension; c++)
            {
                float sumA = 0, sumB = 0;
                for (int r = 0; r < count; r++)
                {
                    sumA += values[offsets[r] + c] * scalesA[r];
                    sumB += values[offsets[r] + c] * scalesB[r];
                }
                first[c] += sumA;
                if (two)
                {
                    second[c] += sumB;
                }
            }
        }
    }

    /// <summary>
    /// One group of <see cref="SingleSumRows"/> rows over the columns [0, <paramref name="columns"/>): the
    /// rows and scales stay in registers, each column block is summed in float32 in row order and widened
    /// once into each target (the second only when not empty).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddGroup(ReadOnlySpan<float> values, ReadOnlySpan<int> offsets, ReadOnlySpan<float> scalesA, ReadOnlySpan<float> scalesB, int columns, Span<double> first, Span<double> second)
    {
        // Unchecked loads: the caller checked every row, and c + 8 ≤ columns ≤ the dimension.
        ref float start = ref MemoryMarshal.GetReference(values);
        ref float r0 = ref Unsafe.Add(ref start, offsets[0]);
        ref float r1 = ref Unsafe.Add(ref start, offsets[1]);
        ref float r2 = ref Unsafe.Add(ref start, offsets[2]);
        ref float r3 = ref Unsafe.Add(ref start, offsets[3]);
        ref float r4 = ref Unsafe.Add(ref start, offsets[4]);
        ref float r5 = ref Unsafe.Add(ref start, offsets[5]);
        ref float r6 = ref Unsafe.Add(ref start, offsets[6]);
        ref float r7 = ref Unsafe.Add(ref start, offsets[7]);
        Vector256<float> a0 = Vector256.Create(scalesA[0]), a1 = Vector256.Create(scalesA[1]), a2 = Vector256.Create(scalesA[2]), a3 = Vector256.Create(scalesA[3]);
        Vector256<float> a4 = Vector256.Create(scalesA[4]), a5 = Vector256.Create(scalesA[5]), a6 = Vector256.Create(scalesA[6]), a7 = Vector256.Create(scalesA[7]);
        ref double totalA = ref MemoryMarshal.GetReference(first);
        if (second.IsEmpty)
        {
            for (nuint c = 0; c < (nuint)columns; c += (nuint)Vector256<float>.Count)
            {
                var sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, c), a0, Vector256<float>.Zero);
                sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r1, c), a1, sum);
                sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r2, c), a2, sum);
                sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r3, c), a3, sum);
                sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r4, c), a4, sum);
                sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r5, c), a5, sum);
                sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r6, c), a6, sum);
                sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r7, c), a7, sum);
                AddWidened(ref totalA, c, sum);
            }
            return;
        }
        Vector256<float> b0 = Vector256.Create(scalesB[0]), b1 = Vector256.Create(scalesB[1]), b2 = Vector256.Create(scalesB[2]), b3 = Vector256.Create(scalesB[3]);
        Vector256<float> b4 = Vector256.Create(scalesB[4]), b5 = Vector256.Create(scalesB[5]), b6 = Vector256.Create(scalesB[6]), b7 = Vector256.Create(scalesB[7]);
        ref double totalB = ref MemoryMarshal.GetReference(second);
        for (nuint c = 0; c < (nuint)columns; c += (nuint)Vector256<float>.Count)
        {
            var x = Vector256.LoadUnsafe(ref r0, c);
            var sumA = Vector256.FusedMultiplyAdd(x, a0, Vector256<float>.Zero);
            var sumB = Vector256.FusedMultiplyAdd(x, b0, Vector256<float>.Zero);
            x = Vector256.LoadUnsafe(ref r1, c);
            sumA = Vector256.FusedMultiplyAdd(x, a1, sumA);
            sumB = Vector256.FusedMultiplyAdd(x, b1, sumB);
            x = Vector256.LoadUnsafe(ref r2, c);
            sumA = Vector256.FusedMultiplyAdd(x, a2, sumA);
            sumB = Vector256.FusedMultiplyAdd(x, b2, sumB);
            x = Vector256.LoadUnsafe(ref r3, c);
            sumA = Vector256.FusedMultiplyAdd(x, a3, sumA);
            sumB = Vector256.FusedMultiplyAdd(x, b3, sumB);
            x = Vector256.LoadUnsafe(ref r4, c);
            sumA = Vector256.FusedMultiplyAdd(x, a4, sumA);
            sumB = Vector256.FusedMultiplyAdd(x, b4, sumB);
            x = Vector256.LoadUnsafe(ref r5, c);
            sumA = Vector256.FusedMultiplyAdd(x, a5, sumA);
            sumB = Vector256.FusedMultiplyAdd(x, b5, sumB);
            x = Vector256.LoadUnsafe(ref r6, c);
            sumA = Vector256.FusedMultiplyAdd(x, a6, sumA);
            sumB = Vector256.FusedMultiplyAdd(x, b6, sumB);
            x = Vector256.LoadUnsafe(ref r7, c);
            sumA = Vector256.FusedMultiplyAdd(x, a7, sumA);
            sumB = Vector256.FusedMultiplyAdd(x, b7, sumB);
            AddWidened(ref totalA, c, sumA);
            AddWidened(ref totalB, c, sumB);
        }
    }

    /// <summary>total[c..c+8) += the float32 sum, widened.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddWidened(ref double total, nuint c, Vector256<float> sum)
    {
        (Vector256.LoadUnsafe(ref total, c) + Vector256.WidenLower(sum)).StoreUnsafe(ref total, c);
        (Vector256.LoadUnsafe(ref total, c + 4) + Vector256.WidenUpper(sum)).StoreUnsafe(ref total, c + 4);
    }

    /// <summary>Σ aᵢbᵢ in float64.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (b.Length < a.Length)
        {
            throw new ArgumentException($"The second vector has {b.Length} values, the first {a.Length}.", nameof(b));
        }
        int i = 0;
        double total = 0;
        if (Vector256.IsHardwareAccelerated && a.Length >= 2 * Vector256<double>.Count)
        {
            // Unchecked loads (i + 8 ≤ a.Length ≤ b.Length); two accumulators, so consecutive additions do not wait for each other.
            ref double x = ref MemoryMarshal.GetReference(a);
            ref double y = ref MemoryMarshal.GetReference(b);
            var even = Vector256<double>.Zero;
            var odd = Vector256<double>.Zero;
            for (; i <= a.Length - 2 * Vector256<double>.Count; i += 2 * Vector256<double>.Count)
            {
                even = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i), even);
                odd = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i + 4), Vector256.LoadUnsafe(ref y, (nuint)i + 4), odd);
            }
            total = Vector256.Sum(even + odd);
        }
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }
        return total;
    }

    /// <summary>target += scale · source, in float64.</summary>
    public static void AddScaled(Span<double> target, ReadOnlySpan<double> source, double scale)
    {
        if (source.Length < target.Length)
        {
            throw new ArgumentException($"The source has {source.Length} values, the target {target.Length}.", nameof(source));
        }
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Unchecked loads and stores: i + 4 ≤ target.Length ≤ source.Length.
            ref double t = ref MemoryMarshal.GetReference(target);
            ref double s = ref MemoryMarshal.GetReference(source);
            var factor = Vector256.Create(scale);
            for (; i <= target.Length - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                Vector256.FusedMultiplyAdd(factor, Vector256.LoadUnsafe(ref s, (nuint)i), Vector256.LoadUnsafe(ref t, (nuint)i)).StoreUnsafe(ref t, (nuint)i);
            }
        }
        for (; i < target.Length; i++)
        {
            target[i] += scale * source[i];
        }
    }

    /// <summary>Returns <paramref name="vector"/> / ‖<paramref name="vector"/>‖ as float32; a zero vector stays zero.</summary>
    public static float[] NormalizedToSingle(ReadOnlySpan<double> vector)
    {
        double norm = Math.Sqrt(Dot(vector, vector));
        var result = new float[vector.Length];
        if (norm > 0)
        {
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = (float)(vector[i] / norm);
            }
        }
        return result;
    }
}
