using EditToAudio.Audio;
using MathNet.Numerics.LinearAlgebra;

namespace EditToAudio.Cuda.SelfTest;

/// <summary>
/// Float64 host versions of each kernel's formula, used by <see cref="GpuSelfTest"/> on machines
/// where the test suite is not available (the GPU host only carries the published CLI).
/// </summary>
internal static class SelfTestReferences
{
    public static uint[] Philox(uint[] counter, uint k0, uint k1)
    {
        uint c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
        for (int round = 0; round < 10; round++)
        {
            ulong product0 = (ulong)0xD2511F53 * c0, product1 = (ulong)0xCD9E8D57 * c2;
            (c0, c1, c2, c3) = ((uint)(product1 >> 32) ^ c1 ^ k0, (uint)product1, (uint)(product0 >> 32) ^ c3 ^ k1, (uint)product0);
            k0 += 0x9E3779B9;
            k1 += 0xBB67AE85;
        }
        return [c0, c1, c2, c3];
    }

    public static float Normal(ulong seed, ulong stream, ulong index)
    {
        ulong block = index >> 2;
        uint[] words = Philox([(uint)block, (uint)(block >> 32), (uint)stream, (uint)(stream >> 32)], (uint)seed, (uint)(seed >> 32));
        int first = (index & 2) != 0 ? 2 : 0;
        double u0 = ((words[first] >> 8) + 0.5) * (1.0 / (1 << 24));
        double u1 = ((words[first + 1] >> 8) + 0.5) * (1.0 / (1 << 24));
        double radius = Math.Sqrt(-2.0 * Math.Log(u0));
        return (float)((index & 1) != 0 ? radius * Math.Sin(2 * Math.PI * u1) : radius * Math.Cos(2 * Math.PI * u1));
    }

    public static double[] PooledMask(byte[] mask, int offset, int height, int width, int resizedHeight, int resizedWidth, int top, int left)
    {
        double Sample(int y, int x)
        {
            double sy = Math.Max((y + 0.5) * height / resizedHeight - 0.5, 0), sx = Math.Max((x + 0.5) * width / resizedWidth - 0.5, 0);
            int y0 = (int)sy, x0 = (int)sx, y1 = Math.Min(y0 + 1, height - 1), x1 = Math.Min(x0 + 1, width - 1);
            double V(int yy, int xx) => mask[offset + yy * width + xx] != 0 ? 1 : 0;
            double ly = sy - y0, lx = sx - x0;
            return (1 - ly) * ((1 - lx) * V(y0, x0) + lx * V(y0, x1)) + ly * ((1 - lx) * V(y1, x0) + lx * V(y1, x1));
        }
        var pooled = new double[256];
        for (int p = 0; p < 256; p++)
        {
            double sum = 0;
            for (int dy = 0; dy < 14; dy++)
                for (int dx = 0; dx < 14; dx++)
                    sum += Sample(top + p / 16 * 14 + dy, left + p % 16 * 14 + dx);
            pooled[p] = sum / 196;
        }
        return pooled;
    }

    public static double[] Unit(double[] v)
    {
        double norm = Math.Max(Math.Sqrt(v.Sum(x => x * x)), 1e-12);
        return [.. v.Select(x => x / norm)];
    }

    public static double[] Token(float[] tokens, int image, int token) =>
        Unit([.. tokens.AsSpan(((image * 257) + token) * 768, 768).ToArray().Select(v => (double)v)]);

    /// <summary>The reference's literal edit: SVD of [CLS; selected], top-k singular values scaled, mean row of X', L2.</summary>
    public static double[] SvdEdit(float[] tokens, float[] weights, int image, int k, double scale)
    {
        var rows = new List<double[]> { Token(tokens, image, 0) };
        for (int p = 0; p < 256; p++)
        {
            if (weights[image * 256 + p] > 0.5f)
                rows.Add(Token(tokens, image, 1 + p));
        }
        if (rows.Count == 1)
            return new double[768];
        Matrix<double> x = Matrix<double>.Build.DenseOfRowArrays(rows);
        var svd = x.Svd(true);
        int n = rows.Count;
        Matrix<double> s = Matrix<double>.Build.Dense(n, n);
        for (int i = 0; i < n; i++)
            s[i, i] = svd.S[i] * (i < Math.Min(k, n) ? scale : 1);
        Matrix<double> edited = svd.U * s * svd.VT.SubMatrix(0, n, 0, 768);
        return Unit([.. edited.ColumnSums().Select(v => v / n)]);
    }

    public static double[] Background(float[] edited, float[] remove, float[] add, int image)
    {
        var sum = new double[768];
        int count = 0;
        for (int p = 0; p < 256; p++)
        {
            if ((1 - remove[image * 256 + p]) * (1 - add[image * 256 + p]) > 0.5f)
            {
                double[] token = Token(edited, image, 1 + p);
                for (int c = 0; c < 768; c++)
                    sum[c] += token[c];
                count++;
            }
        }
        return count == 0 ? sum : Unit([.. sum.Select(v => v / count)]);
    }

    public static double Cosine(double[] expected, ReadOnlySpan<float> actual)
    {
        double dot = 0, a = 0, b = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            dot += expected[i] * actual[i];
            a += expected[i] * expected[i];
            b += (double)actual[i] * actual[i];
        }
        // Two zero vectors (empty selections) agree perfectly.
        return a == 0 && b == 0 ? 1 : dot / Math.Sqrt(a * b);
    }

    /// <summary>One guided DDIM update of one value, the difference of the two predictions taken in float as the samplers take it.</summary>
    public static double DdimValue(float x, float uncond, float cond, double guidance, DdimStepCoefficients c, float noise)
    {
        double eps = uncond + guidance * (cond - uncond);
        double x0 = (x - c.SqrtOneMinusAlpha * eps) / c.SqrtAlpha;
        return c.SqrtAlphaPrevious * x0 + c.Direction * eps + c.Sigma * noise;
    }
}
