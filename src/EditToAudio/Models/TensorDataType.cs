namespace EditToAudio.Models;

/// <summary>Element types that appear in the engine's network contracts.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The names are the ONNX element types they stand for.")]
public enum TensorDataType
{
    /// <summary>32-bit IEEE float.</summary>
    Float32,

    /// <summary>16-bit IEEE float.</summary>
    Float16,

    /// <summary>32-bit signed integer.</summary>
    Int32,

    /// <summary>64-bit signed integer.</summary>
    Int64,

    /// <summary>Boolean.</summary>
    Bool,

    /// <summary>Any other ONNX element type (never expected by a contract).</summary>
    Other,
}

/// <summary>Names of <see cref="TensorDataType"/> as ONNX writes them.</summary>
public static class TensorDataTypeNames
{
    /// <summary>The ONNX name: float, float16, int32, int64, bool.</summary>
    public static string OnnxName(this TensorDataType type) => type switch
    {
        TensorDataType.Float32 => "float",
        TensorDataType.Float16 => "float16",
        TensorDataType.Int32 => "int32",
        TensorDataType.Int64 => "int64",
        TensorDataType.Bool => "bool",
        _ => "other",
    };
}
