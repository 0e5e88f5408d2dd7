namespace EditToAudio.Images;

/// <summary>A binary H×W mask at image resolution, row-major, one byte (0 or 1) per pixel.</summary>
public sealed class BinaryMask
{
    /// <summary>Wraps <paramref name="values"/> (not copied) after checking that every value is 0 or 1.</summary>
    /// <exception cref="ArgumentException">A dimension is not positive, the length does not match or a value is not binary.</exception>
    public BinaryMask(byte[] values, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (values.LongLength != (long)height * width)
        {
            throw new ArgumentException($"A {height}×{width} mask needs {(long)height * width} values, got {values.LongLength}.", nameof(values));
        }
        int bad = values.AsSpan().IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0)
        {
            throw new ArgumentException(
                $"The mask is not binary: value {values[bad]} at row {bad / width}, column {bad % width} (expected 0 or 1).", nameof(values));
        }
        Values = values;
        Height = height;
        Width = width;
    }

    /// <summary>Pixel values, row-major, each 0 or 1.</summary>
    public byte[] Values { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Number of pixels set to 1.</summary>
    public int CountSet() => Values.AsSpan().Count((byte)1);
}
