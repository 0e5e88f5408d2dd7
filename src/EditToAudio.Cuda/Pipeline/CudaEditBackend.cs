using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Editing;
using EditToAudio.Images;

namespace EditToAudio.Cuda.Pipeline;

/// <summary>
/// The edit math of a batch of pairs on the GPU (<see cref="GpuEditPipeline"/>: normalization,
/// gather, cuBLAS Gram, batched syevj, re-weighting, background, combination), behind the same
/// interface as the CPU backend. Patch weights are computed on the host (a 256-value grid per
/// mask, negligible next to the tokens) and the warnings are the CPU's, from
/// <see cref="EmbeddingEditor.FromParts"/>. Thread-safe: batches from several threads are run
/// one after another on the engine's stream.
/// </summary>
public sealed class CudaEditBackend : IEditBackend, IDisposable
{
    private readonly GpuEditPipeline _pipeline;
    private readonly EigenPrecision _precision;
    private readonly Lock _gate = new();

    /// <summary>Runs on <paramref name="kernels"/>' context and stream (which the caller keeps); float64 eigenvectors by default, as the CPU computes them.</summary>
    public CudaEditBackend(EngineKernels kernels, EigenPrecision precision = EigenPrecision.DoublePrecision)
    {
        _pipeline = new GpuEditPipeline(kernels);
        _precision = precision;
    }

    /// <inheritdoc/>
    public string Name => "cuda";

    /// <inheritdoc/>
    public IReadOnlyList<EditResult> Edit(IReadOnlyList<EditPair> pairs, EditParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        if (pairs.Count == 0)
        {
            return [];
        }
        const int perImage = EngineKernels.Tokens * EngineKernels.Width;
        var original = new float[(long)pairs.Count * perImage];
        var edited = new float[(long)pairs.Count * perImage];
        var removeWeights = new float[pairs.Count][];
        var addWeights = new float[pairs.Count][];
        for (int p = 0; p < pairs.Count; p++)
        {
            EditPair pair = pairs[p];
            if (pair.Original.Dimension != EngineKernels.Width || pair.Edited.Dimension != EngineKernels.Width)
            {
                throw new ArgumentException($"Pair {p}: the CUDA edit takes {EngineKernels.Width}-wide tokens, got {pair.Original.Dimension} and {pair.Edited.Dimension}.", nameof(pairs));
            }
            for (int t = 0; t < EngineKernels.Tokens; t++)
            {
                pair.Original.Raw(t).CopyTo(original.AsSpan(p * perImage + t * EngineKernels.Width, EngineKernels.Width));
                pair.Edited.Raw(t).CopyTo(edited.AsSpan(p * perImage + t * EngineKernels.Width, EngineKernels.Width));
            }
            removeWeights[p] = PatchWeights.FromMask(pair.RemoveMask, parameters.MaskAlignment);
            addWeights[p] = PatchWeights.FromMask(pair.AddMask, parameters.MaskAlignment);
        }
        HostEditResult result;
        lock (_gate)
        {
            result = _pipeline.Run(original, edited, removeWeights.SelectMany(w => w).ToArray(), addWeights.SelectMany(w => w).ToArray(),
                pairs.Count, Settings(parameters), cancellationToken: cancellationToken);
        }

        var results = new EditResult[pairs.Count];
        for (int p = 0; p < pairs.Count; p++)
        {
            results[p] = EmbeddingEditor.FromParts(
                Row(result.Embeddings, p), Row(result.Edits, p), Row(result.Edits, pairs.Count + p), Row(result.Background, p),
                removeWeights[p], addWeights[p], parameters.Mix);
        }
        return results;

        static float[] Row(float[] rows, int index) => rows.AsSpan(index * EngineKernels.Width, EngineKernels.Width).ToArray();
    }

    /// <summary>
    /// Edits one pair whose L2-normalized tokens (<c>[257, 768]</c> each) are already on the device. Returns
    /// the device result, which the caller disposes (its embedding can feed the next stage where it is),
    /// and its host copy with the CPU's warnings.
    /// </summary>
    internal (GpuEditResult Device, EditResult Result) EditOnDevice(DeviceBuffer<float> original, DeviceBuffer<float> edited,
        BinaryMask removeMask, BinaryMask addMask, EditParameters parameters, CancellationToken cancellationToken)
    {
        parameters.Validate();
        float[] removeWeights = PatchWeights.FromMask(removeMask, parameters.MaskAlignment);
        float[] addWeights = PatchWeights.FromMask(addMask, parameters.MaskAlignment);
        CudaContext context = original.Context;
        using DeviceBuffer<float> remove = context.Upload<float>(removeWeights);
        using DeviceBuffer<float> add = context.Upload<float>(addWeights);
        GpuEditResult device;
        lock (_gate)
        {
            device = _pipeline.Run(original, edited, remove, add, 1, Settings(parameters) with { NormalizeTokens = false }, cancellationToken: cancellationToken);
        }
        try
        {
            CudaStream stream = context.Stream;
            float[] edits = device.Edits.ToArray(stream);
            EditResult result = EmbeddingEditor.FromParts(device.Embeddings.ToArray(stream), edits[..EngineKernels.Width], edits[EngineKernels.Width..],
                device.Background.ToArray(stream), removeWeights, addWeights, parameters.Mix);
            return (device, result);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    private GpuEditSettings Settings(EditParameters parameters) => new()
    {
        TopK = parameters.K,
        SuppressFactor = parameters.Alpha,
        BoostFactor = parameters.Beta,
        SuppressWeight = parameters.Mix.Suppressed,
        BoostWeight = parameters.Mix.Boosted,
        BackgroundWeight = parameters.Mix.Background,
        Precision = _precision,
    };

    /// <summary>Frees the cuBLAS and cuSOLVER handles and the scratch buffers.</summary>
    public void Dispose() => _pipeline.Dispose();
}
