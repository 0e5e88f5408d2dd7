// One DDIM step of AudioLDM v1 (epsilon prediction) with classifier-free guidance.
#include "common.cuh"
#include "philox.cuh"

// eps = eps_u + guidance * (eps_c - eps_u);  x0 = (x - sqrt(1 - a_t) eps) / sqrt(a_t);
// sigma = eta * sqrt((1 - a_prev) / (1 - a_t)) * sqrt(1 - a_t / a_prev);
// x_prev = sqrt(a_prev) x0 + sqrt(1 - a_prev - sigma^2) eps + sigma * noise,
// with noise element i = Philox normal i of (seed, stream). Sets *overflow when any |x_prev| > 100,
// so the following ddim_clip_if_overflow launch can apply the sampler's [-10, 10] clip.
// x and x_prev may be the same buffer (an in-place step), so neither is declared __restrict__.
extern "C" __global__ void ddim_guided_step(const float* x, const float* __restrict__ eps_uncond,
                                            const float* __restrict__ eps_cond, float* x_prev,
                                            int* __restrict__ overflow, long long count, double guidance,
                                            double alpha_t, double alpha_prev, double eta,
                                            unsigned long long seed, unsigned long long stream)
{
    const double sigma = eta * sqrt((1.0 - alpha_prev) / (1.0 - alpha_t)) * sqrt(1.0 - alpha_t / alpha_prev);
    const double direction = sqrt(fmax(1.0 - alpha_prev - sigma * sigma, 0.0));
    const double sqrt_alpha_t = sqrt(alpha_t);
    const double sqrt_one_minus_alpha_t = sqrt(1.0 - alpha_t);
    const double sqrt_alpha_prev = sqrt(alpha_prev);
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
    {
        const double u = eps_uncond[i];
        const double eps = u + guidance * ((double)eps_cond[i] - u);
        const double x0 = ((double)x[i] - sqrt_one_minus_alpha_t * eps) / sqrt_alpha_t;
        double next = sqrt_alpha_prev * x0 + direction * eps;
        if (sigma != 0.0)
            next += sigma * (double)e2a_philox_normal(seed, stream, (unsigned long long)i);
        const float rounded = (float)next;
        if (fabsf(rounded) > 100.0f)
            *overflow = 1;
        x_prev[i] = rounded;
    }
}

// Clips x to [-limit, limit] when the preceding step flagged an overflow (a whole-tensor test,
// as in the reference sampler).
extern "C" __global__ void ddim_clip_if_overflow(float* __restrict__ x, const int* __restrict__ overflow, long long count, float limit)
{
    if (*overflow == 0)
        return;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
        x[i] = fminf(fmaxf(x[i], -limit), limit);
}
