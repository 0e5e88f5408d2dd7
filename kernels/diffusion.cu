// The diffusion sampler's arithmetic (AudioLDM v1: DDIM, epsilon prediction, classifier-free guidance)
// and the glue between the decoding networks, for `rows` latents of `row_size` values each.
#include "common.cuh"
#include "philox.cuh"

// One DDIM step for every latent at once. `sample` is the UNet's input, [halves * rows, row_size]: with
// guidance (halves = 2) the unconditional copy of the latents first, then the conditional one; `eps` is
// the UNet's output in the same layout. The latents are the last `rows` rows of `sample`, and the new
// ones are written to every half, so the buffer is the next step's input as it stands (no copies).
//   eps = eps_u + guidance * (eps_c - eps_u)        (the difference in float, as the CPU sampler takes it)
//   x0  = (x - sqrt(1 - a_t) eps) / sqrt(a_t)
//   x'  = sqrt(a_prev) x0 + direction eps + sigma z, z = Philox normal j of (seeds[row], stream_bases[row] | step)
// The coefficients are the CPU sampler's float64 values, passed in rather than recomputed.
extern "C" __global__ void ddim_step_rows(float* sample, const float* __restrict__ eps, int rows, long long row_size, int halves,
                                          double guidance, double sqrt_alpha, double sqrt_one_minus_alpha,
                                          double sqrt_alpha_prev, double direction, double sigma,
                                          const unsigned long long* __restrict__ seeds,
                                          const unsigned long long* __restrict__ stream_bases, unsigned long long step)
{
    const long long count = (long long)rows * row_size;
    const long long latents = (long long)(halves - 1) * count;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
    {
        const int row = (int)(i / row_size);
        const float conditional = eps[latents + i];
        double e = conditional;
        if (halves == 2)
        {
            const float unconditional = eps[i];
            e = (double)unconditional + guidance * (double)(conditional - unconditional);
        }
        const double x0 = ((double)sample[latents + i] - sqrt_one_minus_alpha * e) / sqrt_alpha;
        double next = sqrt_alpha_prev * x0 + direction * e;
        if (sigma > 0.0)
            next += sigma * (double)e2a_philox_normal(seeds[row], stream_bases[row] | step, (unsigned long long)(i - (long long)row * row_size));
        const float rounded = (float)next;
        for (int h = 0; h < halves; ++h)
            sample[(long long)h * count + i] = rounded;
    }
}

// flags[job] = 1 when any of the job's `job_size` values exceeds `trigger` in magnitude (flags cleared before).
extern "C" __global__ void flag_jobs_over(const float* __restrict__ x, long long job_size, int jobs, float trigger, int* __restrict__ flags)
{
    const long long count = job_size * jobs;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
        if (fabsf(x[i]) > trigger)
            flags[i / job_size] = 1;
}

// Clips every value of a flagged job to [-limit, limit]: the sampler's whole-batch clip, job by job.
// Compares instead of fminf/fmaxf so that a NaN stays NaN, as Math.Clamp leaves it on the CPU.
extern "C" __global__ void clip_flagged_jobs(float* __restrict__ x, long long job_size, int jobs, const int* __restrict__ flags, float limit)
{
    const long long count = job_size * jobs;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
        if (flags[i / job_size] != 0)
        {
            const float v = x[i];
            x[i] = v < -limit ? -limit : (v > limit ? limit : v);
        }
}

// out = in / divisor, rounded once from float64 (the latents over the VAE's scale factor).
extern "C" __global__ void divide_values(const float* __restrict__ in, float* __restrict__ out, long long count, double divisor)
{
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
        out[i] = (float)((double)in[i] / divisor);
}

// out[b, c, r] = in[b, r, c]: the VAE's mel [N, 1, frames, bins] becomes the vocoder's [N, bins, frames].
extern "C" __global__ void transpose_last_two(const float* __restrict__ in, float* __restrict__ out, int batches, int rows, int cols)
{
    const long long per_batch = (long long)rows * cols;
    const long long count = per_batch * batches;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
    {
        const long long b = i / per_batch;
        const long long within = i - b * per_batch;
        const int r = (int)(within / cols), c = (int)(within - (long long)r * cols);
        out[b * per_batch + (long long)c * rows + r] = in[i];
    }
}
