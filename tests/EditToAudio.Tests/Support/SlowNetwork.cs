using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;

namespace EditToAudio.Tests.Support;

/// <summary>
/// Makes a network that computes what it did but takes tens of seconds: a chain of <c>layers</c>
/// 2048×1536·1536×1536 products (9.7 GFLOP each) hangs off the first input, and its mean, multiplied
/// by zero, is added to one output. ONNX Runtime checks its terminate flag between nodes, so a
/// cancelled call stops within one product (a few tens of milliseconds); a call that is not stopped runs on.
/// </summary>
internal static class SlowNetwork
{
    public const int DefaultLayers = 400;

    private const int Rows = 2048, Width = 1536;

    /// <summary>Reads <paramref name="source"/>, slows output <paramref name="output"/> down, and writes the model to <paramref name="destination"/>.</summary>
    public static void Write(string source, string destination, string output, int layers = DefaultLayers)
    {
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(source));
        GraphProto graph = model.Graph;
        string input = graph.Input[0].Name;
        int counter = 0;
        string Fresh(string stem) => $"slow_{stem}_{counter++}";
        string Node(string op, params string[] inputs)
        {
            var node = new NodeProto { OpType = op, Name = Fresh("node") };
            node.Input.AddRange(inputs);
            if (op == "ReduceMean")
            {
                // Every axis reduced to a scalar, so it broadcasts against any output.
                node.Attribute.Add(new AttributeProto { Name = "keepdims", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
            }
            string result = Fresh(op.ToLowerInvariant());
            node.Output.Add(result);
            graph.Node.Add(node);
            return result;
        }
        string Floats(float value, params long[] dims)
        {
            long count = dims.Aggregate(1L, (a, b) => a * b);
            var bytes = new byte[count * sizeof(float)];
            for (long i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)(i * 4)), value);
            }
            var tensor = new TensorProto { Name = Fresh("init"), DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
            tensor.Dims.AddRange(dims);
            graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        string Int64s(params long[] values)
        {
            var tensor = new TensorProto { Name = Fresh("shape"), DataType = (int)TensorProto.Types.DataType.Int64 };
            tensor.Int64Data.AddRange(values);
            tensor.Dims.Add(values.Length);
            graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        // The original output is renamed; the declared output becomes original + 0·mean(chain).
        string fast = Fresh("fast");
        foreach (NodeProto node in graph.Node)
        {
            for (int i = 0; i < node.Output.Count; i++)
            {
                if (node.Output[i] == output)
                {
                    node.Output[i] = fast;
                }
            }
        }
        string seed = Node("ReduceMean", input); // a scalar that depends on the input, so nothing folds away
        string hidden = Node("Expand", seed, Int64s(Rows, Width));
        string weight = Floats(1f / Width, Width, Width);
        for (int layer = 0; layer < layers; layer++)
        {
            hidden = Node("Tanh", Node("MatMul", hidden, weight));
        }
        string zero = Node("Mul", Node("ReduceMean", hidden), Floats(0f));
        var add = new NodeProto { OpType = "Add", Name = Fresh("node") };
        add.Input.AddRange([fast, zero]);
        add.Output.Add(output);
        graph.Node.Add(add);
        File.WriteAllBytes(destination, model.ToByteArray());
    }
}
