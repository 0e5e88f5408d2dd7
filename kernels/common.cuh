// Helpers shared by every kernel file. Kernels are launched with a block size that is a
// multiple of 32 (the engine always uses 256), which the warp-level reductions rely on.
#pragma once

#define E2A_FULL_MASK 0xffffffffu
#define E2A_MAX_WARPS 32

// Sum of one double per thread over the whole block; every thread receives the total.
// `scratch` must hold E2A_MAX_WARPS doubles of shared memory.
__device__ __forceinline__ double e2a_block_sum(double value, double* scratch)
{
    for (int offset = 16; offset > 0; offset >>= 1)
        value += __shfl_down_sync(E2A_FULL_MASK, value, offset);
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    if (lane == 0)
        scratch[warp] = value;
    __syncthreads();
    if (warp == 0)
    {
        const int warps = (blockDim.x + 31) >> 5;
        double total = lane < warps ? scratch[lane] : 0.0;
        for (int offset = 16; offset > 0; offset >>= 1)
            total += __shfl_down_sync(E2A_FULL_MASK, total, offset);
        if (lane == 0)
            scratch[0] = total;
    }
    __syncthreads();
    const double total = scratch[0];
    // A second barrier so the scratch can be reused by the next reduction.
    __syncthreads();
    return total;
}

// torch.nn.functional.normalize's divisor: the norm, but never below 1e-12, so zero vectors stay zero.
__device__ __forceinline__ double e2a_safe_norm(double sum_of_squares)
{
    return fmax(sqrt(sum_of_squares), 1e-12);
}
