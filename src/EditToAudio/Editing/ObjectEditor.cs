using EditToAudio.Images;
using EditToAudio.Numerics;
using EditToAudio.Prompts;

namespace EditToAudio.Editing;

/// <summary>
/// The edit of an image pair with any number of removed and added objects. With
/// <see cref="ObjectCombination.Each"/>, every removed object gets its own suppression on the
/// original image's tokens and every added object its own boost on the edited image's tokens; E_sup
/// and E_boost are the L2-normalized means of those per-object embeddings, so a, b and g weigh unit
/// vectors whatever the number of objects, and every object counts the same whatever its size. With
/// <see cref="ObjectCombination.Union"/>, each side's masks are joined and edited once. The
/// background is the edited image's patches outside every object of both sides. One object per side
/// is exactly <see cref="EmbeddingEditor.Edit(ImageTokens, ImageTokens, float[], float[], EditParameters)"/>.
/// Stateless and thread-safe.
/// </summary>
public static class ObjectEditor
{
    /// <summary>Edits one pair whose objects are given as patch weights (256 values of 0 or 1 each).</summary>
    /// <param name="original">Tokens of the original image.</param>
    /// <param name="edited">Tokens of the edited image.</param>
    /// <param name="removeWeights">One weight array per removed object (possibly none).</param>
    /// <param name="addWeights">One weight array per added object (possibly none).</param>
    /// <param name="parameters">Hyperparameters.</param>
    /// <param name="combination">Each object its own edit, or the side's union edited once.</param>
    public static EditResult Edit(
        ImageTokens original, ImageTokens edited, IReadOnlyList<float[]> removeWeights, IReadOnlyList<float[]> addWeights,
        EditParameters parameters, ObjectCombination combination = ObjectCombination.Each)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Edit(original, edited, removeWeights, addWeights, [parameters], combination)[0];
    }

    /// <summary>
    /// Edits one pair under every setting of a sweep: each object's region is decomposed once for the
    /// largest k and re-weighted per setting, as <see cref="EmbeddingEditor"/> does for one object per side.
    /// Result i equals the edit with setting i alone, warnings included.
    /// </summary>
    /// <exception cref="ArgumentException">A weight array is not 256 values of 0 or 1, the token lengths differ, there is no setting or one is invalid.</exception>
    public static EditResult[] Edit(
        ImageTokens original, ImageTokens edited, IReadOnlyList<float[]> removeWeights, IReadOnlyList<float[]> addWeights,
        IReadOnlyList<EditParameters> settings, ObjectCombination combination = ObjectCombination.Each)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(edited);
        ArgumentNullException.ThrowIfNull(removeWeights);
        ArgumentNullException.ThrowIfNull(addWeights);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfZero(settings.Count);
        foreach (float[] weights in removeWeights.Concat(addWeights))
        {
            PatchWeights.CheckBinary(weights, nameof(removeWeights));
        }
        if (!Enum.IsDefined(combination))
        {
            throw new ArgumentOutOfRangeException(nameof(combination), combination, "Unknown object combination.");
        }
        float[] removeUnion = Union(removeWeights), addUnion = Union(addWeights);
        if (IsOneRegionPerSide(removeWeights.Count, addWeights.Count, combination))
        {
            // One region per side: the research method itself.
            EditResult[] singles = EmbeddingEditor.Edit(original, edited, removeUnion, addUnion, settings);
            return [.. singles.Select(edit => AsObjects(edit, removeWeights.Count, addWeights.Count))];
        }

        foreach (EditParameters setting in settings)
        {
            setting.Validate();
        }
        if (original.Dimension != edited.Dimension)
        {
            throw new ArgumentException($"Token lengths differ: original {original.Dimension}, edited {edited.Dimension}.", nameof(edited));
        }
        int maxK = settings.Max(s => s.K);
        RegionDecomposition[] removedRegions = [.. removeWeights.Select(w => RegionDecomposition.Create(original, w, maxK))];
        RegionDecomposition[] addedRegions = [.. addWeights.Select(w => RegionDecomposition.Create(edited, w, maxK))];
        var background = new List<string>();
        float[] backgroundEmbedding = EmbeddingEditor.Background(edited, removeUnion, addUnion, background);
        return [.. settings.Select(setting => FromObjectEdits(
            [.. removedRegions.Select(r => EditRegion(r, setting.K, setting.Alpha))],
            [.. addedRegions.Select(r => EditRegion(r, setting.K, setting.Beta))],
            removeWeights, addWeights, backgroundEmbedding, background, setting.Mix))];

        static float[] EditRegion(RegionDecomposition region, int k, double factor) => region.IsEmpty ? new float[region.Dimension] : region.Edit(k, factor);
    }

    /// <summary>
    /// Whether the pair is edited as one region per side (the research method itself, which every
    /// backend runs as such): the union combination, or at most one object on each side.
    /// </summary>
    public static bool IsOneRegionPerSide(int removed, int added, ObjectCombination combination) =>
        combination == ObjectCombination.Union || (removed <= 1 && added <= 1);

    /// <summary>
    /// A one-region-per-side edit as the edit of its objects: the per-object embeddings (none for a side
    /// without objects), and for a side without objects a warning that says so instead of the empty-mask one.
    /// </summary>
    /// <param name="unions">The edit of the sides' unions.</param>
    /// <param name="removed">Removed objects.</param>
    /// <param name="added">Added objects.</param>
    public static EditResult AsObjects(EditResult unions, int removed, int added)
    {
        ArgumentNullException.ThrowIfNull(unions);
        var warnings = new List<string>(unions.Warnings);
        if (removed == 0)
        {
            warnings.Remove(EmbeddingEditor.EmptyRegionWarning("The removed object's"));
        }
        if (added == 0)
        {
            warnings.Remove(EmbeddingEditor.EmptyRegionWarning("The added object's"));
        }
        AddNoObjectWarning("removed", removed, warnings);
        AddNoObjectWarning("added", added, warnings);
        return unions with
        {
            Warnings = warnings,
            RemovedObjects = removed == 0 ? [] : [unions.Suppressed],
            AddedObjects = added == 0 ? [] : [unions.Boosted],
        };
    }

    /// <summary>
    /// The edit of several objects per side from each object's own region edit, wherever those were
    /// computed (the CPU here, the GPU in the CUDA backend): the warnings about empty or zeroed objects,
    /// E_sup and E_boost as the normalized means, the background's warnings and the combination.
    /// </summary>
    /// <param name="removed">Each removed object's suppressed region embedding.</param>
    /// <param name="added">Each added object's boosted region embedding.</param>
    /// <param name="removeWeights">Each removed object's patch weights.</param>
    /// <param name="addWeights">Each added object's patch weights.</param>
    /// <param name="background">E_bg outside every object (<see cref="EmbeddingEditor.Background"/> of the unions).</param>
    /// <param name="backgroundWarnings">The warnings that came with <paramref name="background"/>.</param>
    /// <param name="mix">The combination weights.</param>
    public static EditResult FromObjectEdits(
        float[][] removed, float[][] added, IReadOnlyList<float[]> removeWeights, IReadOnlyList<float[]> addWeights,
        float[] background, IReadOnlyList<string> backgroundWarnings, MixWeights mix)
    {
        ArgumentNullException.ThrowIfNull(removed);
        ArgumentNullException.ThrowIfNull(added);
        ArgumentNullException.ThrowIfNull(removeWeights);
        ArgumentNullException.ThrowIfNull(addWeights);
        ArgumentNullException.ThrowIfNull(background);
        ArgumentNullException.ThrowIfNull(backgroundWarnings);
        var warnings = new List<string>();
        for (int i = 0; i < removed.Length; i++)
        {
            EmbeddingEditor.AddRegionWarning($"removed object {i + 1}", Rows(removeWeights[i]), removed[i], warnings, numbered: true);
        }
        for (int i = 0; i < added.Length; i++)
        {
            EmbeddingEditor.AddRegionWarning($"added object {i + 1}", Rows(addWeights[i]), added[i], warnings, numbered: true);
        }
        float[] suppressed = Mean(removed, background.Length), boosted = Mean(added, background.Length);
        AddNoObjectWarning("removed", removed.Length, warnings);
        AddNoObjectWarning("added", added.Length, warnings);
        warnings.AddRange(backgroundWarnings);
        float[] embedding = EmbeddingEditor.Combine(suppressed, boosted, background, mix, warnings);
        return new EditResult(embedding, suppressed, boosted, background, Union(removeWeights), Union(addWeights), warnings)
        {
            RemovedObjects = removed,
            AddedObjects = added,
        };
    }

    /// <summary>The patches any of the weight arrays selects (256 zeros for none).</summary>
    public static float[] Union(IReadOnlyList<float[]> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var union = new float[ClipGeometry.PatchCount];
        foreach (float[] w in weights)
        {
            for (int p = 0; p < union.Length; p++)
            {
                union[p] = Math.Max(union[p], w[p]);
            }
        }
        return union;
    }

    /// <summary>Rows of an object's region: its patches and the CLS token, or none for an empty mask.</summary>
    private static int Rows(float[] weights) => weights.Count(w => w > 0.5f) is int selected and > 0 ? selected + 1 : 0;

    /// <summary>The L2-normalized mean of the vectors; the vector itself for one, zeros for none.</summary>
    private static float[] Mean(float[][] vectors, int dimension)
    {
        if (vectors.Length == 1)
        {
            return vectors[0];
        }
        var sum = new double[dimension];
        foreach (float[] vector in vectors)
        {
            for (int j = 0; j < dimension; j++)
            {
                sum[j] += vector[j];
            }
        }
        return VectorMath.NormalizedToSingle(sum);
    }

    private static void AddNoObjectWarning(string which, int count, List<string> warnings)
    {
        if (count == 0)
        {
            warnings.Add($"No {which} object: its part of the edit is zero.");
        }
    }
}
