using System.Numerics;

namespace EditToAudio.Editing;

/// <summary>Small dense float64 kernels shared by the edit math.</summary>
internal static class VectorMath
{
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int i = 0;
        var sum = Vector<double>.Zero;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= a.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                sum += new Vector<double>(a[i..]) * new Vector<double>(b[i..]);
            }
        }
        double total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }
        return total;
    }

    /// <summary><paramref name="target"/> += <paramref name="scale"/> · <paramref name="source"/>.</summary>
    public static void AddScaled(Span<double> target, ReadOnlySpan<double> source, double scale)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factor = new Vector<double>(scale);
            for (; i <= target.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                (new Vector<double>(target[i..]) + factor * new Vector<double>(source[i..])).CopyTo(target[i..]);
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
