namespace EditToAudio.Evaluation;

/// <summary>
/// How two embeddings differ, with the measures the research code's <c>compare_embeddings</c>
/// reports: cosine similarity, L2 and L1 distance, mean and largest absolute difference. Every
/// sum is taken in float64.
/// </summary>
/// <param name="Cosine">a·b / max(‖a‖·‖b‖, 1e-8), as PyTorch's cosine_similarity (0 when either vector is zero).</param>
/// <param name="L2">‖a − b‖₂.</param>
/// <param name="L1">‖a − b‖₁.</param>
/// <param name="MeanAbs">mean |a − b|.</param>
/// <param name="MaxAbs">max |a − b|.</param>
public readonly record struct VectorComparison(double Cosine, double L2, double L1, double MeanAbs, double MaxAbs)
{
    /// <summary>PyTorch's cosine_similarity eps: the product of the norms is clamped to at least this.</summary>
    public const double CosineEpsilon = 1e-8;

    /// <summary>The names of the measures, in the order <see cref="Values"/> lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cosine", "l2", "l1", "mean_abs", "max_abs"];

    /// <summary>The measures, in the order of <see cref="Names"/>.</summary>
    public IReadOnlyList<double> Values => [Cosine, L2, L1, MeanAbs, MaxAbs];

    /// <summary>Compares <paramref name="a"/> with <paramref name="b"/> (same length).</summary>
    public static VectorComparison Of(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        double dot = 0, aa = 0, bb = 0, squares = 0, l1 = 0, max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i], difference = Math.Abs(x - y);
            dot += x * y;
            aa += x * x;
            bb += y * y;
            squares += difference * difference;
            l1 += difference;
            max = Math.Max(max, difference);
        }
        return new VectorComparison(dot / Math.Max(Math.Sqrt(aa) * Math.Sqrt(bb), CosineEpsilon), Math.Sqrt(squares), l1, l1 / a.Length, max);
    }

    /// <summary>The cosine similarity alone (see <see cref="Cosine"/>).</summary>
    public static double CosineOf(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            dot += x * y;
            aa += x * x;
            bb += y * y;
        }
        return dot / Math.Max(Math.Sqrt(aa) * Math.Sqrt(bb), CosineEpsilon);
    }

    private static void CheckLengths(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.IsEmpty)
        {
            throw new ArgumentException($"Embeddings of {a.Length} and {b.Length} values cannot be compared (they need the same, non-zero length).", nameof(b));
        }
    }
}
