using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EditToAudio.Editing;

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
    public static void AddScaledRows(Span<double> target, ReadOnlySpan<float> values, int dimension, ReadOnlySpan<int> rows, ReadOnlySpan<double> scales)
    {
        if (target.Length != dimension || scales.Length != rows.Length)
        {
            throw new ArgumentException($"Expected a target of {dimension} values and one scale per row, got {target.Length} and {scales.Length} for {rows.Length} rows.", nameof(target));
        }
        float[]? rented = dimension > 1024 ? ArrayPool<float>.Shared.Rent(dimension) : null;
        Span<float> group = rented is null ? stackalloc float[dimension] : rented.AsSpan(0, dimension);
        try
        {
            for (int first = 0; first < rows.Length; first += SingleSumRows)
            {
                group.Clear();
                for (int i = first; i < Math.Min(first + SingleSumRows, rows.Length); i++)
                {
                    TensorPrimitives.MultiplyAdd(values.Slice(rows[i] * dimension, dimension), (float)scales[i], group, group);
                }
                AddScaled(target, group, 1.0);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Σ aᵢbᵢ in float64.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int i = 0;
        double total = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= 2 * Vector<double>.Count)
        {
            // Two accumulators: consecutive additions do not wait for each other.
            var even = Vector<double>.Zero;
            var odd = Vector<double>.Zero;
            int width = Vector<double>.Count;
            for (; i <= a.Length - 2 * width; i += 2 * width)
            {
                even += new Vector<double>(a[i..]) * new Vector<double>(b[i..]);
                odd += new Vector<double>(a[(i + width)..]) * new Vector<double>(b[(i + width)..]);
            }
            total = Vector.Sum(even + odd);
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
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factor = new Vector<double>(scale);
            for (; i <= target.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                Span<double> t = target[i..];
                (new Vector<double>(t) + factor * new Vector<double>(source[i..])).CopyTo(t);
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
