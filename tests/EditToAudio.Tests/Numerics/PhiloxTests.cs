using EditToAudio.Numerics;

namespace EditToAudio.Tests.Numerics;

public class PhiloxTests
{
    // Random123's published known-answer vectors for philox4x32-10.
    [Theory]
    [InlineData(0u, 0u, 0u, 0u, 0u, 0u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Block_matches_published_vectors(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint e0, uint e1, uint e2, uint e3)
    {
        Assert.Equal((e0, e1, e2, e3), Philox4x32.Block(c0, c1, c2, c3, k0, k1));
        Assert.Equal((e0, e1, e2, e3), ReferenceBlock(c0, c1, c2, c3, k0, k1));
    }

    [Fact]
    public void Seed_stream_and_block_map_to_key_and_counter_words()
    {
        const ulong seed = 0x0123456789ABCDEFUL, stream = 0xFEDCBA9876543210UL, block = 0x1122334455667788UL;
        var expected = ReferenceBlock(0x55667788u, 0x11223344u, 0x76543210u, 0xFEDCBA98u, 0x89ABCDEFu, 0x01234567u);
        Assert.Equal(expected, Philox4x32.Block(seed, stream, block));
        Assert.Equal(expected.Item3, Philox4x32.Word(seed, stream, block * 4 + 2));
    }

    [Fact]
    public void Uniform_is_strictly_inside_the_unit_interval()
    {
        Assert.Equal(0.5 / 16777216.0, Philox4x32.Uniform(0));
        Assert.Equal(1.0 - 0.5 / 16777216.0, Philox4x32.Uniform(uint.MaxValue));
        Assert.Equal(0.5 + 0.5 / 16777216.0, Philox4x32.Uniform(0x80000000u));
    }

    [Theory]
    [InlineData(42UL, 0UL, 0UL, 1000)]
    [InlineData(42UL, 0x0300000000000007UL, 3UL, 257)]
    [InlineData(ulong.MaxValue, ulong.MaxValue, (ulong.MaxValue / 4 - 100) * 4 + 1, 400)]
    public void Normals_match_a_float64_reference(ulong seed, ulong stream, ulong start, int count)
    {
        var actual = new float[count];
        Philox4x32.FillNormal(seed, stream, start, actual);
        int mismatches = 0, worst = -1;
        double worstError = 0;
        for (int i = 0; i < count; i++)
        {
            double expected = ReferenceNormal(seed, stream, start + (ulong)i);
            // Allow one float32 ulp: the contract the GPU kernel is held to as well.
            double tolerance = Math.Max(float.Epsilon, MathF.BitIncrement(MathF.Abs((float)expected)) - MathF.Abs((float)expected));
            double error = Math.Abs(actual[i] - expected);
            if (error > tolerance)
            {
                mismatches++;
            }
            if (error > worstError) { worstError = error; worst = i; }
        }
        Assert.True(mismatches == 0,
            $"{mismatches} of {count} normals differ from the float64 reference; worst at element {worst}: expected {ReferenceNormal(seed, stream, start + (ulong)worst):R}, actual {actual[worst]:R}");
    }

    [Fact]
    public void Any_start_index_gives_the_same_numbers_as_one_long_fill()
    {
        var all = new float[103];
        Philox4x32.FillNormal(7, 9, 0, all);
        for (int start = 0; start < 12; start++)
        {
            var part = new float[all.Length - start];
            Philox4x32.FillNormal(7, 9, (ulong)start, part);
            Assert.Equal(all.AsSpan(start).ToArray(), part);
        }
    }

    [Fact]
    public void Normals_have_unit_moments()
    {
        const int count = 200_000;
        var values = new float[count];
        Philox4x32.FillNormal(1234, NoiseStream.Id(NoiseStage.Ssv2aManifold, 0, 0), 0, values);
        double mean = values.Average(v => (double)v);
        double variance = values.Average(v => (v - mean) * (v - mean));
        // Standard errors: 1/sqrt(n) = 0.0022 for the mean, sqrt(2/n) = 0.0032 for the variance.
        Assert.InRange(mean, -0.011, 0.011);
        Assert.InRange(variance, 0.984, 1.016);
    }

    [Fact]
    public void Different_streams_and_seeds_differ()
    {
        var a = new float[64];
        var b = new float[64];
        var c = new float[64];
        Philox4x32.FillNormal(1, 0, 0, a);
        Philox4x32.FillNormal(1, 1, 0, b);
        Philox4x32.FillNormal(2, 0, 0, c);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Stream_ids_pack_and_unpack_their_fields()
    {
        ulong id = NoiseStream.Id(NoiseStage.DiffusionStep, 2, 199);
        Assert.Equal(0x0400_0200_0000_00C7UL, id);
        Assert.Equal((NoiseStage.DiffusionStep, 2, 199L), NoiseStream.Parse(id));
        Assert.NotEqual(NoiseStream.Id(NoiseStage.DiffusionStep, 1, 0), NoiseStream.Id(NoiseStage.DiffusionStep, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => NoiseStream.Id(NoiseStage.DiffusionStep, 0x10000, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => NoiseStream.Id(NoiseStage.DiffusionStep, 0, 1L << 40));
    }

    // Independent reference: the round written with explicit 64-bit arithmetic on ulongs.
    private static (uint, uint, uint, uint) ReferenceBlock(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        ulong[] c = [c0, c1, c2, c3];
        ulong key0 = k0, key1 = k1;
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = 0xD2511F53UL * c[0];
            ulong p1 = 0xCD9E8D57UL * c[2];
            c = [((p1 >> 32) ^ c[1] ^ key0) & 0xFFFFFFFFUL, p1 & 0xFFFFFFFFUL, ((p0 >> 32) ^ c[3] ^ key1) & 0xFFFFFFFFUL, p0 & 0xFFFFFFFFUL];
            key0 = (key0 + 0x9E3779B9UL) & 0xFFFFFFFFUL;
            key1 = (key1 + 0xBB67AE85UL) & 0xFFFFFFFFUL;
        }
        return ((uint)c[0], (uint)c[1], (uint)c[2], (uint)c[3]);
    }

    private static double ReferenceNormal(ulong seed, ulong stream, ulong index)
    {
        ulong block = index / 4;
        var (w0, w1, w2, w3) = ReferenceBlock((uint)block, (uint)(block >> 32), (uint)stream, (uint)(stream >> 32), (uint)seed, (uint)(seed >> 32));
        uint[] words = [w0, w1, w2, w3];
        int pair = (int)(index % 4) / 2;
        double u0 = (Math.Floor(words[2 * pair] / 256.0) + 0.5) / 16777216.0;
        double u1 = (Math.Floor(words[2 * pair + 1] / 256.0) + 0.5) / 16777216.0;
        double r = Math.Sqrt(-2.0 * Math.Log(u0));
        double theta = 2.0 * Math.PI * u1;
        return index % 2 == 0 ? r * Math.Cos(theta) : r * Math.Sin(theta);
    }
}
