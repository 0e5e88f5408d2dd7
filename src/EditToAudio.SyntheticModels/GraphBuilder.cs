using System.Buffers.Binary;
using System.Globalization;
using EditToAudio.Models;
using Google.Protobuf;
using Onnx;

namespace EditToAudio.SyntheticModels;

/// <summary>
/// A small helper over the ONNX protobuf: typed graph inputs and outputs taken from a contract,
/// float and int64 initializers (raw little-endian bytes, so files are reproducible byte for
/// byte) and nodes with automatically numbered intermediate names.
/// </summary>
internal sealed class GraphBuilder
{
    /// <summary>The operator set every synthetic model uses (supported by ONNX Runtime's CPU provider).</summary>
    public const long Opset = 17;

    private readonly GraphProto _graph;
    private int _counter;

    /// <summary>Starts the graph <paramref name="name"/> with every input and output of <paramref name="contract"/> declared; the graph must produce the outputs under these names.</summary>
    public GraphBuilder(string name, NetworkContract contract)
    {
        _graph = new GraphProto { Name = name };
        foreach (var input in contract.Inputs)
        {
            _graph.Input.Add(ValueInfo(input));
        }
        foreach (var output in contract.Outputs)
        {
            _graph.Output.Add(ValueInfo(output));
        }
    }

    /// <summary>Declares axis <paramref name="axis"/> of graph input <paramref name="input"/> as the fixed size <paramref name="size"/> (an export for one fixed length).</summary>
    public void FixInputSize(string input, int axis, long size)
    {
        ValueInfoProto declared = _graph.Input.Single(i => i.Name == input);
        declared.Type.TensorType.Shape.Dim[axis] = new TensorShapeProto.Types.Dimension { DimValue = size };
    }

    /// <summary>A float32 initializer.</summary>
    public string Floats(string name, float[] values, params long[] dims)
    {
        if (values.Length != dims.Aggregate(1L, (a, b) => a * b))
        {
            throw new ArgumentException($"Initializer {name}: {values.Length} values do not fill shape [{string.Join(",", dims)}].", nameof(values));
        }
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A float32 scalar (rank 0) initializer.</summary>
    public string Scalar(float value) => Floats(Fresh("const"), [value]);

    /// <summary>An int64 initializer (shapes, axes, indices).</summary>
    public string Int64s(params long[] values)
    {
        string name = Fresh("ints");
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.Add(values.Length);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>An int64 scalar initializer.</summary>
    public string Int64Scalar(long value)
    {
        string name = Fresh("int");
        var bytes = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        _graph.Initializer.Add(new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(bytes) });
        return name;
    }

    /// <summary>Adds a node with one output; returns the output's name (<paramref name="output"/> or a fresh one).</summary>
    public string Node(string opType, string[] inputs, string? output = null, params (string Name, object Value)[] attributes)
    {
        output ??= Fresh(opType.ToLowerInvariant());
        var node = new NodeProto { OpType = opType, Name = Fresh("node_" + opType) };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes)
        {
            node.Attribute.Add(Attribute(name, value));
        }
        _graph.Node.Add(node);
        return output;
    }

    public string Add(string a, string b, string? output = null) => Node("Add", [a, b], output);

    public string Sub(string a, string b, string? output = null) => Node("Sub", [a, b], output);

    public string Mul(string a, string b, string? output = null) => Node("Mul", [a, b], output);

    public string Div(string a, string b, string? output = null) => Node("Div", [a, b], output);

    public string MatMul(string a, string b, string? output = null) => Node("MatMul", [a, b], output);

    public string Reshape(string x, params long[] shape) => Node("Reshape", [x, Int64s(shape)]);

    public string Transpose(string x, params long[] perm) => Node("Transpose", [x], null, ("perm", perm));

    public string Unsqueeze(string x, params long[] axes) => Node("Unsqueeze", [x, Int64s(axes)]);

    /// <summary>LayerNorm(x)·γ+β over the last axis, then x·W+b, then exact GELU (0.5·x·(1+erf(x/√2))).</summary>
    public string LayerNormLinearGelu(string x, float[] gamma, float[] beta, float[] weight, float[] bias, int inputs, int outputs, string prefix)
    {
        string normalized = Node("LayerNormalization", [x, Floats(prefix + "_ln_gamma", gamma, inputs), Floats(prefix + "_ln_beta", beta, inputs)], null,
            ("axis", -1L), ("epsilon", SyntheticWeights.LayerNormEpsilon));
        string hidden = Linear(normalized, weight, bias, inputs, outputs, prefix + "_fc");
        string erf = Node("Erf", [Mul(hidden, Scalar((float)(1 / Math.Sqrt(2))))]);
        return Mul(Mul(hidden, Scalar(0.5f)), Add(erf, Scalar(1f)));
    }

    /// <summary>x·W + b with W stored [inputs, outputs].</summary>
    public string Linear(string x, float[] weight, float[] bias, int inputs, int outputs, string prefix, string? output = null) =>
        Add(MatMul(x, Floats(prefix + "_weight", weight, inputs, outputs)), Floats(prefix + "_bias", bias, outputs), output);

    /// <summary>Wraps the graph in a model with the synthetic producer name and a fixed opset.</summary>
    public ModelProto ToModel(string docString)
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "EditToAudio.SyntheticModels",
            ProducerVersion = "1",
            DocString = docString,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    private string Fresh(string stem) => string.Create(CultureInfo.InvariantCulture, $"{stem}_{_counter++}");

    private static ValueInfoProto ValueInfo(TensorContract tensor)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in tensor.Shape)
        {
            shape.Dim.Add(dim.IsFixed
                ? new TensorShapeProto.Types.Dimension { DimValue = dim.Value }
                : new TensorShapeProto.Types.Dimension { DimParam = dim.ToString() });
        }
        var elementType = tensor.DataType switch
        {
            TensorDataType.Float32 => TensorProto.Types.DataType.Float,
            TensorDataType.Int64 => TensorProto.Types.DataType.Int64,
            TensorDataType.Int32 => TensorProto.Types.DataType.Int32,
            TensorDataType.Float16 => TensorProto.Types.DataType.Float16,
            TensorDataType.Bool => TensorProto.Types.DataType.Bool,
            _ => throw new ArgumentException($"No ONNX element type for {tensor.DataType}.", nameof(tensor)),
        };
        return new ValueInfoProto
        {
            Name = tensor.Name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape } },
        };
    }

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        long i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
        long[] ints => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ints } },
        _ => throw new ArgumentException($"Attribute {name}: unsupported value type {value.GetType().Name}.", nameof(value)),
    };
}
