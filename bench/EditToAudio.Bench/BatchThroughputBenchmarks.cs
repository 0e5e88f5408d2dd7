using BenchmarkDotNet.Attributes;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Tests.Editing;

namespace EditToAudio.Bench;

/// <summary>
/// Throughput of <see cref="EmbeddingEditor.EditBatch(IReadOnlyList{EditPair}, EditParameters, int?, IProgress{int}?, CancellationToken)"/> over 64 pairs (masks ~25% of the
/// patches) with 1 thread and with every core: pairs per second = 64 / mean time.
/// </summary>
public class BatchThroughputBenchmarks
{
    private const int Pairs = 64;
    private EditPair[] _pairs = [];
    private readonly EditParameters _parameters = new();

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts() => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    [GlobalSetup]
    public void Setup()
    {
        var tokens = Enumerable.Range(0, 8).Select(i => new ImageTokens(TokenFactory.Dominant(i, directions: 5, noise: 0.3), TokenFactory.Dimension)).ToArray();
        var masks = Enumerable.Range(0, 8).Select(i => SquareMask(200, 300, i)).ToArray();
        _pairs = Enumerable.Range(0, Pairs).Select(i => new EditPair(tokens[i % 8], tokens[(i + 3) % 8], masks[i % 8], masks[(i + 5) % 8])).ToArray();
    }

    [Benchmark(OperationsPerInvoke = Pairs, Description = "EditBatch, per pair")]
    public EditResult[] EditBatch() => EmbeddingEditor.EditBatch(_pairs, _parameters, Threads);

    private static BinaryMask SquareMask(int height, int width, int seed)
    {
        var values = new byte[height * width];
        int top = seed * 11 % (height / 2), left = seed * 23 % (width / 2);
        for (int y = top; y < top + height / 2; y++)
        {
            values.AsSpan(y * width + left, width / 2).Fill(1);
        }
        return new BinaryMask(values, height, width);
    }
}
