using System.Diagnostics.CodeAnalysis;

namespace EditToAudio.IO;

/// <summary>The element types the engine reads from and writes to NumPy <c>.npy</c> files.</summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The members are named after NumPy's dtypes on purpose.")]
public enum NpyDType
{
    /// <summary>NumPy <c>bool</c> (<c>'|b1'</c>): one byte per element, 0 or 1.</summary>
    Bool,

    /// <summary>NumPy <c>uint8</c> (<c>'|u1'</c>).</summary>
    UInt8,

    /// <summary>NumPy <c>float16</c> (<c>'&lt;f2'</c>, or big-endian <c>'&gt;f2'</c> when read).</summary>
    Float16,

    /// <summary>NumPy <c>float32</c> (<c>'&lt;f4'</c>, or big-endian <c>'&gt;f4'</c> when read).</summary>
    Float32,

    /// <summary>NumPy <c>float64</c> (<c>'&lt;f8'</c>, or big-endian <c>'&gt;f8'</c> when read).</summary>
    Float64,

    /// <summary>NumPy <c>int64</c> (<c>'&lt;i8'</c>, or big-endian <c>'&gt;i8'</c> when read): integer network inputs such as timesteps.</summary>
    Int64,
}

/// <summary>Sizes and NumPy spellings of <see cref="NpyDType"/>.</summary>
internal static class NpyDTypeInfo
{
    /// <summary>Bytes per element.</summary>
    public static int ItemSize(this NpyDType dtype) => dtype switch
    {
        NpyDType.Bool or NpyDType.UInt8 => 1,
        NpyDType.Float16 => 2,
        NpyDType.Float32 => 4,
        NpyDType.Float64 or NpyDType.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown NpyDType."),
    };

    /// <summary>The descriptor NumPy itself writes for this type stored little-endian (<c>dtype.str</c>).</summary>
    public static string LittleEndianDescr(this NpyDType dtype) => dtype switch
    {
        NpyDType.Bool => "|b1",
        NpyDType.UInt8 => "|u1",
        NpyDType.Float16 => "<f2",
        NpyDType.Float32 => "<f4",
        NpyDType.Float64 => "<f8",
        NpyDType.Int64 => "<i8",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown NpyDType."),
    };

    /// <summary>The list of accepted descriptors, for error messages.</summary>
    public const string Supported = "'<f2', '<f4', '<f8', '<i8', '|b1', '|u1' (or big-endian '>f2', '>f4', '>f8', '>i8')";
}
