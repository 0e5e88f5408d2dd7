// Drives the emulated kernels for KernelEmulationTests: reads the inputs the test wrote into the
// folder given as argv[1], launches the kernels as the engine does, writes the outputs back.
#include "cuda_emulation.h"
#include "edit.cu"
#include "random.cu"
#include "diffusion.cu"
#include "image.cu"
#include <string>

static std::string folder;

template <class T>
static std::vector<T> Read(const char* name, size_t count)
{
    std::vector<T> values(count);
    FILE* file = std::fopen((folder + "/" + name).c_str(), "rb");
    if (file == nullptr || std::fread(values.data(), sizeof(T), count, file) != count)
    {
        std::fprintf(stderr, "cannot read %zu values from %s\n", count, name);
        std::exit(2);
    }
    std::fclose(file);
    return values;
}

template <class T>
static void Write(const char* name, const std::vector<T>& values)
{
    FILE* file = std::fopen((folder + "/" + name).c_str(), "wb");
    std::fwrite(values.data(), sizeof(T), values.size(), file);
    std::fclose(file);
}

// Cyclic Jacobi eigendecomposition in float64: eigenvalues ascending, eigenvectors as columns of a
// column-major matrix, the layout cuSOLVER's syevjBatched returns.
static std::vector<double> Eigenvectors(int n, std::vector<double> a)
{
    std::vector<double> v(n * n, 0.0);
    for (int i = 0; i < n; ++i)
        v[i + n * i] = 1.0;
    for (int sweep = 0; sweep < 60; ++sweep)
    {
        double off = 0.0;
        for (int p = 0; p < n; ++p)
            for (int q = p + 1; q < n; ++q)
                off += a[p + n * q] * a[p + n * q];
        if (off < 1e-28)
            break;
        for (int p = 0; p < n; ++p)
            for (int q = p + 1; q < n; ++q)
            {
                const double apq = a[p + n * q];
                if (std::fabs(apq) < 1e-300)
                    continue;
                const double theta = (a[q + n * q] - a[p + n * p]) / (2.0 * apq);
                const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
                const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
                for (int k = 0; k < n; ++k)
                {
                    const double akp = a[k + n * p], akq = a[k + n * q];
                    a[k + n * p] = c * akp - s * akq;
                    a[k + n * q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; ++k)
                {
                    const double apk = a[p + n * k], aqk = a[q + n * k];
                    a[p + n * k] = c * apk - s * aqk;
                    a[q + n * k] = s * apk + c * aqk;
                }
                for (int k = 0; k < n; ++k)
                {
                    const double vkp = v[k + n * p], vkq = v[k + n * q];
                    v[k + n * p] = c * vkp - s * vkq;
                    v[k + n * q] = s * vkp + c * vkq;
                }
            }
    }
    std::vector<int> order(n);
    for (int i = 0; i < n; ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](int x, int y) { return a[x + n * x] < a[y + n * y]; });
    std::vector<double> sorted(n * n);
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i)
            sorted[i + n * j] = v[i + n * order[j]];
    return sorted;
}

// The GPU sampler's launch sequence for one prefix: the initial draw into every half of the UNet's
// input, then per step an analytic epsilon over the whole batch (the test's stand-in for the UNet:
// 0.3 x + 0.05 y[j mod width] + 1e-4 t, in float64, rounded once) and ddim_step_rows, then the
// per-job clip and the division by the VAE scale factor. The layout arrays come from the engine's
// SamplerLayout, written by the test.
static void RunSampler(BlockRunner& runner, const std::string& prefix)
{
    auto name = [&](const char* what) { return prefix + what; };
    std::vector<int> meta = Read<int>(name("meta.bin").c_str(), 7);
    const int rows = meta[0], size = meta[1], halves = meta[2], batch = meta[3], steps = meta[4], jobs = meta[5], width = meta[6];
    std::vector<double> scalars = Read<double>(name("scalars.bin").c_str(), 3);  // guidance, scale factor, latent offset
    std::vector<double> k = Read<double>(name("coefficients.bin").c_str(), (size_t)steps * 5);
    std::vector<float> conditioning = Read<float>(name("conditioning.bin").c_str(), (size_t)batch * width);
    std::vector<long long> timesteps = Read<long long>(name("timesteps.bin").c_str(), (size_t)steps * batch);
    std::vector<unsigned long long> seeds = Read<unsigned long long>(name("seeds.bin").c_str(), rows);
    std::vector<unsigned long long> initial = Read<unsigned long long>(name("initial.bin").c_str(), rows);
    std::vector<unsigned long long> step_streams = Read<unsigned long long>(name("steps.bin").c_str(), rows);
    const long long offset = (long long)scalars[2];

    std::vector<float> sample((size_t)batch * size), eps((size_t)batch * size);
    runner.Launch({4}, [&] { philox_normal_rows(sample.data(), rows, size, halves, seeds.data(), initial.data(), 0); });
    for (int i = 0; i < steps; ++i)
    {
        for (int b = 0; b < batch; ++b)
            for (int j = 0; j < size; ++j)
                eps[(size_t)b * size + j] = (float)(0.3 * sample[(size_t)b * size + j] + 0.05 * conditioning[(size_t)b * width + j % width] + 1e-4 * (double)timesteps[(size_t)i * batch + b]);
        const double* c = &k[(size_t)i * 5];
        runner.Launch({4}, [&] { ddim_step_rows(sample.data(), eps.data(), rows, size, halves, scalars[0], c[0], c[1], c[2], c[3], c[4], seeds.data(), step_streams.data(), (unsigned long long)i); });
    }
    std::vector<int> flags(jobs, 0);
    const long long job_size = (long long)rows / jobs * size;
    runner.Launch({4}, [&] { flag_jobs_over(sample.data() + offset, job_size, jobs, 100.0f, flags.data()); });
    runner.Launch({4}, [&] { clip_flagged_jobs(sample.data() + offset, job_size, jobs, flags.data(), 10.0f); });
    std::vector<float> latents((size_t)rows * size);
    runner.Launch({4}, [&] { divide_values(sample.data() + offset, latents.data(), (long long)rows * size, scalars[1]); });
    Write(name("latents.bin").c_str(), latents);
    Write(name("flags.bin").c_str(), flags);
}

// SAM2's preprocessing for one prefix: the image, both axes' taps (from the engine's ComputeAxis), the two passes.
static void RunSam2Resize(BlockRunner& runner, const std::string& prefix)
{
    auto name = [&](const char* what) { return prefix + what; };
    std::vector<int> meta = Read<int>(name("meta.bin").c_str(), 6);  // width, height, out width, out height, x kernel, y kernel
    const int width = meta[0], height = meta[1], out_width = meta[2], out_height = meta[3], x_kernel = meta[4], y_kernel = meta[5];
    std::vector<unsigned char> image = Read<unsigned char>(name("image.bin").c_str(), (size_t)width * height * 3);
    std::vector<int> x_start = Read<int>(name("x_start.bin").c_str(), out_width), x_count = Read<int>(name("x_count.bin").c_str(), out_width);
    std::vector<float> x_weights = Read<float>(name("x_weights.bin").c_str(), (size_t)out_width * x_kernel);
    std::vector<int> y_start = Read<int>(name("y_start.bin").c_str(), out_height), y_count = Read<int>(name("y_count.bin").c_str(), out_height);
    std::vector<float> y_weights = Read<float>(name("y_weights.bin").c_str(), (size_t)out_height * y_kernel);
    std::vector<float> middle((size_t)height * out_width * 3), planar((size_t)3 * out_height * out_width);
    runner.Launch({64}, [&] { resample_rows_unit(image.data(), height, width, out_width, x_start.data(), x_count.data(), x_weights.data(), x_kernel, middle.data()); });
    runner.Launch({64}, [&] {
        resample_columns_normalize(middle.data(), out_width, out_height, y_start.data(), y_count.data(), y_weights.data(), y_kernel,
                                   0.485f, 0.456f, 0.406f, 0.229f, 0.224f, 0.225f, planar.data());
    });
    Write(name("planar.bin").c_str(), planar);
}

int main(int argc, char** argv)
{
    if (argc != 2)
        return 2;
    folder = argv[1];
    // Kernels without block-level cooperation run with 32 threads per block, which keeps the
    // emulation fast; the cooperative ones get the engine's 256.
    std::unique_ptr<BlockRunner> narrow = std::make_unique<BlockRunner>(32);
    BlockRunner& runner = *narrow;

    // Philox: known-answer blocks and normals.
    {
        std::vector<unsigned> input = {0, 0, 0, 0, 0, 0, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u}, output(8);
        runner.Launch({1}, [&] { philox_blocks(input.data(), output.data(), 2); });
        Write("philox_blocks.bin", output);
        std::vector<float> normals(1000);
        runner.Launch({4}, [&] { philox_normal_fill(normals.data(), 1000, 42, 3, 5); });
        Write("normals.bin", normals);
    }

    // Images [2, 37, 61, 3]: CLIP geometry with bicubic, and a 16x16 stretch with bilinear.
    {
        const int count = 2, height = 37, width = 61;
        std::vector<unsigned char> images = Read<unsigned char>("image.bin", count * height * width * 3);
        std::vector<int> clip = Read<int>("image_geometry.bin", 4);  // resized width, resized height, left, top
        std::vector<unsigned char> columns(count * height * 224 * 3);
        std::vector<float> pixels(count * 3 * 224 * 224);
        runner.Launch({height, count}, [&] { resize_horizontal(images.data(), height, width, clip[0], clip[2], 224, 1, columns.data()); });
        runner.Launch({224, count}, [&] {
            resize_vertical_normalize(columns.data(), height, 224, clip[1], clip[3], 224, 1, 0.48145466f, 0.4578275f, 0.40821073f,
                                      0.26862954f, 0.26130258f, 0.27577711f, pixels.data());
        });
        Write("image_clip.bin", pixels);
        std::vector<unsigned char> small_columns(count * height * 16 * 3);
        std::vector<float> small(count * 3 * 16 * 16);
        runner.Launch({height, count}, [&] { resize_horizontal(images.data(), height, width, 16, 0, 16, 0, small_columns.data()); });
        runner.Launch({16, count}, [&] { resize_vertical_normalize(small_columns.data(), height, 16, 16, 0, 16, 0, 0.5f, 0.5f, 0.5f, 0.25f, 0.25f, 0.25f, small.data()); });
        Write("image_small.bin", small);
    }

    // DDIM steps of 3 latents x 333 values, guided (UNet layout: unconditional copy, then latents) and not;
    // the clip, the scale and the mel transpose; the per-row noise; the variational mean.
    {
        const int rows = 3, size = 333, count = rows * size;
        std::vector<float> x = Read<float>("ddim_x.bin", count), u = Read<float>("ddim_u.bin", count), c = Read<float>("ddim_c.bin", count);
        std::vector<double> k = Read<double>("ddim_coefficients.bin", 5);
        std::vector<unsigned long long> seeds = Read<unsigned long long>("ddim_seeds.bin", rows), streams = Read<unsigned long long>("ddim_streams.bin", rows);
        std::vector<float> sample(x), eps(u);
        sample.insert(sample.end(), x.begin(), x.end());
        eps.insert(eps.end(), c.begin(), c.end());
        runner.Launch({4}, [&] { ddim_step_rows(sample.data(), eps.data(), rows, size, 2, 2.5, k[0], k[1], k[2], k[3], k[4], seeds.data(), streams.data(), 5); });
        Write("ddim_guided.bin", sample);
        std::vector<float> plain(x);
        runner.Launch({4}, [&] { ddim_step_rows(plain.data(), c.data(), rows, size, 1, 1.0, k[0], k[1], k[2], k[3], k[4], seeds.data(), streams.data(), 5); });
        Write("ddim_plain.bin", plain);

        std::vector<float> clipped(x);
        std::vector<int> flags(rows, 0);
        runner.Launch({4}, [&] { flag_jobs_over(clipped.data(), size, rows, 100.0f, flags.data()); });
        runner.Launch({4}, [&] { clip_flagged_jobs(clipped.data(), size, rows, flags.data(), 10.0f); });
        Write("clip_values.bin", clipped);
        Write("clip_flags.bin", flags);

        std::vector<float> divided(count);
        runner.Launch({4}, [&] { divide_values(u.data(), divided.data(), count, 0.18215); });
        Write("divide.bin", divided);
        std::vector<float> transposed(2 * 5 * 7);
        runner.Launch({1}, [&] { transpose_last_two(c.data(), transposed.data(), 2, 5, 7); });
        Write("transpose.bin", transposed);

        std::vector<float> noise(2 * count);
        runner.Launch({4}, [&] { philox_normal_rows(noise.data(), rows, size, 2, seeds.data(), streams.data(), 3); });
        Write("philox_rows.bin", noise);

        const int elements = 3 * 77;
        std::vector<float> mu = Read<float>("variational_mu.bin", elements), log_var = Read<float>("variational_log_var.bin", elements), mean(elements);
        std::vector<unsigned long long> mapping_seeds = {42, 42, 5}, mapping_streams = {9, 10, 9};
        runner.Launch({1}, [&] { variational_mean_rows(mu.data(), log_var.data(), mean.data(), 3, 77, 8, mapping_seeds.data(), mapping_streams.data()); });
        Write("variational_mean.bin", mean);
    }

    RunSam2Resize(runner, "sam2_up_");
    RunSam2Resize(runner, "sam2_down_");
    RunSampler(runner, "sampler_guided_");
    RunSampler(runner, "sampler_plain_");

    // Selected-patch counts of 20 pairs (40 items) from one block of 32 threads: the grid-stride loop must cover them all.
    {
        const int pairs = 20;
        std::vector<float> remove = Read<float>("count_remove.bin", pairs * 256), add = Read<float>("count_add.bin", pairs * 256);
        std::vector<int> counts(2 * pairs, -1);
        runner.Launch({1}, [&] { count_selected(remove.data(), add.data(), pairs, counts.data()); });
        Write("count_counts.bin", counts);
    }

    narrow.reset();
    BlockRunner wide(256);

    // Row normalization, grid-stride with fewer blocks than rows; row 0 is zero.
    {
        const int rows = 37, columns = 100;
        std::vector<float> values = Read<float>("normalize.bin", rows * columns);
        wide.Launch({4}, [&] { l2_normalize_rows(values.data(), rows, columns); });
        Write("normalize_out.bin", values);
    }

    // The batched edit for 4 pairs, in both precisions, with the Gram eigenvectors from Jacobi.
    {
        const int pairs = 4, items = 2 * pairs, width = 768;
        std::vector<float> original = Read<float>("edit_original.bin", pairs * 257 * width);
        std::vector<float> edited = Read<float>("edit_edited.bin", pairs * 257 * width);
        std::vector<float> remove = Read<float>("edit_remove.bin", pairs * 256), add = Read<float>("edit_add.bin", pairs * 256);
        // The tokens arrive normalized (the engine's NormalizeTokens = false path): normalizing all of
        // them here would cost thousands of emulated block reductions; the kernel is checked below.
        std::vector<int> counts(items);
        wide.Launch({1}, [&] { count_selected(remove.data(), add.data(), pairs, counts.data()); });
        const int n = *std::max_element(counts.begin(), counts.end()) + 1;
        std::vector<double> rows((size_t)items * n * width);
        std::vector<float> rows32((size_t)items * n * width);
        wide.Launch({items}, [&] { gather_rows_f64(original.data(), edited.data(), remove.data(), add.data(), pairs, n, rows.data()); });
        wide.Launch({items}, [&] { gather_rows_f32(original.data(), edited.data(), remove.data(), add.data(), pairs, n, rows32.data()); });
        std::vector<double> vectors((size_t)items * n * n);
        std::vector<float> vectors32((size_t)items * n * n);
        for (int q = 0; q < items; ++q)
        {
            std::vector<double> gram(n * n);
            for (int i = 0; i < n; ++i)
                for (int j = 0; j < n; ++j)
                {
                    double sum = 0.0;
                    for (int c = 0; c < width; ++c)
                        sum += rows[((size_t)q * n + i) * width + c] * rows[((size_t)q * n + j) * width + c];
                    gram[i + n * j] = sum;
                }
            std::vector<double> v = Eigenvectors(n, gram);
            for (int e = 0; e < n * n; ++e)
            {
                vectors[(size_t)q * n * n + e] = v[e];
                vectors32[(size_t)q * n * n + e] = (float)v[e];
            }
        }
        std::vector<float> edits(items * width), edits32(items * width), background(pairs * width), embeddings(pairs * width);
        wide.Launch({items}, [&] { reweight_rows_f64(rows.data(), vectors.data(), counts.data(), pairs, n, 10, 0.1, 2.0, edits.data()); });
        wide.Launch({items}, [&] { reweight_rows_f32(rows32.data(), vectors32.data(), counts.data(), pairs, n, 10, 0.1, 2.0, edits32.data()); });
        wide.Launch({pairs}, [&] { background_mean(edited.data(), remove.data(), add.data(), pairs, background.data()); });
        wide.Launch({pairs}, [&] { combine_edit(edits.data(), background.data(), pairs, 0.2, 0.5, 0.3, embeddings.data()); });
        Write("edit_counts.bin", counts);
        Write("edit_edits.bin", edits);
        Write("edit_edits32.bin", edits32);
        Write("edit_background.bin", background);
        Write("edit_embeddings.bin", embeddings);
    }
    return 0;
}
