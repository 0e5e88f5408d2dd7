using System.Numerics;

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
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factor = new Vector<double>(scale);
            for (; i <= target.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(source[i..]), out Vector<double> low, out Vector<double> high);
                Span<double> t = target[i..];
                (new Vector<double>(t) + factor * low).CopyTo(t);
                Span<double> u = t[Vector<double>.Count..];
                (new Vector<double>(u) + factor * high).CopyTo(u);
            }
        }
        for (; i < target.Length; i++)
        {
            target[i] += scale * source[i];
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
