namespace EditToAudio.Models;

/// <summary>One named input or output of a network: element type and shape.</summary>
/// <param name="Name">The ONNX input or output name.</param>
/// <param name="DataType">The element type.</param>
/// <param name="Shape">The dimensions, fixed or symbolic.</param>
public sealed record TensorContract(string Name, TensorDataType DataType, IReadOnlyList<Dimension> Shape)
{
    /// <summary>A float32 tensor with a shape written like <c>"B,3,224,224"</c>.</summary>
    public static TensorContract OfFloat(string name, string shape) => new(name, TensorDataType.Float32, ParseShape(shape));

    /// <summary>A tensor of <paramref name="dataType"/> with a shape written like <c>"N"</c>.</summary>
    public static TensorContract Of(string name, TensorDataType dataType, string shape) => new(name, dataType, ParseShape(shape));

    /// <summary>Parses a comma-separated shape.</summary>
    public static IReadOnlyList<Dimension> ParseShape(string shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return [.. shape.Split(',').Select(Dimension.Parse)];
    }

    /// <summary>The shape written as <c>[B,3,224,224]</c>.</summary>
    public string ShapeText => "[" + string.Join(",", Shape) + "]";

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {DataType.OnnxName()} {ShapeText}";
}
