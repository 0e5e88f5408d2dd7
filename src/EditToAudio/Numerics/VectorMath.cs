using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EditToAudio.Numerics;

/// <summary>Small dense kernels shared by the edit math: float32 data, float64 accumulation.</summary>
internal static class VectorMath
{
    /// <summary>Σ aᵢbᵢ with every product and sum in float64.</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        var sum = Vector<double>.Zero;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(a[i..]), out Vector<double> a0, out Vector<double> a1);
                Vector.Widen(new Vector<float>(b[i..]), out Vector<double> b0, out Vector<double> b1);
                sum += a0 * b0 + a1 * b1;
            }
        }
        double total = Vector.Sum(sum);
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
                (Vector256<double> low, Vector256<double> high) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                Vector256.FusedMultiplyAdd(factor, low, Vector256.LoadUnsafe(ref t, (nuint)i)).StoreUnsafe(ref t, (nuint)i);
                Vector256.FusedMultiplyAdd(factor, high, Vector256.LoadUnsafe(ref t, (nuint)i + 4)).StoreUnsafe(ref t, (nuint)i + 4);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaledRows(Span<double> target, ReadOnlySpan<float> values, int dimension, ReadOnlySpan<int> rows, ReadOnlySpan<double> scales)
    {
        if (target.Length != dimension || scales.Length != rows.Length)
        {
            throw new ArgumentException($"Expected a target of {dimension} values and one scale per row, got {target.Length} and {scales.Length} for {rows.Length} rows.", nameof(target));
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
        ref float start = ref MemoryMarshal.GetReference(values);
        ref double total = ref MemoryMarshal.GetReference(target);
        Span<float> groupScales = stackalloc float[SingleSumRows];
        Span<int> groupRows = stackalloc int[SingleSumRows];
        for (int first = 0; first < rows.Length; first += SingleSumRows)
        {
            int count = Math.Min(SingleSumRows, rows.Length - first);
            for (int r = 0; r < count; r++)
            {
                groupScales[r] = (float)scales[first + r];
                groupRows[r] = rows[first + r] * dimension;
            }
            // Column blocks in registers: each row is read once, the group's sum widened once per block.
            // Unchecked loads: every row was checked above, and c + 8 ≤ dimension.
            for (int c = 0; c < vectorEnd; c += width)
            {
                var sum = Vector256<float>.Zero;
                for (int r = 0; r < count; r++)
                {
                    sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref start, (nuint)(groupRows[r] + c)), Vector256.Create(groupScales[r]), sum);
                }
                (Vector256<double> low, Vector256<double> high) = Vector256.Widen(sum);
                (Vector256.LoadUnsafe(ref total, (nuint)c) + low).StoreUnsafe(ref total, (nuint)c);
                (Vector256.LoadUnsafe(ref total, (nuint)c + 4) + high).StoreUnsafe(ref total, (nuint)c + 4);
            }
            for (int c = vectorEnd; c < dimension; c++)
            {
                float sum = 0;
                for (int r = 0; r < count; r++)
                {
                    sum += values[groupRows[r] + c] * groupScales[r];
                }
                target[c] += sum;
            }
        }
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
