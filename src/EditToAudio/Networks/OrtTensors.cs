using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Networks;

/// <summary>Small helpers between managed arrays and ONNX Runtime values.</summary>
internal static class OrtTensors
{
    /// <summary>A CPU tensor over <paramref name="data"/> (no copy; the array must outlive the value).</summary>
    public static OrtValue Wrap(float[] data, params long[] shape)
    {
        long expected = shape.Aggregate(1L, (a, b) => a * b);
        if (data.Length != expected)
        {
            throw new ArgumentException($"A tensor of shape [{string.Join(",", shape)}] needs {expected} values, got {data.Length}.", nameof(data));
        }
        return OrtValue.CreateTensorValueFromMemory(data, shape);
    }

    /// <summary>A CPU int64 tensor over <paramref name="data"/>.</summary>
    public static OrtValue Wrap(long[] data, params long[] shape) => OrtValue.CreateTensorValueFromMemory(data, shape);

    /// <summary>Copies a float tensor out, checking its shape.</summary>
    public static float[] Read(OrtValue value, string what, params long[] expectedShape)
    {
        long[] shape = value.GetTensorTypeAndShape().Shape;
        if (!shape.SequenceEqual(expectedShape))
        {
            throw new InvalidOperationException($"{what}: the network returned shape [{string.Join(",", shape)}], expected [{string.Join(",", expectedShape)}].");
        }
        return value.GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>The shape of a returned tensor.</summary>
    public static long[] Shape(OrtValue value) => value.GetTensorTypeAndShape().Shape;
}
