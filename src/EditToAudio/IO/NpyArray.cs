using System.Collections.ObjectModel;

namespace EditToAudio.IO;

/// <summary>
/// An n-dimensional array read from or to be written to a NumPy <c>.npy</c> file: element type,
/// shape and the elements in C (row-major) order. Immutable: conversions return new arrays.
/// </summary>
public sealed class NpyArray
{
    /// <summary>The <see cref="Source"/> of arrays built in memory.</summary>
    public const string InMemorySource = "(in memory)";

    // float[], double[], Half[], long[] or byte[] (Bool: only 0 and 1), in C order.
    private readonly Array _data;
    private readonly int[] _shape;

    internal NpyArray(NpyDType dtype, int[] shape, Array data, string source)
    {
        DType = dtype;
        _shape = shape;
        Shape = new ReadOnlyCollection<int>(shape);
        _data = data;
        Length = data.LongLength;
        Source = source;
    }

    /// <summary>The element type.</summary>
    public NpyDType DType { get; }

    /// <summary>The dimensions; empty for a 0-d (scalar) array.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for a 0-d array).</summary>
    public long Length { get; }

    /// <summary>The file (or stream) the array was read from, or <see cref="InMemorySource"/>; used in messages.</summary>
    public string Source { get; }

    /// <summary>The shape as NumPy prints it, e.g. <c>(2, 3)</c>, <c>(3,)</c> or <c>()</c>; for messages.</summary>
    public string ShapeText => NpyHeader.FormatShape(_shape);

    internal ReadOnlySpan<int> ShapeSpan => _shape;

    internal Array Data => _data;

    /// <summary>
    /// The elements as a new <see cref="float"/> array in C order. Float16 and Float32 convert exactly,
    /// Float64 rounds to nearest, Bool gives 0 or 1 and UInt8 its value.
    /// </summary>
    public float[] ToSingle()
    {
        switch (_data)
        {
            case float[] single:
                return (float[])single.Clone();
            case double[] wide:
                {
                    var result = new float[wide.Length];
                    for (int i = 0; i < wide.Length; i++)
                    {
                        result[i] = (float)wide[i];
                    }
                    return result;
                }
            case Half[] half:
                {
                    var result = new float[half.Length];
                    for (int i = 0; i < half.Length; i++)
                    {
                        result[i] = (float)half[i];
                    }
                    return result;
                }
            case long[] integers:
                {
                    var result = new float[integers.Length];
                    for (int i = 0; i < integers.Length; i++)
                    {
                        result[i] = integers[i];
                    }
                    return result;
                }
            default:
                {
                    byte[] bytes = (byte[])_data;
                    var result = new float[bytes.Length];
                    for (int i = 0; i < bytes.Length; i++)
                    {
                        result[i] = bytes[i];
                    }
                    return result;
                }
        }
    }

    /// <summary>The elements as a new <see cref="double"/> array in C order; every dtype converts exactly.</summary>
    public double[] ToDouble()
    {
        switch (_data)
        {
            case double[] wide:
                return (double[])wide.Clone();
            case float[] single:
                {
                    var result = new double[single.Length];
                    for (int i = 0; i < single.Length; i++)
                    {
                        result[i] = single[i];
                    }
                    return result;
                }
            case Half[] half:
                {
                    var result = new double[half.Length];
                    for (int i = 0; i < half.Length; i++)
                    {
                        result[i] = (double)half[i];
                    }
                    return result;
                }
            case long[] integers:
                {
                    var result = new double[integers.Length];
                    for (int i = 0; i < integers.Length; i++)
                    {
                        result[i] = integers[i];
                    }
                    return result;
                }
            default:
                {
                    byte[] bytes = (byte[])_data;
                    var result = new double[bytes.Length];
                    for (int i = 0; i < bytes.Length; i++)
                    {
                        result[i] = bytes[i];
                    }
                    return result;
                }
        }
    }

    /// <summary>The elements of an Int64 array as a new array in C order.</summary>
    /// <exception cref="NpyFormatException">The array is not Int64.</exception>
    public long[] ToInt64()
    {
        if (_data is not long[] integers)
        {
            throw new NpyFormatException(Source,
                $"expected an int64 array ('<i8'), found dtype {DType} ({DType.LittleEndianDescr()}) with shape {ShapeText}");
        }
        return (long[])integers.Clone();
    }

    /// <summary>
    /// The elements of a Bool (0 or 1) or UInt8 array as a new byte array in C order.
    /// </summary>
    /// <exception cref="NpyFormatException">The array holds floating-point numbers.</exception>
    public byte[] ToBytes()
    {
        if (_data is not byte[] bytes)
        {
            throw new NpyFormatException(Source,
                $"expected a bool or uint8 array ('|b1' or '|u1'), found dtype {DType} ({DType.LittleEndianDescr()}) with shape {ShapeText}");
        }
        return (byte[])bytes.Clone();
    }

    /// <summary>A Float32 array holding a copy of <paramref name="data"/> with the given shape (C order).</summary>
    /// <exception cref="ArgumentException">The shape has a negative dimension or does not match the data length.</exception>
    public static NpyArray FromSingle(float[] data, params int[] shape) =>
        Create(NpyDType.Float32, (float[])CheckedData(data, shape).Clone(), shape);

    /// <summary>A Float64 array holding a copy of <paramref name="data"/> with the given shape (C order).</summary>
    /// <exception cref="ArgumentException">The shape has a negative dimension or does not match the data length.</exception>
    public static NpyArray FromDouble(double[] data, params int[] shape) =>
        Create(NpyDType.Float64, (double[])CheckedData(data, shape).Clone(), shape);

    /// <summary>A Float16 array holding a copy of <paramref name="data"/> with the given shape (C order).</summary>
    /// <exception cref="ArgumentException">The shape has a negative dimension or does not match the data length.</exception>
    public static NpyArray FromHalf(Half[] data, params int[] shape) =>
        Create(NpyDType.Float16, (Half[])CheckedData(data, shape).Clone(), shape);

    /// <summary>An Int64 array holding a copy of <paramref name="data"/> with the given shape (C order).</summary>
    /// <exception cref="ArgumentException">The shape has a negative dimension or does not match the data length.</exception>
    public static NpyArray FromInt64(long[] data, params int[] shape) =>
        Create(NpyDType.Int64, (long[])CheckedData(data, shape).Clone(), shape);

    /// <summary>A Bool or UInt8 array holding a copy of <paramref name="data"/> with the given shape (C order).</summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="dtype"/> is not Bool or UInt8, a Bool value is not 0 or 1, or the shape does not match the data.
    /// </exception>
    public static NpyArray FromBytes(byte[] data, NpyDType dtype, params int[] shape)
    {
        if (dtype is not (NpyDType.Bool or NpyDType.UInt8))
        {
            throw new ArgumentException($"FromBytes makes Bool or UInt8 arrays, not {dtype}.", nameof(dtype));
        }
        CheckedData(data, shape);
        if (dtype == NpyDType.Bool)
        {
            int bad = Array.FindIndex(data, b => b > 1);
            if (bad >= 0)
            {
                throw new ArgumentException($"A Bool array holds only 0 and 1; element {bad} is {data[bad]}.", nameof(data));
            }
        }
        return Create(dtype, (byte[])data.Clone(), shape);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{DType.LittleEndianDescr()} {ShapeText} from {Source}";

    private static T[] CheckedData<T>(T[] data, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        Npy.CheckShape(shape, data.LongLength, nameof(shape));
        return data;
    }

    private static NpyArray Create(NpyDType dtype, Array data, int[] shape) =>
        new(dtype, (int[])shape.Clone(), data, InMemorySource);
}
