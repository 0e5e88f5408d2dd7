namespace EditToAudio.Images;

/// <summary>A binary H×W mask at image resolution, row-major, one byte (0 or 1) per pixel.</summary>
public sealed class BinaryMask
{
    /// <summary>Wraps <paramref name="values"/> (not copied) after checking that every value is 0 or 1.</summary>
    /// <exception cref="ArgumentException">A dimension is not positive, the length does not match or a value is not binary.</exception>
    public BinaryMask(byte[] values, int height, int width)
        : this(values ?? throw new ArgumentNullException(nameof(values)), height, width, valuesChecked: false)
    {
    }

    /// <summary>
    /// Wraps <paramref name="values"/> (not copied: it may be a memory-mapped file, which must not change
    /// while the mask is in use) after checking that every value is 0 or 1.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension is not positive, the length does not match or a value is not binary.</exception>
    public BinaryMask(ReadOnlyMemory<byte> values, int height, int width)
        : this(values, height, width, valuesChecked: false)
    {
    }

    /// <summary>As the public constructors; <paramref name="valuesChecked"/> skips the scan for values other than 0 and 1 (the caller made it).</summary>
    internal BinaryMask(ReadOnlyMemory<byte> values, int height, int width, bool valuesChecked)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (values.Length != (long)height * width)
        {
            throw new ArgumentException($"A {height}×{width} mask needs {(long)height * width} values, got {values.Length}.", nameof(values));
        }
        int bad = valuesChecked ? -1 : values.Span.IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0)
        {
            throw new ArgumentException(
                $"The mask is not binary: value {values.Span[bad]} at row {bad / width}, column {bad % width} (expected 0 or 1).", nameof(values));
        }
        Values = values;
        Height = height;
        Width = width;
    }

    /// <summary>Pixel values, row-major, each 0 or 1.</summary>
    public ReadOnlyMemory<byte> Values { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Number of pixels set to 1.</summary>
    public int CountSet() => Values.Span.Count((byte)1);
}
