// Counter-based noise and the variational sampling of the CLIP-to-CLAP mapping.
#include "common.cuh"
#include "philox.cuh"

// Raw Philox blocks for known-answer tests: input is `blocks` records of 6 words
// (c0, c1, c2, c3, k0, k1); output is 4 words per record. Grid-stride: the host caps the grid.
extern "C" __global__ void philox_blocks(const unsigned int* __restrict__ input, unsigned int* __restrict__ output, int blocks)
{
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < blocks; i += (long long)gridDim.x * blockDim.x)
    {
        const unsigned int* in = input + 6 * i;
        unsigned int c0 = in[0], c1 = in[1], c2 = in[2], c3 = in[3];
        e2a_philox4x32_10(c0, c1, c2, c3, in[4], in[5]);
        unsigned int* out = output + 4 * i;
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }
}

// Fills out[i] with normal number (first_index + i) of (seed, stream).
extern "C" __global__ void philox_normal_fill(float* __restrict__ out, long long count, unsigned long long seed,
                                              unsigned long long stream, unsigned long long first_index)
{
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
        out[i] = e2a_philox_normal(seed, stream, first_index + (unsigned long long)i);
}

// Row r of `rows` (row_size values) gets normals 0.. of (seeds[r], stream_bases[r] | step), written to
// `copies` consecutive [rows, row_size] blocks (the sampler's initial latents, in both halves of the
// UNet's guided input).
extern "C" __global__ void philox_normal_rows(float* __restrict__ out, int rows, long long row_size, int copies,
                                              const unsigned long long* __restrict__ seeds,
                                              const unsigned long long* __restrict__ stream_bases, unsigned long long step)
{
    const long long count = (long long)rows * row_size;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
    {
        const int row = (int)(i / row_size);
        const float value = e2a_philox_normal(seeds[row], stream_bases[row] | step, (unsigned long long)(i - (long long)row * row_size));
        for (int c = 0; c < copies; ++c)
            out[(long long)c * count + i] = value;
    }
}

// Mean over `samples` draws of mu + eps * exp(0.5 * log_var) for [rows, width] tensors, row by row: draw s of
// element (row, d) is normal number s * width + d of (seeds[row], streams[row]), so each row draws what it
// would alone, whatever the batch. The noise is averaged first, in float64, as the CPU mapper does.
extern "C" __global__ void variational_mean_rows(const float* __restrict__ mu, const float* __restrict__ log_var,
                                                 float* __restrict__ out, int rows, int width, int samples,
                                                 const unsigned long long* __restrict__ seeds,
                                                 const unsigned long long* __restrict__ streams)
{
    const long long count = (long long)rows * width;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < count; e += (long long)gridDim.x * blockDim.x)
    {
        const int row = (int)(e / width);
        const int d = (int)(e - (long long)row * width);
        double noise_sum = 0.0;
        for (int s = 0; s < samples; ++s)
            noise_sum += (double)e2a_philox_normal(seeds[row], streams[row], (unsigned long long)s * (unsigned long long)width + (unsigned long long)d);
        out[e] = (float)((double)mu[e] + exp(0.5 * (double)log_var[e]) * (noise_sum / samples));
    }
}
