using EditToAudio.Networks;
using EditToAudio.SyntheticModels;
using EditToAudio.Tests.Models;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Networks;

public class ClipTokenEncoderTests
{
    private const int Side = 224, Patch = 14, Grid = 16, Width = 768;

    /// <summary>A normalized-looking input where patch (r, c) copies texture kind(r, c) from a small palette of random textures.</summary>
    private static (float[] Pixels, int[] Kinds) PatchworkInput(int seed)
    {
        var random = new Random(seed);
        const int kinds = 4;
        var textures = new float[kinds, 3, Patch, Patch];
        for (int k = 0; k < kinds; k++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < Patch; y++)
                {
                    for (int x = 0; x < Patch; x++)
                    {
                        textures[k, c, y, x] = (float)(random.NextDouble() * 4 - 2);
                    }
                }
            }
        }
        var pixels = new float[3 * Side * Side];
        var kindOf = new int[Grid * Grid];
        for (int r = 0; r < Grid; r++)
        {
            for (int col = 0; col < Grid; col++)
            {
                int k = (r * 7 + col * 3 + r * col) % kinds;
                kindOf[r * Grid + col] = k;
                for (int c = 0; c < 3; c++)
                {
                    for (int y = 0; y < Patch; y++)
                    {
                        for (int x = 0; x < Patch; x++)
                        {
                            pixels[(c * Side + r * Patch + y) * Side + col * Patch + x] = textures[k, c, y, x];
                        }
                    }
                }
            }
        }
        return (pixels, kindOf);
    }

    private static ClipTokenEncoder NewEncoder() => new(SyntheticSet.Networks);

    [Fact]
    public void Equal_patches_give_equal_tokens_and_different_patches_different_ones()
    {
        var (pixels, kinds) = PatchworkInput(11);
        float[] tokens = NewEncoder().Encode(pixels, TestContext.Current.CancellationToken);
        Assert.Equal(257 * Width, tokens.Length);
        for (int a = 0; a < Grid * Grid; a++)
        {
            for (int b = a + 1; b < Grid * Grid; b++)
            {
                double maxDifference = 0;
                for (int d = 0; d < Width; d++)
                {
                    maxDifference = Math.Max(maxDifference, Math.Abs(tokens[(1 + a) * Width + d] - tokens[(1 + b) * Width + d]));
                }
                if (kinds[a] == kinds[b])
                {
                    Assert.True(maxDifference <= 1e-6, $"patches {a} and {b} are equal but their tokens differ by {maxDifference}");
                }
                else
                {
                    Assert.True(maxDifference > 1e-3, $"patches {a} and {b} differ but their tokens are equal");
                }
            }
        }
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public void Tokens_match_a_float64_reference(int seed, bool structured)
    {
        float[] pixels = structured ? PatchworkInput(seed).Pixels : RandomInput(seed);
        float[] actual = NewEncoder().Encode(pixels, TestContext.Current.CancellationToken);
        double[] expected = ReferenceTokens(pixels, SyntheticSet.Weights);
        Tolerance.AssertClose(expected, actual, 2e-6, 1e-4, $"CLIP tokens (seed {seed})");
        for (int t = 0; t < 257; t++)
        {
            double norm = Math.Sqrt(actual.AsSpan(t * Width, Width).ToArray().Sum(v => (double)v * v));
            Assert.Equal(1.0, norm, 5);
        }
    }

    [Fact]
    public void A_batch_equals_its_images_encoded_one_by_one()
    {
        float[] first = RandomInput(5), second = PatchworkInput(6).Pixels;
        var encoder = NewEncoder();
        float[] batch = encoder.Encode([.. first, .. second], 2, TestContext.Current.CancellationToken);
        float[] one = encoder.Encode(first, TestContext.Current.CancellationToken);
        float[] two = encoder.Encode(second, TestContext.Current.CancellationToken);
        Tolerance.AssertClose([.. one.Concat(two).Select(v => (double)v)], batch, 1e-7, 1e-6, "batched tokens");
    }

    [Fact]
    public void Wrong_input_size_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => NewEncoder().Encode(new float[100], TestContext.Current.CancellationToken));
        Assert.Contains("[1,3,224,224]", error.Message, StringComparison.Ordinal);
    }

    private static float[] RandomInput(int seed)
    {
        var random = new Random(seed);
        var pixels = new float[3 * Side * Side];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)(random.NextDouble() * 4 - 2);
        }
        return pixels;
    }

    /// <summary>Per patch and channel mean and mean of squares; token = f·W + b; CLS from whole-image features; each token L2-normalized.</summary>
    private static double[] ReferenceTokens(float[] pixels, SyntheticWeights w)
    {
        var features = new double[Grid * Grid, 6];
        for (int r = 0; r < Grid; r++)
        {
            for (int col = 0; col < Grid; col++)
            {
                for (int c = 0; c < 3; c++)
                {
                    double sum = 0, squares = 0;
                    for (int y = 0; y < Patch; y++)
                    {
                        for (int x = 0; x < Patch; x++)
                        {
                            double v = pixels[(c * Side + r * Patch + y) * Side + col * Patch + x];
                            sum += v;
                            squares += v * v;
                        }
                    }
                    features[r * Grid + col, c] = sum / (Patch * Patch);
                    features[r * Grid + col, 3 + c] = squares / (Patch * Patch);
                }
            }
        }
        var tokens = new double[257 * Width];
        for (int d = 0; d < Width; d++)
        {
            double cls = w.ClipClsBias[d];
            for (int f = 0; f < 6; f++)
            {
                double whole = 0;
                for (int p = 0; p < Grid * Grid; p++)
                {
                    whole += features[p, f];
                }
                cls += whole / (Grid * Grid) * w.ClipClsWeight[f * Width + d];
            }
            tokens[d] = cls;
            for (int p = 0; p < Grid * Grid; p++)
            {
                double value = w.ClipPatchBias[d];
                for (int f = 0; f < 6; f++)
                {
                    value += features[p, f] * w.ClipPatchWeight[f * Width + d];
                }
                tokens[(1 + p) * Width + d] = value;
            }
        }
        for (int t = 0; t < 257; t++)
        {
            double norm = 0;
            for (int d = 0; d < Width; d++)
            {
                norm += tokens[t * Width + d] * tokens[t * Width + d];
            }
            norm = Math.Sqrt(norm);
            for (int d = 0; d < Width; d++)
            {
                tokens[t * Width + d] /= norm;
            }
        }
        return tokens;
    }
}
