// Philox4x32-10 counter-based generator and the Box-Muller normals built on it. The CPU
// generator implements the same specification, so both produce the same numbers for the same
// (seed, stream, element index).
#pragma once

#define E2A_PHILOX_M0 0xD2511F53u
#define E2A_PHILOX_M1 0xCD9E8D57u
#define E2A_PHILOX_W0 0x9E3779B9u
#define E2A_PHILOX_W1 0xBB67AE85u

// Ten rounds on the counter in place; the key is bumped by the Weyl constants between rounds.
__device__ __forceinline__ void e2a_philox4x32_10(unsigned int& c0, unsigned int& c1, unsigned int& c2, unsigned int& c3,
                                                  unsigned int k0, unsigned int k1)
{
#pragma unroll
    for (int round = 0; round < 10; ++round)
    {
        const unsigned int lo0 = E2A_PHILOX_M0 * c0;
        const unsigned int hi0 = __umulhi(E2A_PHILOX_M0, c0);
        const unsigned int lo1 = E2A_PHILOX_M1 * c2;
        const unsigned int hi1 = __umulhi(E2A_PHILOX_M1, c2);
        const unsigned int n0 = hi1 ^ c1 ^ k0;
        const unsigned int n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
        k0 += E2A_PHILOX_W0;
        k1 += E2A_PHILOX_W1;
    }
}

// Uniform in (0, 1) from the top 24 bits of a word: never exactly 0 or 1, so log() is finite.
__device__ __forceinline__ double e2a_philox_uniform(unsigned int word)
{
    return ((double)(word >> 8) + 0.5) * (1.0 / 16777216.0);
}

// Standard normal for element `index` of stream `stream` under `seed` (float64 math, rounded to float32).
__device__ __forceinline__ float e2a_philox_normal(unsigned long long seed, unsigned long long stream, unsigned long long index)
{
    const unsigned long long block = index >> 2;
    unsigned int c0 = (unsigned int)block;
    unsigned int c1 = (unsigned int)(block >> 32);
    unsigned int c2 = (unsigned int)stream;
    unsigned int c3 = (unsigned int)(stream >> 32);
    e2a_philox4x32_10(c0, c1, c2, c3, (unsigned int)seed, (unsigned int)(seed >> 32));
    // Words (0,1) feed elements 0 and 1 of the block, words (2,3) elements 2 and 3.
    const bool second_pair = (index & 2ull) != 0;
    const double u0 = e2a_philox_uniform(second_pair ? c2 : c0);
    const double u1 = e2a_philox_uniform(second_pair ? c3 : c1);
    const double radius = sqrt(-2.0 * log(u0));
    const double theta = 6.283185307179586476925286766559 * u1;
    return (float)((index & 1ull) ? radius * sin(theta) : radius * cos(theta));
}
