// Image preprocessing: resize (PIL's separable, antialiased filters in its 8-bit fixed-point
// arithmetic), crop and normalize, for a batch of same-sized RGB images (uint8, [B, H, W, 3]).
// The resize is evaluated only inside the crop window, which gives the same pixels as resizing the
// whole image and cropping afterwards.
#include "common.cuh"

#define E2A_FILTER_BILINEAR 0
#define E2A_FILTER_BICUBIC 1
#define E2A_PRECISION_BITS 22  // PIL: 32 - 8 bits per channel - 2

__device__ __forceinline__ double e2a_filter_support(int filter)
{
    return filter == E2A_FILTER_BICUBIC ? 2.0 : 1.0;
}

__device__ __forceinline__ double e2a_filter(int filter, double x)
{
    if (x < 0.0)
        x = -x;
    if (filter == E2A_FILTER_BICUBIC)
    {
        const double a = -0.5;
        // Explicit round-to-nearest operations: no fused multiply-add, so the weights round as in PIL's C build.
        if (x < 1.0)
            return __dadd_rn(__dmul_rn(__dmul_rn(__dadd_rn(__dmul_rn(a + 2.0, x), -(a + 3.0)), x), x), 1.0);
        if (x < 2.0)
            return __dmul_rn(__dadd_rn(__dmul_rn(__dadd_rn(__dmul_rn(x - 5.0, x), 8.0), x), -4.0), a);
        return 0.0;
    }
    return x < 1.0 ? 1.0 - x : 0.0;
}

// The input window PIL uses for output position `out` of a resize from in_size to out_size, with the
// sum of its filter weights (the taps are normalized by it). Taps are evaluated on the fly rather
// than stored, so no thread needs a per-tap array in local memory.
struct e2a_window
{
    int first;
    int count;
    double center;
    double inverse_scale;
    double total;
};

__device__ e2a_window e2a_resize_window(int filter, int in_size, int out_size, int out)
{
    const double scale = (double)in_size / out_size;
    const double filter_scale = scale < 1.0 ? 1.0 : scale;
    const double support = __dmul_rn(e2a_filter_support(filter), filter_scale);
    e2a_window window;
    window.center = (out + 0.5) * scale;
    window.inverse_scale = 1.0 / filter_scale;
    int lo = (int)(window.center - support + 0.5);
    if (lo < 0)
        lo = 0;
    int hi = (int)(window.center + support + 0.5);
    if (hi > in_size)
        hi = in_size;
    window.first = lo;
    window.count = hi - lo;
    window.total = 0.0;
    for (int t = 0; t < window.count; ++t)
        window.total += e2a_filter(filter, (t + lo - window.center + 0.5) * window.inverse_scale);
    return window;
}

// Tap t of the window as PIL's fixed-point integer (normalized weight * 2^22, rounded away from zero).
__device__ __forceinline__ int e2a_tap(int filter, const e2a_window& window, int t)
{
    double weight = e2a_filter(filter, (t + window.first - window.center + 0.5) * window.inverse_scale);
    if (window.total != 0.0)
        weight /= window.total;
    return weight < 0.0 ? (int)(-0.5 + weight * (1 << E2A_PRECISION_BITS))
                        : (int)(0.5 + weight * (1 << E2A_PRECISION_BITS));
}

__device__ __forceinline__ unsigned char e2a_clip8(int accumulator)
{
    const int value = accumulator >> E2A_PRECISION_BITS;
    return (unsigned char)(value < 0 ? 0 : (value > 255 ? 255 : value));
}

// Pass 1 (horizontal): one block per (input row, image); threads over the crop window's columns.
// Output: uint8 [B, H, out_width, 3] holding the resized columns crop_left .. crop_left + out_width - 1.
extern "C" __global__ void resize_horizontal(const unsigned char* __restrict__ images, int height, int width,
                                             int resized_width, int crop_left, int out_width, int filter,
                                             unsigned char* __restrict__ columns)
{
    const int y = blockIdx.x;
    const int image = blockIdx.y;
    const unsigned char* row = images + (((long long)image * height + y) * width) * 3;
    unsigned char* out_row = columns + (((long long)image * height + y) * out_width) * 3;
    for (int x = threadIdx.x; x < out_width; x += blockDim.x)
    {
        const e2a_window window = e2a_resize_window(filter, width, resized_width, crop_left + x);
        int accumulators[3] = {1 << (E2A_PRECISION_BITS - 1), 1 << (E2A_PRECISION_BITS - 1), 1 << (E2A_PRECISION_BITS - 1)};
        for (int t = 0; t < window.count; ++t)
        {
            const int tap = e2a_tap(filter, window, t);
            const unsigned char* pixel = row + (window.first + t) * 3;
            accumulators[0] += (int)pixel[0] * tap;
            accumulators[1] += (int)pixel[1] * tap;
            accumulators[2] += (int)pixel[2] * tap;
        }
        for (int channel = 0; channel < 3; ++channel)
            out_row[x * 3 + channel] = e2a_clip8(accumulators[channel]);
    }
}

// Pass 2 (vertical) + /255 + per-channel (v - mean) / std, written planar: float [B, 3, out_height, out_width].
// One block per (output row, image).
extern "C" __global__ void resize_vertical_normalize(const unsigned char* __restrict__ columns, int height, int out_width,
                                                     int resized_height, int crop_top, int out_height, int filter,
                                                     float mean_r, float mean_g, float mean_b,
                                                     float std_r, float std_g, float std_b, float* __restrict__ pixels)
{
    const int y = blockIdx.x;
    const int image = blockIdx.y;
    // The window depends only on the row, which is the same for the whole block.
    const e2a_window window = e2a_resize_window(filter, height, resized_height, crop_top + y);
    const unsigned char* source = columns + (long long)image * height * out_width * 3;
    const float means[3] = {mean_r, mean_g, mean_b};
    const float stds[3] = {std_r, std_g, std_b};
    for (int x = threadIdx.x; x < out_width; x += blockDim.x)
    {
        int accumulators[3] = {1 << (E2A_PRECISION_BITS - 1), 1 << (E2A_PRECISION_BITS - 1), 1 << (E2A_PRECISION_BITS - 1)};
        for (int t = 0; t < window.count; ++t)
        {
            const int tap = e2a_tap(filter, window, t);
            const unsigned char* pixel = source + ((long long)(window.first + t) * out_width + x) * 3;
            accumulators[0] += (int)pixel[0] * tap;
            accumulators[1] += (int)pixel[1] * tap;
            accumulators[2] += (int)pixel[2] * tap;
        }
        for (int channel = 0; channel < 3; ++channel)
        {
            // torchvision: ToTensor divides by 255 in float32, Normalize subtracts and divides in float32.
            const float value = (float)e2a_clip8(accumulators[channel]) / 255.0f;
            pixels[(((long long)image * 3 + channel) * out_height + y) * out_width + x] = (value - means[channel]) / stds[channel];
        }
    }
}


// torchvision's Resize on a float tensor (bilinear, antialiased: SAM2's preprocessing), horizontal pass:
// each output column x of every input row is the weighted sum of counts[x] bytes from column starts[x],
// each byte / 255 first (ToTensor), into middle [height, out_width, 3]. The taps and weights come from
// the host (AntialiasedBilinearResampler.ComputeAxis), and every product and sum is rounded on its own,
// in the CPU's order, so the two agree bit for bit.
extern "C" __global__ void resample_rows_unit(const unsigned char* __restrict__ image, int height, int width, int out_width,
                                              const int* __restrict__ starts, const int* __restrict__ counts,
                                              const float* __restrict__ weights, int kernel_size, float* __restrict__ middle)
{
    const long long count = (long long)height * out_width;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
    {
        const long long y = i / out_width;
        const int x = (int)(i - y * out_width);
        const unsigned char* p = image + (y * width + starts[x]) * 3;
        const float* w = weights + (long long)x * kernel_size;
        float red = 0.0f, green = 0.0f, blue = 0.0f;
        for (int t = 0; t < counts[x]; ++t, p += 3)
        {
            red = __fadd_rn(red, __fmul_rn(__fdiv_rn((float)p[0], 255.0f), w[t]));
            green = __fadd_rn(green, __fmul_rn(__fdiv_rn((float)p[1], 255.0f), w[t]));
            blue = __fadd_rn(blue, __fmul_rn(__fdiv_rn((float)p[2], 255.0f), w[t]));
        }
        middle[i * 3] = red;
        middle[i * 3 + 1] = green;
        middle[i * 3 + 2] = blue;
    }
}

// The vertical pass of the same resize into planar [3, out_height, out_width], then (v - mean) / std per channel.
extern "C" __global__ void resample_columns_normalize(const float* __restrict__ middle, int out_width, int out_height,
                                                      const int* __restrict__ starts, const int* __restrict__ counts,
                                                      const float* __restrict__ weights, int kernel_size,
                                                      float mean_r, float mean_g, float mean_b, float std_r, float std_g, float std_b,
                                                      float* __restrict__ planar)
{
    const long long plane = (long long)out_height * out_width;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < plane; i += (long long)gridDim.x * blockDim.x)
    {
        const int y = (int)(i / out_width);
        const long long x = i - (long long)y * out_width;
        const float* p = middle + ((long long)starts[y] * out_width + x) * 3;
        const float* w = weights + (long long)y * kernel_size;
        float red = 0.0f, green = 0.0f, blue = 0.0f;
        for (int t = 0; t < counts[y]; ++t, p += (long long)out_width * 3)
        {
            red = __fadd_rn(red, __fmul_rn(p[0], w[t]));
            green = __fadd_rn(green, __fmul_rn(p[1], w[t]));
            blue = __fadd_rn(blue, __fmul_rn(p[2], w[t]));
        }
        planar[i] = __fdiv_rn(__fsub_rn(red, mean_r), std_r);
        planar[plane + i] = __fdiv_rn(__fsub_rn(green, mean_g), std_g);
        planar[2 * plane + i] = __fdiv_rn(__fsub_rn(blue, mean_b), std_b);
    }
}
