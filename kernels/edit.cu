// The batched edit: token normalization, row gathering, the eigenvector re-weighting
// e = X^T (w + (s-1) U_k U_k^T w), the background mean and the final combination.
// A batch of P pairs is laid out as 2P "items": items [0, P) suppress the removed object in the
// original tokens, items [P, 2P) boost the added object in the edited tokens.
#include "common.cuh"

#define E2A_TOKENS 257
#define E2A_PATCHES 256
#define E2A_WIDTH 768
// The reference selects a patch when its (binarized) weight is > 0.5.
#define E2A_SELECTED 0.5f

// In-place L2 normalization of `rows` rows of `cols` floats; one block per row (grid-stride).
extern "C" __global__ void l2_normalize_rows(float* __restrict__ x, long long rows, int cols)
{
    __shared__ double scratch[E2A_MAX_WARPS];
    for (long long row = blockIdx.x; row < rows; row += gridDim.x)
    {
        float* v = x + row * cols;
        double sum = 0.0;
        for (int c = threadIdx.x; c < cols; c += blockDim.x)
            sum += (double)v[c] * v[c];
        const double norm = e2a_safe_norm(e2a_block_sum(sum, scratch));
        for (int c = threadIdx.x; c < cols; c += blockDim.x)
            v[c] = (float)(v[c] / norm);
    }
}

// Number of selected patches (weight > 0.5) of every item; one thread per item, grid-stride
// because the host caps the grid.
extern "C" __global__ void count_selected(const float* __restrict__ remove_weights, const float* __restrict__ add_weights,
                                          int pairs, int* __restrict__ counts)
{
    const long long items = 2LL * pairs;
    for (long long item = (long long)blockIdx.x * blockDim.x + threadIdx.x; item < items; item += (long long)gridDim.x * blockDim.x)
    {
        const float* w = item < pairs ? remove_weights + item * E2A_PATCHES
                                      : add_weights + (item - pairs) * E2A_PATCHES;
        int count = 0;
        for (int p = 0; p < E2A_PATCHES; ++p)
            count += w[p] > E2A_SELECTED ? 1 : 0;
        counts[item] = count;
    }
}

// Writes item q's rows [CLS; selected patch tokens in grid order; zero rows] into
// rows[q] ([row_count, 768], row-major). One block of 256 threads per item.
template <typename T>
__device__ void e2a_gather_rows(const float* __restrict__ original, const float* __restrict__ edited,
                                const float* __restrict__ remove_weights, const float* __restrict__ add_weights,
                                int pairs, int row_count, T* __restrict__ rows)
{
    __shared__ int warp_totals[8];
    __shared__ int warp_offsets[8];
    __shared__ int slots[E2A_PATCHES];
    __shared__ int selected_total;
    const int item = blockIdx.x;
    const bool boost = item >= pairs;
    const int pair = boost ? item - pairs : item;
    const float* tokens = (boost ? edited : original) + (long long)pair * E2A_TOKENS * E2A_WIDTH;
    const float* w = (boost ? add_weights : remove_weights) + (long long)pair * E2A_PATCHES;

    // Stream compaction of the selected patches with one ballot per warp (256 threads = 8 warps).
    const int patch = threadIdx.x;
    const bool selected = patch < E2A_PATCHES && w[patch] > E2A_SELECTED;
    const unsigned int ballot = __ballot_sync(E2A_FULL_MASK, selected);
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    if (lane == 0 && warp < 8)
        warp_totals[warp] = __popc(ballot);
    __syncthreads();
    if (threadIdx.x == 0)
    {
        int running = 0;
        for (int i = 0; i < 8; ++i)
        {
            warp_offsets[i] = running;
            running += warp_totals[i];
        }
        selected_total = running;
    }
    __syncthreads();
    if (selected)
        slots[warp_offsets[warp] + __popc(ballot & ((1u << lane) - 1u))] = patch;
    __syncthreads();

    T* out = rows + (long long)item * row_count * E2A_WIDTH;
    const int filled = min(selected_total + 1, row_count);
    for (long long e = threadIdx.x; e < (long long)row_count * E2A_WIDTH; e += blockDim.x)
    {
        const int row = (int)(e / E2A_WIDTH);
        const int col = (int)(e % E2A_WIDTH);
        T value = (T)0;
        if (row < filled)
        {
            const int token = row == 0 ? 0 : 1 + slots[row - 1];
            value = (T)tokens[(long long)token * E2A_WIDTH + col];
        }
        out[e] = value;
    }
}

extern "C" __global__ void gather_rows_f32(const float* original, const float* edited, const float* remove_weights,
                                           const float* add_weights, int pairs, int row_count, float* rows)
{
    e2a_gather_rows<float>(original, edited, remove_weights, add_weights, pairs, row_count, rows);
}

extern "C" __global__ void gather_rows_f64(const float* original, const float* edited, const float* remove_weights,
                                           const float* add_weights, int pairs, int row_count, double* rows)
{
    e2a_gather_rows<double>(original, edited, remove_weights, add_weights, pairs, row_count, rows);
}

// edits[q] = L2(X^T r) with r = w + (s - 1) U_k (U_k^T w), where X = rows[q] ([n, 768]),
// the columns of eigenvectors[q] ([n, n], column-major, eigenvalues ascending) are the
// eigenvectors of X X^T, w is 1 on the CLS row and the selected rows (the reference's weights up
// to a constant, which the final normalization removes), and k' = min(k, selected + 1).
// An item with no selected patch yields the zero vector (the reference's empty-selection rule).
// One block of 256 threads per item; dynamic shared memory: 2 * n doubles.
template <typename T>
__device__ void e2a_reweight_rows(const T* __restrict__ rows, const T* __restrict__ eigenvectors,
                                  const int* __restrict__ counts, int pairs, int n, int k,
                                  double suppress_scale, double boost_scale, float* __restrict__ edits)
{
    extern __shared__ double dynamic_shared[];
    double* coefficients = dynamic_shared;  // U_k^T w, indexed by top column
    double* weights = dynamic_shared + n;   // r
    __shared__ double scratch[E2A_MAX_WARPS];
    __shared__ double embedding[E2A_WIDTH];

    const int item = blockIdx.x;
    float* out = edits + (long long)item * E2A_WIDTH;
    const int selected = counts[item];
    if (selected == 0)
    {
        for (int c = threadIdx.x; c < E2A_WIDTH; c += blockDim.x)
            out[c] = 0.0f;
        return;
    }
    const int used = min(selected + 1, n);
    const int top = min(k, used);
    const double scale = item < pairs ? suppress_scale : boost_scale;
    const T* u = eigenvectors + (long long)item * n * n;
    const T* x = rows + (long long)item * n * E2A_WIDTH;

    // U_k^T w: one warp per eigenvector column, the top columns being the last ones.
    const int lane = threadIdx.x & 31;
    const int warps = blockDim.x >> 5;
    for (int j = threadIdx.x >> 5; j < top; j += warps)
    {
        const T* column = u + (long long)(n - top + j) * n;
        double sum = 0.0;
        for (int i = lane; i < used; i += 32)
            sum += (double)column[i];
        for (int offset = 16; offset > 0; offset >>= 1)
            sum += __shfl_down_sync(E2A_FULL_MASK, sum, offset);
        if (lane == 0)
            coefficients[j] = sum;
    }
    __syncthreads();

    // r_i = w_i + (s - 1) sum_j U_ij c_j over the rows that hold tokens.
    for (int i = threadIdx.x; i < used; i += blockDim.x)
    {
        double projection = 0.0;
        for (int j = 0; j < top; ++j)
            projection += (double)u[(long long)(n - top + j) * n + i] * coefficients[j];
        weights[i] = 1.0 + (scale - 1.0) * projection;
    }
    __syncthreads();

    // e = X^T r, then L2.
    double sum_of_squares = 0.0;
    for (int c = threadIdx.x; c < E2A_WIDTH; c += blockDim.x)
    {
        double value = 0.0;
        for (int i = 0; i < used; ++i)
            value += weights[i] * (double)x[(long long)i * E2A_WIDTH + c];
        embedding[c] = value;
        sum_of_squares += value * value;
    }
    const double norm = e2a_safe_norm(e2a_block_sum(sum_of_squares, scratch));
    for (int c = threadIdx.x; c < E2A_WIDTH; c += blockDim.x)
        out[c] = (float)(embedding[c] / norm);
}

extern "C" __global__ void reweight_rows_f32(const float* rows, const float* eigenvectors, const int* counts, int pairs,
                                             int n, int k, double suppress_scale, double boost_scale, float* edits)
{
    e2a_reweight_rows<float>(rows, eigenvectors, counts, pairs, n, k, suppress_scale, boost_scale, edits);
}

extern "C" __global__ void reweight_rows_f64(const double* rows, const double* eigenvectors, const int* counts, int pairs,
                                             int n, int k, double suppress_scale, double boost_scale, float* edits)
{
    e2a_reweight_rows<double>(rows, eigenvectors, counts, pairs, n, k, suppress_scale, boost_scale, edits);
}

// background[p] = L2(mean of the edited image's patch tokens where (1 - w_remove)(1 - w_add) > 0.5),
// the zero vector when no patch is background. One block of 256 threads per pair.
extern "C" __global__ void background_mean(const float* __restrict__ edited, const float* __restrict__ remove_weights,
                                           const float* __restrict__ add_weights, int pairs, float* __restrict__ background)
{
    __shared__ double scratch[E2A_MAX_WARPS];
    __shared__ unsigned char is_background[E2A_PATCHES];
    __shared__ double means[E2A_WIDTH];
    const int pair = blockIdx.x;
    const float* tokens = edited + (long long)pair * E2A_TOKENS * E2A_WIDTH;
    const float* wr = remove_weights + (long long)pair * E2A_PATCHES;
    const float* wa = add_weights + (long long)pair * E2A_PATCHES;
    double mine = 0.0;
    for (int p = threadIdx.x; p < E2A_PATCHES; p += blockDim.x)
    {
        const bool flag = (1.0 - (double)wr[p]) * (1.0 - (double)wa[p]) > 0.5;
        is_background[p] = flag ? 1 : 0;
        mine += flag ? 1.0 : 0.0;
    }
    const double count = e2a_block_sum(mine, scratch);
    float* out = background + (long long)pair * E2A_WIDTH;
    double sum_of_squares = 0.0;
    for (int c = threadIdx.x; c < E2A_WIDTH; c += blockDim.x)
    {
        double sum = 0.0;
        for (int p = 0; p < E2A_PATCHES; ++p)
            if (is_background[p])
                sum += tokens[(long long)(1 + p) * E2A_WIDTH + c];
        const double mean = count > 0.0 ? sum / count : 0.0;
        means[c] = mean;
        sum_of_squares += mean * mean;
    }
    const double norm = e2a_safe_norm(e2a_block_sum(sum_of_squares, scratch));
    for (int c = threadIdx.x; c < E2A_WIDTH; c += blockDim.x)
        out[c] = (float)(means[c] / norm);
}

// embedding[p] = L2(a * suppressed[p] + b * boosted[p] + g * background[p]), where
// edits = [suppressed (pairs rows); boosted (pairs rows)]. One block per pair.
extern "C" __global__ void combine_edit(const float* __restrict__ edits, const float* __restrict__ background, int pairs,
                                        double a, double b, double g, float* __restrict__ embedding)
{
    __shared__ double scratch[E2A_MAX_WARPS];
    __shared__ double combined[E2A_WIDTH];
    const int pair = blockIdx.x;
    const float* suppressed = edits + (long long)pair * E2A_WIDTH;
    const float* boosted = edits + (long long)(pairs + pair) * E2A_WIDTH;
    const float* bg = background + (long long)pair * E2A_WIDTH;
    double sum_of_squares = 0.0;
    for (int c = threadIdx.x; c < E2A_WIDTH; c += blockDim.x)
    {
        const double value = a * suppressed[c] + b * boosted[c] + g * bg[c];
        combined[c] = value;
        sum_of_squares += value * value;
    }
    const double norm = e2a_safe_norm(e2a_block_sum(sum_of_squares, scratch));
    float* out = embedding + (long long)pair * E2A_WIDTH;
    for (int c = threadIdx.x; c < E2A_WIDTH; c += blockDim.x)
        out[c] = (float)(combined[c] / norm);
}
