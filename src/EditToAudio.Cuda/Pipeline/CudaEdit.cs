using System.Globalization;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Editing;
using EditToAudio.Images;

namespace EditToAudio.Cuda.Pipeline;

/// <summary>
/// The CUDA backend's edit: jobs that share their settings go through <see cref="CudaEditPipeline"/>
/// together (one eigendecomposition per region serves every setting, as on the CPU). Patch weights
/// are computed on the host (a 256-value grid per mask, negligible next to the tokens); the warnings
/// are the CPU's (<see cref="EmbeddingEditor.FromParts"/>) plus the GPU's own diagnostics: a region
/// whose eigendecomposition did not converge says so in its pair's results. With several objects per
/// side, every object's region is edited on the GPU and the means, the background outside every
/// object and the combination (a few vectors of 768) are <see cref="ObjectEditor.FromObjectEdits"/>
/// on the host, so both backends share one definition. Not thread-safe: the backend calls it under its lock.
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
        MaskAlignment alignment = settings[0].MaskAlignment;
        // A pair edited as one region per side is one GPU pair (its sides' unions); a pair with several
        // objects per side is one GPU pair per object index (object i of each side, zeros where a side
        // has fewer), whose region edits the host then averages and combines as the CPU does.
        var weights = new (float[][] Remove, float[][] Add)[pairs.Length];
        var first = new int[pairs.Length];
        var regions = new List<(int Pair, float[] Remove, float[] Add)>();
        for (int p = 0; p < pairs.Length; p++)
        {
            weights[p] = pairs[p].PatchWeights(alignment);
            first[p] = regions.Count;
            (float[][] remove, float[][] add) = weights[p];
            if (pairs[p].IsOneRegionPerSide)
            {
                regions.Add((p, ObjectEditor.Union(remove), ObjectEditor.Union(add)));
                continue;
            }
            for (int i = 0; i < Math.Max(remove.Length, add.Length); i++)
            {
                regions.Add((p, i < remove.Length ? remove[i] : new float[ClipGeometry.PatchCount], i < add.Length ? add[i] : new float[ClipGeometry.PatchCount]));
            }
        }
        int count = regions.Count;
        var original = new float[(long)count * perImage];
        var edited = new float[(long)count * perImage];
        for (int r = 0; r < count; r++)
        {
            EditPair pair = pairs[regions[r].Pair];
            for (int t = 0; t < EngineKernels.Tokens; t++)
            {
                pair.Original.Raw(t).CopyTo(original.AsSpan(r * perImage + t * EngineKernels.Width, EngineKernels.Width));
                pair.Edited.Raw(t).CopyTo(edited.AsSpan(r * perImage + t * EngineKernels.Width, EngineKernels.Width));
            }
        }
        CudaHostEditResult result = Pipeline.Run(original, edited, [.. regions.SelectMany(r => r.Remove)], [.. regions.SelectMany(r => r.Add)],
            count, settings, options, cancellationToken: cancellationToken);

        var results = new EditResult[pairs.Length][];
        for (int p = 0; p < pairs.Length; p++)
        {
            (float[][] remove, float[][] add) = weights[p];
            int r0 = first[p];
            results[p] = new EditResult[settings.Count];
            if (pairs[p].IsOneRegionPerSide)
            {
                string[] diagnostics = [.. Diagnostics(result.NotConverged[r0], "removed object"), .. Diagnostics(result.NotConverged[count + r0], "added object")];
                for (int s = 0; s < settings.Count; s++)
                {
                    EditResult parts = EmbeddingEditor.FromParts(
                        Row(result.Embeddings, s * count + r0), Row(result.Edits, s * 2 * count + r0), Row(result.Edits, s * 2 * count + count + r0),
                        Row(result.Background, r0), regions[r0].Remove, regions[r0].Add, settings[s].Mix);
                    parts = ObjectEditor.AsObjects(parts, remove.Length, add.Length);
                    results[p][s] = diagnostics.Length == 0 ? parts : parts with { Warnings = [.. parts.Warnings, .. diagnostics] };
                }
                continue;
            }
            string[] objectDiagnostics =
            [
                .. Enumerable.Range(0, remove.Length).SelectMany(i => Diagnostics(result.NotConverged[r0 + i], $"removed object {i + 1}")),
                .. Enumerable.Range(0, add.Length).SelectMany(i => Diagnostics(result.NotConverged[count + r0 + i], $"added object {i + 1}")),
            ];
            var backgroundWarnings = new List<string>();
            float[] background = EmbeddingEditor.Background(pairs[p].Edited, ObjectEditor.Union(remove), ObjectEditor.Union(add), backgroundWarnings);
            for (int s = 0; s < settings.Count; s++)
            {
                int offset = s * 2 * count + r0;
                EditResult parts = ObjectEditor.FromObjectEdits(
                    [.. Enumerable.Range(0, remove.Length).Select(i => Row(result.Edits, offset + i))],
                    [.. Enumerable.Range(0, add.Length).Select(i => Row(result.Edits, offset + count + i))],
                    remove, add, background, backgroundWarnings, settings[s].Mix);
                results[p][s] = objectDiagnostics.Length == 0 ? parts : parts with { Warnings = [.. parts.Warnings, .. objectDiagnostics] };
            }
        }
        return results;

        static float[] Row(float[] rows, int index) => rows.AsSpan(index * EngineKernels.Width, EngineKernels.Width).ToArray();
    }

    /// <summary>What the GPU adds to the CPU's warnings: an eigendecomposition that stopped short of its tolerance.</summary>
    private string[] Diagnostics(bool notConverged, string which) => notConverged
        ? [string.Create(CultureInfo.InvariantCulture,
            $"The GPU eigensolver (cuSOLVER syevjBatched) did not reach its tolerance within {options.EigenMaxSweeps} sweeps for the {which}'s region; its edit may be less accurate.")]
        : [];

    /// <summary>Frees the pipeline's handles and scratch buffers.</summary>
    public void Dispose() => _pipeline?.Dispose();
}
