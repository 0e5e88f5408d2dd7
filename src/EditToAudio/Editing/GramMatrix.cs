using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EditToAudio.Images;

namespace EditToAudio.Editing;

/// <summary>
/// The Gram matrix G = X̂X̂ᵀ of selected, L2-normalized token rows: the edit's largest cost
/// ((n+1)²/2 dot products of length D per region).
/// </summary>
internal static class GramMatrix
{
    /// <summary>Rows per register block: 4×4 dot products share each loaded vector four times.</summary>
    private const int Block = 4;

    /// <summary>
    /// Writes the lower triangle (j ≤ i) of G, row-major n×n, for the tokens <paramref name="rows"/>.
    /// The fast form multiplies and sums in float32 (8-wide partial sums, each element off by about
    /// √D·2⁻²⁴); <paramref name="exact"/> sums the exact float32 products in float64.
    /// </summary>
    public static void Compute(ImageTokens tokens, ReadOnlySpan<int> rows, Span<double> gram, bool exact)
    {
        int n = rows.Length;
        if (gram.Length < n * n)
        {
            throw new ArgumentException($"A {n}×{n} Gram matrix needs {n * n} values, got {gram.Length}.", nameof(gram));
        }
        if (exact || !Vector256.IsHardwareAccelerated)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j <= i; j++)
                {
                    gram[i * n + j] = tokens.NormalizedDot(rows[i], rows[j]);
                }
            }
            return;
        }

        // Rows padded to whole blocks by repeating the last one; the padded results are not stored.
        int padded = (n + Block - 1) / Block * Block;
        Span<int> blockRows = padded <= 512 ? stackalloc int[padded] : new int[padded];
        rows.CopyTo(blockRows);
        blockRows[n..].Fill(rows[n - 1]);
        ReadOnlySpan<float> values = tokens.Values;
        Span<float> dots = stackalloc float[Block * Block];
        for (int i = 0; i < padded; i += Block)
        {
            for (int j = 0; j <= i; j += Block)
            {
                BlockDots(values, tokens.Dimension, blockRows.Slice(i, Block), blockRows.Slice(j, Block), dots);
                for (int a = i; a < Math.Min(i + Block, n); a++)
                {
                    double scale = tokens.InverseNorm(rows[a]);
                    for (int b = j; b <= Math.Min(a, j + Block - 1); b++)
                    {
                        gram[a * n + b] = dots[(a - i) * Block + (b - j)] * scale * tokens.InverseNorm(rows[b]);
                    }
                }
            }
        }
    }

    /// <summary>The 4×4 dot products of rows <paramref name="left"/> with rows <paramref name="right"/> (raw tokens).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockDots(ReadOnlySpan<float> values, int dimension, ReadOnlySpan<int> left, ReadOnlySpan<int> right, Span<float> dots)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        ref float l0 = ref Unsafe.Add(ref start, left[0] * dimension);
        ref float l1 = ref Unsafe.Add(ref start, left[1] * dimension);
        ref float l2 = ref Unsafe.Add(ref start, left[2] * dimension);
        ref float l3 = ref Unsafe.Add(ref start, left[3] * dimension);
        ref float r0 = ref Unsafe.Add(ref start, right[0] * dimension);
        ref float r1 = ref Unsafe.Add(ref start, right[1] * dimension);
        ref float r2 = ref Unsafe.Add(ref start, right[2] * dimension);
        ref float r3 = ref Unsafe.Add(ref start, right[3] * dimension);

        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector256<float> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector256<float> s20 = default, s21 = default, s22 = default, s23 = default;
        Vector256<float> s30 = default, s31 = default, s32 = default, s33 = default;
        // Unchecked loads: the rows are whole tokens of `values`, and k stays below the dimension.
        nuint k = 0;
        for (; k + (nuint)Vector256<float>.Count <= (nuint)dimension; k += (nuint)Vector256<float>.Count)
        {
            var b0 = Vector256.LoadUnsafe(ref r0, k);
            var b1 = Vector256.LoadUnsafe(ref r1, k);
            var b2 = Vector256.LoadUnsafe(ref r2, k);
            var b3 = Vector256.LoadUnsafe(ref r3, k);
            var a = Vector256.LoadUnsafe(ref l0, k);
            s00 = Vector256.FusedMultiplyAdd(a, b0, s00);
            s01 = Vector256.FusedMultiplyAdd(a, b1, s01);
            s02 = Vector256.FusedMultiplyAdd(a, b2, s02);
            s03 = Vector256.FusedMultiplyAdd(a, b3, s03);
            a = Vector256.LoadUnsafe(ref l1, k);
            s10 = Vector256.FusedMultiplyAdd(a, b0, s10);
            s11 = Vector256.FusedMultiplyAdd(a, b1, s11);
            s12 = Vector256.FusedMultiplyAdd(a, b2, s12);
            s13 = Vector256.FusedMultiplyAdd(a, b3, s13);
            a = Vector256.LoadUnsafe(ref l2, k);
            s20 = Vector256.FusedMultiplyAdd(a, b0, s20);
            s21 = Vector256.FusedMultiplyAdd(a, b1, s21);
            s22 = Vector256.FusedMultiplyAdd(a, b2, s22);
            s23 = Vector256.FusedMultiplyAdd(a, b3, s23);
            a = Vector256.LoadUnsafe(ref l3, k);
            s30 = Vector256.FusedMultiplyAdd(a, b0, s30);
            s31 = Vector256.FusedMultiplyAdd(a, b1, s31);
            s32 = Vector256.FusedMultiplyAdd(a, b2, s32);
            s33 = Vector256.FusedMultiplyAdd(a, b3, s33);
        }
        dots[0] = Vector256.Sum(s00); dots[1] = Vector256.Sum(s01); dots[2] = Vector256.Sum(s02); dots[3] = Vector256.Sum(s03);
        dots[4] = Vector256.Sum(s10); dots[5] = Vector256.Sum(s11); dots[6] = Vector256.Sum(s12); dots[7] = Vector256.Sum(s13);
        dots[8] = Vector256.Sum(s20); dots[9] = Vector256.Sum(s21); dots[10] = Vector256.Sum(s22); dots[11] = Vector256.Sum(s23);
        dots[12] = Vector256.Sum(s30); dots[13] = Vector256.Sum(s31); dots[14] = Vector256.Sum(s32); dots[15] = Vector256.Sum(s33);
        for (; k < (nuint)dimension; k++)
        {
            for (int a = 0; a < Block; a++)
            {
                float x = values[left[a] * dimension + (int)k];
                for (int b = 0; b < Block; b++)
                {
                    dots[a * Block + b] += x * values[right[b] * dimension + (int)k];
                }
            }
        }
    }
}
