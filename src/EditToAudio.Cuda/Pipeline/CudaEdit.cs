using System.Globalization;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Editing;

namespace EditToAudio.Cuda.Pipeline;

/// <summary>
/// The CUDA backend's edit: jobs that share their settings go through <see cref="CudaEditPipeline"/>
/// together (one eigendecomposition per region serves every setting, as on the CPU). Patch weights
/// are computed on the host (a 256-value grid per mask, negligible next to the tokens); the warnings
/// are the CPU's (<see cref="EmbeddingEditor.FromParts"/>) plus the GPU's own diagnostics: a region
/// whose eigendecomposition did not converge says so in its pair's results. Not thread-safe: the
/// backend calls it under its lock.
/// </summary>
internal sealed class CudaEdit(EngineKernels kernels, CudaEditOptions options) : IDisposable
{
    private CudaEditPipeline? _pipeline;

    /// <summary>The pipeline, created on first use (its cuBLAS and cuSOLVER handles take device memory).</summary>
    public CudaEditPipeline Pipeline => _pipeline ??= new CudaEditPipeline(kernels);

    public IReadOnlyList<EditResult[]> Edit(IReadOnlyList<EditJob> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        foreach (EditJob job in jobs)
        {
            job.Validate();
            EditPair pair = job.Pair;
            if (pair.Original.Dimension != EngineKernels.Width || pair.Edited.Dimension != EngineKernels.Width)
            {
                throw new ArgumentException($"The CUDA edit takes {EngineKernels.Width}-wide tokens, got {pair.Original.Dimension} and {pair.Edited.Dimension}.", nameof(jobs));
            }
        }
        var results = new EditResult[jobs.Count][];
        foreach (List<int> group in GroupBySettings(jobs))
        {
            EditResult[][] edited = EditGroup([.. group.Select(j => jobs[j].Pair)], jobs[group[0]].Settings, cancellationToken);
            for (int i = 0; i < group.Count; i++)
            {
                results[group[i]] = edited[i];
            }
        }
        return results;
    }

    /// <summary>Job indices grouped by identical settings lists, in first-seen order.</summary>
    private static List<List<int>> GroupBySettings(IReadOnlyList<EditJob> jobs)
    {
        var groups = new List<List<int>>();
        for (int j = 0; j < jobs.Count; j++)
        {
            List<int>? group = groups.Find(g => jobs[g[0]].Settings.SequenceEqual(jobs[j].Settings));
            if (group is null)
            {
                groups.Add([j]);
            }
            else
            {
                group.Add(j);
            }
        }
        return groups;
    }

    private EditResult[][] EditGroup(EditPair[] pairs, IReadOnlyList<EditParameters> settings, CancellationToken cancellationToken)
    {
        const int perImage = EngineKernels.Tokens * EngineKernels.Width;
        int count = pairs.Length;
        MaskAlignment alignment = settings[0].MaskAlignment;
        var original = new float[(long)count * perImage];
        var edited = new float[(long)count * perImage];
        var removeWeights = new float[count][];
        var addWeights = new float[count][];
        for (int p = 0; p < count; p++)
        {
            for (int t = 0; t < EngineKernels.Tokens; t++)
            {
                pairs[p].Original.Raw(t).CopyTo(original.AsSpan(p * perImage + t * EngineKernels.Width, EngineKernels.Width));
                pairs[p].Edited.Raw(t).CopyTo(edited.AsSpan(p * perImage + t * EngineKernels.Width, EngineKernels.Width));
            }
            removeWeights[p] = PatchWeights.FromMask(pairs[p].RemoveMask, alignment);
            addWeights[p] = PatchWeights.FromMask(pairs[p].AddMask, alignment);
        }
        CudaHostEditResult result = Pipeline.Run(original, edited, [.. removeWeights.SelectMany(w => w)], [.. addWeights.SelectMany(w => w)],
            count, settings, options, cancellationToken: cancellationToken);

        var results = new EditResult[count][];
        for (int p = 0; p < count; p++)
        {
            string[] diagnostics = Diagnostics(result.NotConverged[p], result.NotConverged[count + p]);
            results[p] = new EditResult[settings.Count];
            for (int s = 0; s < settings.Count; s++)
            {
                EditResult parts = EmbeddingEditor.FromParts(
                    Row(result.Embeddings, s * count + p), Row(result.Edits, s * 2 * count + p), Row(result.Edits, s * 2 * count + count + p),
                    Row(result.Background, p), removeWeights[p], addWeights[p], settings[s].Mix);
                results[p][s] = diagnostics.Length == 0 ? parts : parts with { Warnings = [.. parts.Warnings, .. diagnostics] };
            }
        }
        return results;

        static float[] Row(float[] rows, int index) => rows.AsSpan(index * EngineKernels.Width, EngineKernels.Width).ToArray();
    }

    /// <summary>What the GPU adds to the CPU's warnings: an eigendecomposition that stopped short of its tolerance.</summary>
    private string[] Diagnostics(bool removedNotConverged, bool addedNotConverged) =>
    [
        .. removedNotConverged ? [NotConverged("removed")] : Array.Empty<string>(),
        .. addedNotConverged ? [NotConverged("added")] : Array.Empty<string>(),
    ];

    private string NotConverged(string which) => string.Create(CultureInfo.InvariantCulture,
        $"The GPU eigensolver (cuSOLVER syevjBatched) did not reach its tolerance within {options.EigenMaxSweeps} sweeps for the {which} object's region; its edit may be less accurate.");

    /// <summary>Frees the pipeline's handles and scratch buffers.</summary>
    public void Dispose() => _pipeline?.Dispose();
}
