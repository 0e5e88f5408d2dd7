using MathNet.Numerics.LinearAlgebra;

namespace EditToAudio.Reference;

/// <summary>
/// The formulas of the design brief written literally in float64, independent of the engine's fast
/// paths and kernels: the full-SVD edit, PyTorch's bilinear resize and average pooling, PIL's
/// fixed-point resampling, Philox and the DDIM step. One reference for both test suites and the GPU
/// self-test (which runs where the tests are not available).
/// </summary>
public static class Float64Reference
{
    private const int Patches = 256;

    // ---- Philox4x32-10 ----

    /// <summary>One Philox4x32-10 block: counter (c0..c3) and key (k0, k1) to four words.</summary>
    public static uint[] Philox(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        uint[] c = [c0, c1, c2, c3];
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = 0xD2511F53UL * c[0];
            ulong p1 = 0xCD9E8D57UL * c[2];
            c = [(uint)(p1 >> 32) ^ c[1] ^ k0, (uint)p1, (uint)(p0 >> 32) ^ c[3] ^ k1, (uint)p0];
            k0 += 0x9E3779B9;
            k1 += 0xBB67AE85;
        }
        return c;
    }

    /// <summary>Normal number <paramref name="index"/> of (<paramref name="seed"/>, <paramref name="stream"/>): Box–Muller on Philox words, as the engine draws.</summary>
    public static float Normal(ulong seed, ulong stream, ulong index)
    {
        ulong block = index / 4;
        uint[] words = Philox((uint)block, (uint)(block >> 32), (uint)stream, (uint)(stream >> 32), (uint)seed, (uint)(seed >> 32));
        int pair = (int)(index % 4) / 2;
        double u0 = ((words[2 * pair] >> 8) + 0.5) / 16777216.0;
        double u1 = ((words[2 * pair + 1] >> 8) + 0.5) / 16777216.0;
        double radius = Math.Sqrt(-2 * Math.Log(u0));
        double theta = 2 * Math.PI * u1;
        return (float)(index % 2 == 0 ? radius * Math.Cos(theta) : radius * Math.Sin(theta));
    }

    // ---- Masks -> patch weights ----

    /// <summary>PyTorch F.interpolate(bilinear, align_corners=False) of a 0/1 mask to outH×outW.</summary>
    public static double[,] ResizeBilinear(byte[] mask, int height, int width, int outHeight, int outWidth)
    {
        var result = new double[outHeight, outWidth];
        for (int y = 0; y < outHeight; y++)
        {
            (int y0, int y1, double ly) = Source(y, height, outHeight);
            for (int x = 0; x < outWidth; x++)
            {
                (int x0, int x1, double lx) = Source(x, width, outWidth);
                double At(int yy, int xx) => mask[yy * width + xx] != 0 ? 1 : 0;
                result[y, x] = (1 - ly) * ((1 - lx) * At(y0, x0) + lx * At(y0, x1)) + ly * ((1 - lx) * At(y1, x0) + lx * At(y1, x1));
            }
        }
        return result;

        static (int Low, int High, double Lambda) Source(int destination, int inSize, int outSize)
        {
            double source = Math.Max((destination + 0.5) * inSize / outSize - 0.5, 0);
            int low = (int)Math.Floor(source);
            return (low, Math.Min(low + 1, inSize - 1), source - low);
        }
    }

    /// <summary>Pooled patch means and binary weights; crop = false is the reference's stretch rule.</summary>
    public static (double[] Pooled, float[] Weights) PatchWeights(byte[] mask, int height, int width, bool crop, double threshold = 0.5)
    {
        int resizedHeight = 224, resizedWidth = 224, top = 0, left = 0;
        if (crop)
        {
            // Shorter side to 224, longer int(224 * L / S), centered crop with round-half-even offsets.
            if (width <= height)
            {
                resizedWidth = 224;
                resizedHeight = (int)(224L * height / width);
            }
            else
            {
                resizedHeight = 224;
                resizedWidth = (int)(224L * width / height);
            }
            top = (int)Math.Round((resizedHeight - 224) / 2.0, MidpointRounding.ToEven);
            left = (int)Math.Round((resizedWidth - 224) / 2.0, MidpointRounding.ToEven);
        }
        double[,] resized = ResizeBilinear(mask, height, width, resizedHeight, resizedWidth);
        var pooled = new double[Patches];
        var weights = new float[Patches];
        for (int p = 0; p < Patches; p++)
        {
            double sum = 0;
            for (int dy = 0; dy < 14; dy++)
            {
                for (int dx = 0; dx < 14; dx++)
                {
                    sum += resized[top + p / 16 * 14 + dy, left + p % 16 * 14 + dx];
                }
            }
            pooled[p] = sum / 196;
            weights[p] = pooled[p] >= threshold ? 1 : 0;
        }
        return (pooled, weights);
    }

    // ---- The edit ----

    /// <summary><paramref name="v"/> / ‖<paramref name="v"/>‖; a zero vector stays zero.</summary>
    public static double[] Normalize(ReadOnlySpan<double> v)
    {
        double norm = 0;
        foreach (double x in v)
        {
            norm += x * x;
        }
        norm = Math.Sqrt(norm);
        double[] result = new double[v.Length];
        for (int i = 0; i < v.Length && norm > 0; i++)
        {
            result[i] = v[i] / norm;
        }
        return result;
    }

    /// <summary>Tokens [257, <paramref name="dimension"/>] (row-major) of one image, each row L2-normalized, in float64.</summary>
    public static double[][] NormalizedRows(ReadOnlySpan<float> tokens, int dimension)
    {
        var rows = new double[tokens.Length / dimension][];
        for (int t = 0; t < rows.Length; t++)
        {
            var row = new double[dimension];
            for (int c = 0; c < dimension; c++)
            {
                row[c] = tokens[t * dimension + c];
            }
            rows[t] = Normalize(row);
        }
        return rows;
    }

    /// <summary>
    /// The reference svd_edit: X = [CLS; patches with m &gt; 0.5] of the normalized rows, full thin SVD, the top
    /// k' = min(k, n+1) singular values times <paramref name="factor"/>, X' = UΣ'Vᵀ, the weighted mean of X' with
    /// w = [1, m_i…] normalized to sum 1, then L2. An empty selection gives the zero vector.
    /// </summary>
    public static double[] SvdEdit(double[][] rows, ReadOnlySpan<float> patchWeights, int k, double factor)
    {
        int dimension = rows[0].Length;
        var selected = new List<double[]> { rows[0] };
        var weights = new List<double> { 1.0 };
        for (int p = 0; p < patchWeights.Length; p++)
        {
            if (patchWeights[p] > 0.5)
            {
                selected.Add(rows[1 + p]);
                weights.Add(patchWeights[p]);
            }
        }
        if (selected.Count == 1)
        {
            return new double[dimension];
        }
        Matrix<double> x = Matrix<double>.Build.DenseOfRowArrays(selected);
        var svd = x.Svd(computeVectors: true);
        int rank = Math.Min(selected.Count, dimension);
        int top = Math.Min(k, selected.Count);
        var sigma = Matrix<double>.Build.Dense(rank, rank);
        for (int i = 0; i < rank; i++)
        {
            sigma[i, i] = svd.S[i] * (i < top ? factor : 1);
        }
        Matrix<double> edited = svd.U.SubMatrix(0, selected.Count, 0, rank) * sigma * svd.VT.SubMatrix(0, rank, 0, dimension);
        double total = weights.Sum();
        Vector<double> w = Vector<double>.Build.DenseOfEnumerable(weights.Select(v => v / total));
        return Normalize((edited.Transpose() * w).ToArray());
    }

    /// <summary><see cref="SvdEdit(double[][], ReadOnlySpan{float}, int, double)"/> of raw tokens [257, <paramref name="dimension"/>].</summary>
    public static double[] SvdEdit(ReadOnlySpan<float> tokens, int dimension, ReadOnlySpan<float> patchWeights, int k, double factor) =>
        SvdEdit(NormalizedRows(tokens, dimension), patchWeights, k, factor);

    /// <summary>E_bg: the L2-normalized mean of the edited image's patch rows outside both masks; zero when none is left.</summary>
    public static double[] Background(double[][] editedRows, ReadOnlySpan<float> removeWeights, ReadOnlySpan<float> addWeights)
    {
        double[] sum = new double[editedRows[0].Length];
        int count = 0;
        for (int p = 0; p < removeWeights.Length; p++)
        {
            if ((1 - removeWeights[p]) * (1 - addWeights[p]) > 0.5)
            {
                count++;
                for (int c = 0; c < sum.Length; c++)
                {
                    sum[c] += editedRows[1 + p][c];
                }
            }
        }
        if (count == 0)
        {
            return sum;
        }
        for (int c = 0; c < sum.Length; c++)
        {
            sum[c] /= count;
        }
        return Normalize(sum);
    }

    /// <summary><see cref="Background(double[][], ReadOnlySpan{float}, ReadOnlySpan{float})"/> of raw tokens [257, <paramref name="dimension"/>].</summary>
    public static double[] Background(ReadOnlySpan<float> editedTokens, int dimension, ReadOnlySpan<float> removeWeights, ReadOnlySpan<float> addWeights) =>
        Background(NormalizedRows(editedTokens, dimension), removeWeights, addWeights);

    /// <summary>E = L2(a·E_sup + b·E_boost + g·E_bg).</summary>
    public static double[] Combine(double[] suppressed, double[] boosted, double[] background, double a, double b, double g)
    {
        double[] sum = new double[suppressed.Length];
        for (int c = 0; c < sum.Length; c++)
        {
            sum[c] = a * suppressed[c] + b * boosted[c] + g * background[c];
        }
        return Normalize(sum);
    }

    /// <summary>The cosine of <paramref name="expected"/> and <paramref name="actual"/>; two zero vectors agree perfectly.</summary>
    public static double Cosine(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual)
    {
        double dot = 0, a = 0, b = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            dot += expected[i] * actual[i];
            a += expected[i] * expected[i];
            b += (double)actual[i] * actual[i];
        }
        return a == 0 && b == 0 ? 1 : dot / Math.Sqrt(a * b);
    }

    // ---- Sampling ----

    /// <summary>Per element (r, d): the mean over s of μ + σ·z_s, z_s = normal s·width + d of (seeds[r], streams[r]).</summary>
    public static double[] VariationalMean(float[] mu, float[] logVariance, int width, int samples, ulong[] seeds, ulong[] streams)
    {
        var result = new double[mu.Length];
        for (int e = 0; e < mu.Length; e++)
        {
            int row = e / width, d = e % width;
            double sigma = Math.Exp(0.5 * logVariance[e]);
            double sum = 0;
            for (int s = 0; s < samples; s++)
            {
                sum += mu[e] + Normal(seeds[row], streams[row], (ulong)s * (ulong)width + (ulong)d) * sigma;
            }
            result[e] = sum / samples;
        }
        return result;
    }

    /// <summary>
    /// One DDIM step of <paramref name="rows"/> latents from the schedule's ᾱ values alone (σ and every
    /// square root derived here): eps = u + g·(c − u) with the difference in float, as the samplers take
    /// it; <paramref name="epsUncond"/> null means no guidance. Row r's noise is Philox (seeds[r], streams[r] | step).
    /// </summary>
    public static double[] DdimStepRows(float[] latents, float[]? epsUncond, float[] epsCond, int rows, double guidance,
        double alphaT, double alphaPrev, double eta, ulong[] seeds, ulong[] streams, ulong step)
    {
        int size = latents.Length / rows;
        double sigma = eta * Math.Sqrt((1 - alphaPrev) / (1 - alphaT)) * Math.Sqrt(1 - alphaT / alphaPrev);
        var next = new double[latents.Length];
        for (int i = 0; i < latents.Length; i++)
        {
            int row = i / size;
            double eps = epsUncond is null ? epsCond[i] : epsUncond[i] + guidance * (epsCond[i] - epsUncond[i]);
            double x0 = (latents[i] - Math.Sqrt(1 - alphaT) * eps) / Math.Sqrt(alphaT);
            next[i] = Math.Sqrt(alphaPrev) * x0 + Math.Sqrt(Math.Max(1 - alphaPrev - sigma * sigma, 0)) * eps
                + (sigma > 0 ? sigma * Normal(seeds[row], streams[row] | step, (ulong)(i % size)) : 0);
        }
        return next;
    }

    /// <summary>One guided DDIM update of one value with the step's coefficients, the difference of the two predictions taken in float as the samplers take it.</summary>
    public static double DdimValue(float x, float unconditional, float conditional, double guidance,
        double sqrtAlpha, double sqrtOneMinusAlpha, double sqrtAlphaPrevious, double direction, double sigma, float noise)
    {
        double eps = unconditional + guidance * (conditional - unconditional);
        double x0 = (x - sqrtOneMinusAlpha * eps) / sqrtAlpha;
        return sqrtAlphaPrevious * x0 + direction * eps + sigma * noise;
    }

    /// <summary>The sampler's clip job by job: a job with any |value| &gt; 100 is clipped to ±10. Returns the flags.</summary>
    public static bool[] ClipJobs(double[] values, int jobs)
    {
        int size = values.Length / jobs;
        var flags = new bool[jobs];
        for (int job = 0; job < jobs; job++)
        {
            Span<double> block = values.AsSpan(job * size, size);
            foreach (double v in block)
            {
                flags[job] |= Math.Abs(v) > 100;
            }
            if (flags[job])
            {
                foreach (ref double v in block)
                {
                    v = Math.Clamp(v, -10, 10);
                }
            }
        }
        return flags;
    }

    // ---- PIL resampling (8-bit fixed point), crop, normalize ----

    private static double Bicubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        return x < 1 ? ((a + 2) * x - (a + 3)) * x * x + 1 : x < 2 ? (((x - 5) * x + 8) * x - 4) * a : 0;
    }

    private static double Triangle(double x) => Math.Abs(x) < 1 ? 1 - Math.Abs(x) : 0;

    private static (int First, int[] Taps) Coefficients(bool bicubic, int inSize, int outSize, int index)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1);
        double support = (bicubic ? 2.0 : 1.0) * filterScale;
        double center = (index + 0.5) * scale;
        double inverse = 1.0 / filterScale;
        int first = Math.Max((int)(center - support + 0.5), 0);
        int last = Math.Min((int)(center + support + 0.5), inSize);
        double[] weights = new double[last - first];
        for (int t = 0; t < weights.Length; t++)
        {
            // PIL multiplies by the reciprocal (not a division), which rounds differently.
            double argument = (t + first - center + 0.5) * inverse;
            weights[t] = bicubic ? Bicubic(argument) : Triangle(argument);
        }
        double total = weights.Sum();
        int[] taps = new int[weights.Length];
        for (int t = 0; t < taps.Length; t++)
        {
            double w = total != 0 ? weights[t] / total : weights[t];
            taps[t] = w < 0 ? (int)(-0.5 + w * (1 << 22)) : (int)(0.5 + w * (1 << 22));
        }
        return (first, taps);
    }

    private static byte Clip8(int accumulator) => (byte)Math.Clamp(accumulator >> 22, 0, 255);

    /// <summary>PIL resize (horizontal then vertical pass, uint8 between) to resizedW×resizedH, crop, /255, normalize; planar output.</summary>
    public static float[] ResizeCropNormalize(byte[] image, int height, int width, int resizedWidth, int resizedHeight, int left, int top,
        int outWidth, int outHeight, bool bicubic, float[] mean, float[] std)
    {
        var columns = new byte[height, outWidth, 3];
        for (int x = 0; x < outWidth; x++)
        {
            (int first, int[] taps) = Coefficients(bicubic, width, resizedWidth, left + x);
            for (int y = 0; y < height; y++)
            {
                for (int ch = 0; ch < 3; ch++)
                {
                    int accumulator = 1 << 21;
                    for (int t = 0; t < taps.Length; t++)
                    {
                        accumulator += image[(y * width + first + t) * 3 + ch] * taps[t];
                    }
                    columns[y, x, ch] = Clip8(accumulator);
                }
            }
        }
        var output = new float[3 * outHeight * outWidth];
        for (int y = 0; y < outHeight; y++)
        {
            (int first, int[] taps) = Coefficients(bicubic, height, resizedHeight, top + y);
            for (int x = 0; x < outWidth; x++)
            {
                for (int ch = 0; ch < 3; ch++)
                {
                    int accumulator = 1 << 21;
                    for (int t = 0; t < taps.Length; t++)
                    {
                        accumulator += columns[first + t, x, ch] * taps[t];
                    }
                    float value = Clip8(accumulator) / 255f;
                    output[(ch * outHeight + y) * outWidth + x] = (value - mean[ch]) / std[ch];
                }
            }
        }
        return output;
    }
}
