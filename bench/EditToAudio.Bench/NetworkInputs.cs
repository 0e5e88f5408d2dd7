using EditToAudio.Models;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Bench;

/// <summary>The seeded inputs the network timing commands feed a network when no saved input is given.</summary>
internal static class NetworkInputs
{
    /// <summary>
    /// <paramref name="tensor"/> at the sizes given for its symbols: uniform floats in [-1, 1) from seed
    /// 1234, or for int64 (the UNet's timesteps) (137·i) mod 1000, as bench/python draws them.
    /// </summary>
    public static OrtValue Seeded(TensorContract tensor, IReadOnlyDictionary<string, long> sizes)
    {
        long[] shape = [.. tensor.Shape.Select(d => d.IsFixed ? d.Value : d.Multiplier * (sizes.TryGetValue(d.Symbol!, out long s) ? s
            : throw new ArgumentException($"give {d.Symbol}=SIZE for {tensor.Name} {tensor.ShapeText}")))];
        int count = checked((int)shape.Aggregate(1L, (p, d) => p * d));
        if (tensor.DataType == TensorDataType.Int64)
        {
            return OrtValue.CreateTensorValueFromMemory(Enumerable.Range(0, count).Select(i => (long)(i * 137 % 1000)).ToArray(), shape);
        }
        var random = new Random(1234);
        return OrtValue.CreateTensorValueFromMemory(Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), shape);
    }
}
