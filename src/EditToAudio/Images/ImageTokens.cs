using System.Buffers;
using System.Numerics.Tensors;
using EditToAudio.Numerics;

namespace EditToAudio.Images;

/// <summary>
/// The CLIP tokens of one image: 257 rows (CLS, then the 16×16 patch grid row-major) of
/// <see cref="Dimension"/> values. The engine L2-normalizes every token itself, so
/// already-normalized input is unchanged up to rounding. The values are not copied (they may be
/// a memory-mapped file): the caller must not change them while this object is in use.
/// </summary>
public sealed class ImageTokens
{
    /// <summary>CLS plus 256 patch tokens.</summary>
    public const int TokenCount = 1 + ClipGeometry.PatchCount;

    /// <summary>Below this a float32 sum of squares may have lost digits to underflow.</summary>
    private const float SmallestSingleSquares = 1e-30f;

    private readonly ReadOnlyMemory<float> _values;
    private readonly double[] _inverseNorms = new double[TokenCount];

    /// <summary>Checks a row-major [257, dimension] token array and computes its token norms.</summary>
    /// <exception cref="ArgumentException">The length does not match or a value is NaN or infinite.</exception>
    public ImageTokens(ReadOnlyMemory<float> values, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (values.Length != (long)TokenCount * dimension)
        {
            throw new ArgumentException($"Tokens must be [{TokenCount}, {dimension}] ({TokenCount * (long)dimension} values), got {values.Length}.", nameof(values));
        }
        Dimension = dimension;
        _values = values;
        for (int token = 0; token < TokenCount; token++)
        {
            ReadOnlySpan<float> row = Raw(token);
            // float32 lanes (many partial sums, ~1e-7 relative) are plenty for a scale factor;
            // float64 where the float32 squares overflow or underflow, or a value is not finite.
            double squares = TensorPrimitives.SumOfSquares(row);
            if (squares is not (>= SmallestSingleSquares and <= float.MaxValue))
            {
                int bad = row.IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
                if (bad >= 0)
                {
                    throw new ArgumentException($"Token {token}, component {bad} is {row[bad]}; tokens must be finite.", nameof(values));
                }
                squares = VectorMath.Dot(row, row);
            }
            // A zero token stays zero rather than becoming NaN.
            _inverseNorms[token] = squares > 0 ? 1.0 / Math.Sqrt(squares) : 0.0;
        }
    }

    /// <summary>Length of each token (768 for ViT-L/14 after the projection).</summary>
    public int Dimension { get; }

    /// <summary>All 257 tokens, row-major, as given.</summary>
    internal ReadOnlySpan<float> Values => _values.Span;

    /// <summary>Token <paramref name="index"/> (0 = CLS, 1 + p = patch p) as given, not normalized.</summary>
    public ReadOnlySpan<float> Raw(int index) => _values.Span.Slice(index * Dimension, Dimension);

    /// <summary>1/‖token‖, or 0 for a zero token: the factor that normalizes token <paramref name="index"/>.</summary>
    public double InverseNorm(int index) => _inverseNorms[index];

    /// <summary><paramref name="target"/> += <paramref name="scale"/> · (token <paramref name="index"/>, normalized).</summary>
    public void AddNormalized(int index, Span<double> target, double scale) =>
        VectorMath.AddScaled(target, Raw(index), scale * _inverseNorms[index]);

    /// <summary>
    /// <paramref name="target"/> += Σᵢ <paramref name="scales"/>[i] · (token <paramref name="indices"/>[i], normalized),
    /// float32 within small groups of tokens and float64 across them (<see cref="VectorMath.AddScaledRows(Span{double}, ReadOnlySpan{float}, int, ReadOnlySpan{int}, ReadOnlySpan{double})"/>).
    /// </summary>
    public void AddNormalized(ReadOnlySpan<int> indices, ReadOnlySpan<double> scales, Span<double> target) =>
        AddNormalized(indices, scales, target, [], []);

    /// <summary>
    /// <see cref="AddNormalized(ReadOnlySpan{int}, ReadOnlySpan{double}, Span{double})"/> into two targets
    /// with their own scales in one pass over the tokens (<paramref name="secondTarget"/> may be empty);
    /// each target gets the same bits as on its own.
    /// </summary>
    public void AddNormalized(ReadOnlySpan<int> indices, ReadOnlySpan<double> scales, Span<double> target, ReadOnlySpan<double> secondScales, Span<double> secondTarget)
    {
        bool two = !secondTarget.IsEmpty;
        if (scales.Length != indices.Length || (two && secondScales.Length != indices.Length))
        {
            throw new ArgumentException($"Expected one scale per token, got {scales.Length} for {indices.Length}.", nameof(scales));
        }
        double[] normalizing = ArrayPool<double>.Shared.Rent(2 * indices.Length);
        try
        {
            Span<double> first = normalizing.AsSpan(0, indices.Length);
            Span<double> second = two ? normalizing.AsSpan(indices.Length, indices.Length) : [];
            for (int i = 0; i < indices.Length; i++)
            {
                double inverseNorm = _inverseNorms[indices[i]];
                first[i] = scales[i] * inverseNorm;
                if (two)
                {
                    second[i] = secondScales[i] * inverseNorm;
                }
            }
            VectorMath.AddScaledRows(Values, Dimension, indices, target, first, secondTarget, second);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(normalizing);
        }
    }

    /// <summary>The dot product of two normalized tokens, accumulated in float64.</summary>
    public double NormalizedDot(int a, int b) => VectorMath.Dot(Raw(a), Raw(b)) * _inverseNorms[a] * _inverseNorms[b];
}
