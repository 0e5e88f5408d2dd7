namespace EditToAudio.Editing;

/// <summary>
/// The CLIP tokens of one image: 257 rows (CLS, then the 16×16 patch grid row-major) of
/// <see cref="Dimension"/> values. The engine L2-normalizes every token itself, in float64,
/// so already-normalized input is unchanged up to rounding.
/// </summary>
public sealed class ImageTokens
{
    /// <summary>CLS plus 256 patch tokens.</summary>
    public const int TokenCount = 1 + ClipGeometry.PatchCount;

    private readonly double[] _normalized;

    /// <summary>Checks and normalizes a row-major [257, dimension] token array.</summary>
    /// <exception cref="ArgumentException">The length does not match or a value is NaN or infinite.</exception>
    public ImageTokens(ReadOnlySpan<float> values, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (values.Length != (long)TokenCount * dimension)
        {
            throw new ArgumentException($"Tokens must be [{TokenCount}, {dimension}] ({TokenCount * (long)dimension} values), got {values.Length}.", nameof(values));
        }
        Dimension = dimension;
        _normalized = new double[values.Length];
        for (int token = 0; token < TokenCount; token++)
        {
            ReadOnlySpan<float> row = values.Slice(token * dimension, dimension);
            double squares = 0;
            for (int j = 0; j < dimension; j++)
            {
                double v = row[j];
                if (!double.IsFinite(v))
                {
                    throw new ArgumentException($"Token {token}, component {j} is {row[j]}; tokens must be finite.", nameof(values));
                }
                squares += v * v;
            }
            // A zero token stays zero rather than becoming NaN.
            double scale = squares > 0 ? 1.0 / Math.Sqrt(squares) : 0.0;
            Span<double> target = _normalized.AsSpan(token * dimension, dimension);
            for (int j = 0; j < dimension; j++)
            {
                target[j] = row[j] * scale;
            }
        }
    }

    /// <summary>Length of each token (768 for ViT-L/14 after the projection).</summary>
    public int Dimension { get; }

    /// <summary>Token <paramref name="index"/> (0 = CLS, 1 + p = patch p), L2-normalized.</summary>
    public ReadOnlySpan<double> Normalized(int index) => _normalized.AsSpan(index * Dimension, Dimension);

    /// <summary>Patch token <paramref name="patch"/> (0…255), L2-normalized.</summary>
    public ReadOnlySpan<double> Patch(int patch) => Normalized(1 + patch);
}
