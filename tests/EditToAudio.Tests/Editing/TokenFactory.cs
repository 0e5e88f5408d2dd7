namespace EditToAudio.Tests.Editing;

/// <summary>Seeded token and patch-weight generators: random and structured.</summary>
public static class TokenFactory
{
    public const int Dimension = 768;
    public const int Tokens = 257;

    public static float[] Random(int seed, int dimension = Dimension)
    {
        var random = new Random(seed);
        var tokens = new float[Tokens * dimension];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = (float)Gaussian(random);
        }
        return UnitRows(tokens, dimension);
    }

    /// <summary>A few dominant directions shared by all tokens, with per-token mixing and small noise.</summary>
    public static float[] Dominant(int seed, int directions = 3, double noise = 0.05, int dimension = Dimension)
    {
        var random = new Random(seed);
        double[][] basis = Enumerable.Range(0, directions).Select(_ => Enumerable.Range(0, dimension).Select(_ => Gaussian(random)).ToArray()).ToArray();
        var tokens = new float[Tokens * dimension];
        for (int t = 0; t < Tokens; t++)
        {
            double[] coefficients = Enumerable.Range(0, directions).Select(d => (directions - d) * (1 + 0.3 * Gaussian(random))).ToArray();
            for (int j = 0; j < dimension; j++)
            {
                double v = noise * Gaussian(random);
                for (int d = 0; d < directions; d++)
                {
                    v += coefficients[d] * basis[d][j];
                }
                tokens[t * dimension + j] = (float)v;
            }
        }
        return tokens;
    }

    /// <summary>Random tokens where every patch repeats one of a handful of tokens exactly.</summary>
    public static float[] Duplicated(int seed, int distinct = 4, int dimension = Dimension)
    {
        float[] source = Random(seed, dimension);
        var tokens = (float[])source.Clone();
        for (int t = 1; t < Tokens; t++)
        {
            Array.Copy(source, (1 + (t % distinct)) * dimension, tokens, t * dimension, dimension);
        }
        return tokens;
    }

    /// <summary>Patch tokens spanning only <paramref name="rank"/> directions (CLS random).</summary>
    public static float[] RankDeficient(int seed, int rank = 3, int dimension = Dimension)
    {
        var random = new Random(seed);
        double[][] basis = Enumerable.Range(0, rank).Select(_ => Enumerable.Range(0, dimension).Select(_ => Gaussian(random)).ToArray()).ToArray();
        float[] tokens = Random(seed + 1, dimension);
        for (int t = 1; t < Tokens; t++)
        {
            double[] c = Enumerable.Range(0, rank).Select(_ => Gaussian(random)).ToArray();
            for (int j = 0; j < dimension; j++)
            {
                tokens[t * dimension + j] = (float)Enumerable.Range(0, rank).Sum(d => c[d] * basis[d][j]);
            }
        }
        return tokens;
    }

    /// <summary>256 binary patch weights with exactly <paramref name="count"/> ones at seeded positions.</summary>
    public static float[] PatchWeights(int seed, int count)
    {
        var weights = new float[256];
        int[] positions = Enumerable.Range(0, 256).ToArray();
        new Random(seed).Shuffle(positions);
        foreach (int p in positions.Take(count))
        {
            weights[p] = 1f;
        }
        return weights;
    }

    public static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static float[] UnitRows(float[] tokens, int dimension)
    {
        for (int t = 0; t < tokens.Length / dimension; t++)
        {
            Span<float> row = tokens.AsSpan(t * dimension, dimension);
            double norm = 0;
            foreach (float v in row)
            {
                norm += (double)v * v;
            }
            norm = Math.Sqrt(norm);
            for (int j = 0; j < row.Length; j++)
            {
                row[j] = (float)(row[j] / norm);
            }
        }
        return tokens;
    }
}
