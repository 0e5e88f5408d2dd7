using EditToAudio.Reference;

namespace EditToAudio.Cuda.Tests.References;

/// <summary>Checks of the test references themselves (they run on every machine).</summary>
public class ReferenceTests
{
    [Fact]
    public void Philox_reference_matches_the_published_known_answers()
    {
        Assert.Equal([0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u], Float64Reference.Philox(0, 0, 0, 0, 0, 0));
        Assert.Equal([0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu],
            Float64Reference.Philox(uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue));
    }

    [Fact]
    public void Philox_normals_have_unit_moments()
    {
        const int count = 40_000;
        double sum = 0, squares = 0;
        for (ulong i = 0; i < count; i++)
        {
            double z = Float64Reference.Normal(42, 7, i);
            sum += z;
            squares += z * z;
        }
        Assert.InRange(sum / count, -0.03, 0.03);
        Assert.InRange(squares / count, 0.97, 1.03);
    }

    [Fact]
    public void Reweighting_identity_holds_for_the_reference_edit()
    {
        // wᵀX' = (w + (s−1) U_k U_kᵀ w)ᵀ X, computed independently from the Gram eigenvectors.
        var random = new Random(5);
        var tokens = TestData.RandomTokens(random, 1);
        double[][] rows = Float64Reference.NormalizedRows(tokens, 768);
        float[] weights = TestData.RandomMask(random, 1, 0.2);
        double[] literal = Float64Reference.SvdEdit(rows, weights, 10, 0.1);

        var selected = new List<double[]> { rows[0] };
        for (int p = 0; p < 256; p++)
        {
            if (weights[p] > 0.5)
            {
                selected.Add(rows[1 + p]);
            }
        }
        var x = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfRowArrays(selected);
        var evd = (x * x.Transpose()).Evd();
        int n = selected.Count, k = Math.Min(10, n);
        var w = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(n, 1.0 / n);
        var uk = evd.EigenVectors.SubMatrix(0, n, n - k, k);
        var r = w + (0.1 - 1) * (uk * (uk.Transpose() * w));
        double[] reweighted = Float64Reference.Normalize((x.Transpose() * r).ToArray());

        Assert.True(TestData.Cosine(literal, reweighted) > 1 - 1e-12, $"cosine {TestData.Cosine(literal, reweighted)}");
    }

    [Fact]
    public void Stretch_weights_of_a_full_and_an_empty_mask()
    {
        (_, float[] full) = Float64Reference.PatchWeights([.. Enumerable.Repeat((byte)1, 30 * 50)], 30, 50, crop: false);
        (_, float[] empty) = Float64Reference.PatchWeights(new byte[30 * 50], 30, 50, crop: true);
        Assert.All(full, w => Assert.Equal(1f, w));
        Assert.All(empty, w => Assert.Equal(0f, w));
    }

    [Fact]
    public void Pil_resize_reference_keeps_a_constant_image_constant()
    {
        byte[] image = [.. Enumerable.Repeat((byte)200, 40 * 60 * 3)];
        float[] output = Float64Reference.ResizeCropNormalize(image, 40, 60, 336, 224, 56, 0, 224, 224, bicubic: true, [0, 0, 0], [1, 1, 1]);
        Assert.All(output, v => Assert.Equal(200f / 255f, v));
    }
}
