// Runs the engine's CUDA kernels on the CPU for tests on machines without a GPU: one OS thread per
// CUDA thread of a block (a persistent pool of 256), barriers for __syncthreads and for the warp
// operations. Blocks run one after another, so __shared__ variables can be function statics.
// The test harness includes each kernel file after this header (with `extern "C"` and the
// dynamic shared-memory declaration rewritten by the test).
#pragma once
#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

struct Dim
{
    unsigned x = 0, y = 0, z = 0;
};

inline thread_local Dim threadIdx;
inline thread_local Dim blockIdx;
inline Dim blockDim;
inline Dim gridDim;

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __restrict__

inline double e2a_dynamic_shared[16384];

struct Warp
{
    std::unique_ptr<std::barrier<>> barrier;
    double doubles[32];
    unsigned words[32];
};

inline std::unique_ptr<std::barrier<>> block_barrier;
inline std::vector<Warp> warps;

// Round-to-nearest float intrinsics: plain operations here (the harness is built with -ffp-contract=off).
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }

inline void __syncthreads() { block_barrier->arrive_and_wait(); }

inline double __shfl_down_sync(unsigned, double value, int offset)
{
    Warp& warp = warps[threadIdx.x / 32];
    const int lane = threadIdx.x % 32;
    warp.doubles[lane] = value;
    warp.barrier->arrive_and_wait();
    const double result = lane + offset < 32 ? warp.doubles[lane + offset] : value;
    warp.barrier->arrive_and_wait();
    return result;
}

inline unsigned __ballot_sync(unsigned, bool predicate)
{
    Warp& warp = warps[threadIdx.x / 32];
    const int lane = threadIdx.x % 32;
    warp.words[lane] = predicate ? 1u : 0u;
    warp.barrier->arrive_and_wait();
    unsigned result = 0;
    for (int i = 0; i < 32; ++i)
        result |= warp.words[i] << i;
    warp.barrier->arrive_and_wait();
    return result;
}

inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __dadd_rn(double a, double b) { return a + b; }
using std::max;
using std::min;

// A pool of `threads` workers that run one block at a time.
class BlockRunner
{
public:
    explicit BlockRunner(unsigned threads) : threads_(threads), start_(threads + 1), end_(threads + 1)
    {
        block_barrier = std::make_unique<std::barrier<>>(threads);
        warps.resize((threads + 31) / 32);
        for (Warp& warp : warps)
            warp.barrier = std::make_unique<std::barrier<>>(32);
        for (unsigned t = 0; t < threads; ++t)
            workers_.emplace_back([this, t] { Work(t); });
    }

    ~BlockRunner()
    {
        stop_ = true;
        start_.arrive_and_wait();
        for (std::thread& worker : workers_)
            worker.join();
    }

    template <class Kernel>
    void Launch(Dim grid, Kernel kernel)
    {
        gridDim = {grid.x, std::max(grid.y, 1u), 1};
        blockDim = {threads_, 1, 1};
        body_ = kernel;
        for (unsigned by = 0; by < gridDim.y; ++by)
            for (unsigned bx = 0; bx < gridDim.x; ++bx)
            {
                block_ = {bx, by, 0};
                start_.arrive_and_wait();
                end_.arrive_and_wait();
            }
    }

private:
    void Work(unsigned t)
    {
        threadIdx = {t, 0, 0};
        for (;;)
        {
            start_.arrive_and_wait();
            if (stop_)
                return;
            blockIdx = block_;
            body_();
            end_.arrive_and_wait();
        }
    }

    unsigned threads_;
    std::barrier<> start_;
    std::barrier<> end_;
    std::vector<std::thread> workers_;
    std::function<void()> body_;
    Dim block_;
    bool stop_ = false;
};
