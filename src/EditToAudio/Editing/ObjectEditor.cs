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
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(edited);
        ArgumentNullException.ThrowIfNull(removeWeights);
        ArgumentNullException.ThrowIfNull(addWeights);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        foreach (float[] weights in removeWeights.Concat(addWeights))
        {
            PatchWeights.CheckBinary(weights, nameof(removeWeights));
        }
        if (!Enum.IsDefined(combination))
        {
            throw new ArgumentOutOfRangeException(nameof(combination), combination, "Unknown object combination.");
        }
        float[] removeUnion = Union(removeWeights), addUnion = Union(addWeights);
        if (combination == ObjectCombination.Union || (removeWeights.Count == 1 && addWeights.Count == 1))
        {
            // One region per side: the research method itself.
            EditResult single = EmbeddingEditor.Edit(original, edited, removeUnion, addUnion, parameters);
            var warnings = new List<string>(single.Warnings);
            AddNoObjectWarning("removed", removeWeights.Count, warnings);
            AddNoObjectWarning("added", addWeights.Count, warnings);
            return single with
            {
                Warnings = warnings,
                RemovedObjects = removeWeights.Count == 0 ? [] : [single.Suppressed],
                AddedObjects = addWeights.Count == 0 ? [] : [single.Boosted],
            };
        }

        var notes = new List<string>();
        float[][] removed = EditEach(original, removeWeights, parameters.K, parameters.Alpha, "removed", notes);
        float[][] added = EditEach(edited, addWeights, parameters.K, parameters.Beta, "added", notes);
        float[] suppressed = Mean(removed, edited.Dimension), boosted = Mean(added, edited.Dimension);
        AddNoObjectWarning("removed", removeWeights.Count, notes);
        AddNoObjectWarning("added", addWeights.Count, notes);
        float[] background = EmbeddingEditor.Background(edited, removeUnion, addUnion, notes);
        float[] embedding = EmbeddingEditor.Combine(suppressed, boosted, background, parameters.Mix, notes);
        return new EditResult(embedding, suppressed, boosted, background, removeUnion, addUnion, notes)
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

    private static float[][] EditEach(ImageTokens tokens, IReadOnlyList<float[]> weights, int k, double factor, string which, List<string> warnings)
    {
        var edits = new float[weights.Count][];
        for (int i = 0; i < weights.Count; i++)
        {
            RegionDecomposition region = RegionDecomposition.Create(tokens, weights[i], k);
            edits[i] = EmbeddingEditor.EditRegion(region, k, factor, which, warnings, number: i + 1);
        }
        return edits;
    }

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
