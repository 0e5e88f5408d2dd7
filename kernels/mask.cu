// Binary object masks -> CLIP patch weights (16x16 grid of 14x14 patches on the 224x224 input).
#include "common.cuh"

#define E2A_GRID 16
#define E2A_PATCH 14
#define E2A_INPUT 224

// Source coordinate of output pixel `dst` for a resize with ratio in/out, PyTorch's bilinear
// rule with align_corners=False (negative coordinates clamp to 0).
__device__ __forceinline__ double e2a_bilinear_source(int dst, double scale)
{
    const double source = (dst + 0.5) * scale - 0.5;
    return source < 0.0 ? 0.0 : source;
}

// Bilinear value of the byte mask (non-zero = inside) at pixel (y, x) of a resize to
// resized_height x resized_width, without antialiasing.
__device__ __forceinline__ double e2a_mask_sample(const unsigned char* __restrict__ mask, int height, int width,
                                                  int resized_height, int resized_width, int y, int x)
{
    const double sy = e2a_bilinear_source(y, (double)height / resized_height);
    const double sx = e2a_bilinear_source(x, (double)width / resized_width);
    const int y0 = (int)sy;
    const int x0 = (int)sx;
    const int y1 = y0 < height - 1 ? y0 + 1 : y0;
    const int x1 = x0 < width - 1 ? x0 + 1 : x0;
    const double ly = sy - y0;
    const double lx = sx - x0;
    const double v00 = mask[(long long)y0 * width + x0] != 0 ? 1.0 : 0.0;
    const double v01 = mask[(long long)y0 * width + x1] != 0 ? 1.0 : 0.0;
    const double v10 = mask[(long long)y1 * width + x0] != 0 ? 1.0 : 0.0;
    const double v11 = mask[(long long)y1 * width + x1] != 0 ? 1.0 : 0.0;
    return (1.0 - ly) * ((1.0 - lx) * v00 + lx * v01) + ly * ((1.0 - lx) * v10 + lx * v11);
}

// One block per mask, one thread per patch (launch with 256 threads). The mask is resized to
// resized_height x resized_width and the 224x224 window at (crop_top, crop_left) is pooled:
//  * "stretch" alignment (the reference): resized = 224x224, crop at (0, 0);
//  * "crop" alignment: resized as CLIP resizes the image, crop at CLIP's center-crop offsets.
// pooled[b, p] is the patch mean, weights[b, p] = pooled >= threshold ? 1 : 0.
extern "C" __global__ void mask_patch_weights(const unsigned char* __restrict__ masks, int height, int width,
                                              int resized_height, int resized_width, int crop_top, int crop_left,
                                              float threshold, float* __restrict__ pooled, float* __restrict__ weights)
{
    const int patch = threadIdx.x;
    if (patch >= E2A_GRID * E2A_GRID)
        return;
    const unsigned char* mask = masks + (long long)blockIdx.x * height * width;
    const int top = crop_top + (patch / E2A_GRID) * E2A_PATCH;
    const int left = crop_left + (patch % E2A_GRID) * E2A_PATCH;
    double sum = 0.0;
    for (int dy = 0; dy < E2A_PATCH; ++dy)
        for (int dx = 0; dx < E2A_PATCH; ++dx)
            sum += e2a_mask_sample(mask, height, width, resized_height, resized_width, top + dy, left + dx);
    const double mean = sum / (E2A_PATCH * E2A_PATCH);
    const long long out = (long long)blockIdx.x * E2A_GRID * E2A_GRID + patch;
    pooled[out] = (float)mean;
    weights[out] = mean >= (double)threshold ? 1.0f : 0.0f;
}
