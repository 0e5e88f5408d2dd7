using System.Runtime.CompilerServices;

namespace EditToAudio.Numerics;

/// <summary>
/// Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11). Every value is a pure
/// function of (seed, stream, element index), so the CPU and the CUDA kernel draw the same
/// numbers in any order and on any thread count. The specification both implementations follow
/// is documented on each member; the uint32 blocks are bit-identical across implementations.
/// </summary>
public static class Philox4x32
{
    /// <summary>Number of rounds (Philox4x32-10).</summary>
    public const int Rounds = 10;

    private const uint Multiplier0 = 0xD2511F53;
    private const uint Multiplier1 = 0xCD9E8D57;
    private const uint Weyl0 = 0x9E3779B9;
    private const uint Weyl1 = 0xBB67AE85;

    // 2^-24: the uniform keeps the top 24 bits of a word, which a float64 holds exactly.
    private const double UniformScale = 1.0 / 16777216.0;

    /// <summary>
    /// The raw bijection: 10 rounds on counter (c0..c3) with key (k0, k1), the key bumped by the
    /// Weyl constants between rounds.
    /// </summary>
    public static (uint X0, uint X1, uint X2, uint X3) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < Rounds; round++)
        {
            ulong product0 = (ulong)Multiplier0 * c0;
            ulong product1 = (ulong)Multiplier1 * c2;
            uint hi0 = (uint)(product0 >> 32), lo0 = (uint)product0;
            uint hi1 = (uint)(product1 >> 32), lo1 = (uint)product1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
            k0 += Weyl0;
            k1 += Weyl1;
        }
        return (c0, c1, c2, c3);
    }

    /// <summary>
    /// The four words of block <paramref name="block"/> of stream <paramref name="stream"/>:
    /// key = (lo32(seed), hi32(seed)), counter = (lo32(block), hi32(block), lo32(stream), hi32(stream)).
    /// </summary>
    public static (uint X0, uint X1, uint X2, uint X3) Block(ulong seed, ulong stream, ulong block) =>
        Block((uint)block, (uint)(block >> 32), (uint)stream, (uint)(stream >> 32), (uint)seed, (uint)(seed >> 32));

    /// <summary>Word <paramref name="index"/> of the stream (word i is word i % 4 of block i / 4).</summary>
    public static uint Word(ulong seed, ulong stream, ulong index)
    {
        var (x0, x1, x2, x3) = Block(seed, stream, index / 4);
        return (index % 4) switch { 0 => x0, 1 => x1, 2 => x2, _ => x3 };
    }

    /// <summary>Uniform in the open interval (0, 1) from a word: ((x &gt;&gt; 8) + 0.5)·2^-24, exact in float64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Uniform(uint word) => ((word >> 8) + 0.5) * UniformScale;

    /// <summary>
    /// Fills <paramref name="destination"/> with standard normals for element indices
    /// <paramref name="startIndex"/> … (Box–Muller per word pair, computed in float64, rounded to
    /// float32). Element i uses block i / 4, pair p = (i % 4) / 2 (words 2p, 2p+1):
    /// r = √(−2 ln u(w₂ₚ)), θ = 2π·u(w₂ₚ₊₁); r·cos θ for even i, r·sin θ for odd i.
    /// </summary>
    public static void FillNormal(ulong seed, ulong stream, ulong startIndex, Span<float> destination)
    {
        ulong index = startIndex;
        int written = 0;
        while (written < destination.Length)
        {
            ulong block = index / 4;
            var (x0, x1, x2, x3) = Block(seed, stream, block);
            // Up to 4 elements come from one block; start where the index falls inside it.
            for (int lane = (int)(index % 4); lane < 4 && written < destination.Length; lane++)
            {
                uint radiusWord = lane < 2 ? x0 : x2;
                uint angleWord = lane < 2 ? x1 : x3;
                double radius = Math.Sqrt(-2.0 * Math.Log(Uniform(radiusWord)));
                double angle = 2.0 * Math.PI * Uniform(angleWord);
                double value = (lane & 1) == 0 ? radius * Math.Cos(angle) : radius * Math.Sin(angle);
                destination[written++] = (float)value;
                index++;
            }
        }
    }
}
