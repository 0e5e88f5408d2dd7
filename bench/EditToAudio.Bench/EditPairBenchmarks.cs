using BenchmarkDotNet.Attributes;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Reference;
using EditToAudio.Tests.Editing;

namespace EditToAudio.Bench;

/// <summary>
/// One image pair at the research defaults (k = 10, α = 0.1, β = 2, mix 0.2/0.5/0.3): the
/// production path (Gram-matrix eigendecomposition, re-weighting) against the literal float64
/// reference (full SVD, reconstruction, weighted mean). Both start from raw tokens, so both
/// pay for the per-token normalization. Masks select ~10% and ~40% of the 256 patches.
/// </summary>
[MemoryDiagnoser]
public class EditPairBenchmarks
{
    private float[] _original = [];
    private float[] _edited = [];
    private float[] _removeWeights = [];
    private float[] _addWeights = [];
    private readonly EditParameters _parameters = new();

    [Params(26, 103)]
    public int MaskPatches { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _original = TokenFactory.Dominant(1, directions: 5, noise: 0.3);
        _edited = TokenFactory.Dominant(2, directions: 5, noise: 0.3);
        _removeWeights = TokenFactory.PatchWeights(3, MaskPatches);
        _addWeights = TokenFactory.PatchWeights(4, MaskPatches);
    }

    [Benchmark(Baseline = true, Description = "literal full SVD (float64)")]
    public double[] Reference()
    {
        double[] suppressed = Float64Reference.SvdEdit(_original, TokenFactory.Dimension, _removeWeights, 10, 0.1);
        double[] boosted = Float64Reference.SvdEdit(_edited, TokenFactory.Dimension, _addWeights, 10, 2.0);
        double[] background = Float64Reference.Background(_edited, TokenFactory.Dimension, _removeWeights, _addWeights);
        return Float64Reference.Combine(suppressed, boosted, background, 0.2, 0.5, 0.3);
    }

    [Benchmark(Description = "production (Gram eigenvectors)")]
    public float[] Production() =>
        EmbeddingEditor.Edit(
            new ImageTokens(_original, TokenFactory.Dimension), new ImageTokens(_edited, TokenFactory.Dimension),
            _removeWeights, _addWeights, _parameters).Embedding;
}
