using EditToAudio.Images;

namespace EditToAudio.Cli.Benchmarking;

/// <summary>
/// Seeded edit inputs for throughput measurements: tokens with a few shared directions plus
/// noise (so the Gram matrices have real structure) and masks covering 10–40% of the patches.
/// </summary>
internal sealed class SyntheticEditPairs
{
    public const int Width = 768;

    private SyntheticEditPairs(float[] original, float[] edited, float[] removeWeights, float[] addWeights, int count)
    {
        Original = original;
        Edited = edited;
        RemoveWeights = removeWeights;
        AddWeights = addWeights;
        Count = count;
    }

    public float[] Original { get; }
    public float[] Edited { get; }
    public float[] RemoveWeights { get; }
    public float[] AddWeights { get; }
    public int Count { get; }

    public static SyntheticEditPairs Create(int count, int seed = 1)
    {
        int perImage = ImageTokens.TokenCount * Width;
        var random = new Random(seed);
        var directions = new float[4 * Width];
        for (int i = 0; i < directions.Length; i++)
        {
            directions[i] = (float)random.NextDouble() - 0.5f;
        }
        var original = new float[count * perImage];
        var edited = new float[count * perImage];
        var remove = new float[count * ClipGeometry.PatchCount];
        var add = new float[count * ClipGeometry.PatchCount];
        for (int p = 0; p < count; p++)
        {
            Fill(original.AsSpan(p * perImage, perImage), directions, random);
            Fill(edited.AsSpan(p * perImage, perImage), directions, random);
            Cover(remove.AsSpan(p * ClipGeometry.PatchCount, ClipGeometry.PatchCount), random);
            Cover(add.AsSpan(p * ClipGeometry.PatchCount, ClipGeometry.PatchCount), random);
        }
        return new SyntheticEditPairs(original, edited, remove, add, count);
    }

    public ImageTokens OriginalTokens(int pair) => new(Original.AsMemory(pair * ImageTokens.TokenCount * Width, ImageTokens.TokenCount * Width), Width);
    public ImageTokens EditedTokens(int pair) => new(Edited.AsMemory(pair * ImageTokens.TokenCount * Width, ImageTokens.TokenCount * Width), Width);
    public float[] RemoveWeightsOf(int pair) => RemoveWeights.AsSpan(pair * ClipGeometry.PatchCount, ClipGeometry.PatchCount).ToArray();
    public float[] AddWeightsOf(int pair) => AddWeights.AsSpan(pair * ClipGeometry.PatchCount, ClipGeometry.PatchCount).ToArray();

    private static void Fill(Span<float> tokens, float[] directions, Random random)
    {
        for (int t = 0; t < ImageTokens.TokenCount; t++)
        {
            Span<float> row = tokens.Slice(t * Width, Width);
            int d = random.Next(4);
            for (int j = 0; j < Width; j++)
            {
                row[j] = directions[d * Width + j] + 0.2f * ((float)random.NextDouble() - 0.5f);
            }
        }
    }

    /// <summary>A rectangle of the 16×16 grid covering 10–40% of the patches.</summary>
    private static void Cover(Span<float> weights, Random random)
    {
        int target = random.Next(26, 103);
        int height = Math.Clamp((int)Math.Round(Math.Sqrt(target)), 1, 16);
        int width = Math.Clamp(target / height, 1, 16);
        int top = random.Next(17 - height), left = random.Next(17 - width);
        for (int y = top; y < top + height; y++)
        {
            weights.Slice(y * ClipGeometry.GridSize + left, width).Fill(1f);
        }
    }
}
