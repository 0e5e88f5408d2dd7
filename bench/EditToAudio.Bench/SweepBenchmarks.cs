using BenchmarkDotNet.Attributes;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Tests.Editing;

namespace EditToAudio.Bench;

/// <summary>
/// A sweep of 27 settings (k ∈ {5, 10, 20} × α ∈ {0.05, 0.1, 0.2} × β ∈ {1.5, 2, 3}) on one pair:
/// one decomposition per region for the largest k, then a re-weighting per setting, against one
/// edit at the defaults and against 27 separate edits. Masks select ~25% of the patches.
/// </summary>
[MemoryDiagnoser]
public class SweepBenchmarks
{
    private ImageTokens _original = null!;
    private ImageTokens _edited = null!;
    private float[] _removeWeights = [];
    private float[] _addWeights = [];
    private EditParameters[] _settings = [];

    private static readonly int[] Ks = [5, 10, 20];
    private static readonly double[] Alphas = [0.05, 0.1, 0.2];
    private static readonly double[] Betas = [1.5, 2.0, 3.0];

    [GlobalSetup]
    public void Setup()
    {
        _original = new ImageTokens(TokenFactory.Dominant(1, directions: 5, noise: 0.3), TokenFactory.Dimension);
        _edited = new ImageTokens(TokenFactory.Dominant(2, directions: 5, noise: 0.3), TokenFactory.Dimension);
        _removeWeights = TokenFactory.PatchWeights(3, 64);
        _addWeights = TokenFactory.PatchWeights(4, 64);
        _settings = [.. from k in Ks
                        from alpha in Alphas
                        from beta in Betas
                        select new EditParameters { K = k, Alpha = alpha, Beta = beta }];
    }

    [Benchmark(Baseline = true, Description = "one edit (k = 10)")]
    public EditResult One() => EmbeddingEditor.Edit(_original, _edited, _removeWeights, _addWeights, new EditParameters());

    [Benchmark(Description = "sweep of 27 settings")]
    public EditResult[] Sweep() => EmbeddingEditor.Edit(_original, _edited, _removeWeights, _addWeights, _settings);

    [Benchmark(Description = "27 separate edits")]
    public EditResult[] Separate() => [.. _settings.Select(s => EmbeddingEditor.Edit(_original, _edited, _removeWeights, _addWeights, s))];
}
