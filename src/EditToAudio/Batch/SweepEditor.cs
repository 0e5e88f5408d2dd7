using EditToAudio.Editing;
using EditToAudio.Images;

namespace EditToAudio.Batch;

/// <summary>
/// The edit of one image pair under many settings with one eigendecomposition per (image, mask)
/// (design brief, section 4): each region is decomposed once for the largest k, then every
/// setting re-weights its rows; the background is computed once. Each result equals
/// <see cref="EmbeddingEditor.Edit(ImageTokens, ImageTokens, float[], float[], EditParameters)"/>
/// with that setting, warnings included. Stateless and thread-safe.
/// </summary>
public static class SweepEditor
{
    /// <summary>Edits the pair under every setting; all settings must share one mask alignment (the patch weights are given).</summary>
    public static EditResult[] Edit(ImageTokens original, ImageTokens edited, float[] removeWeights, float[] addWeights, IReadOnlyList<EditParameters> settings)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(edited);
        ArgumentNullException.ThrowIfNull(removeWeights);
        ArgumentNullException.ThrowIfNull(addWeights);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfZero(settings.Count);
        foreach (EditParameters setting in settings)
        {
            setting.Validate();
        }
        if (original.Dimension != edited.Dimension)
        {
            throw new ArgumentException($"Token lengths differ: original {original.Dimension}, edited {edited.Dimension}.", nameof(edited));
        }

        int maxK = settings.Max(s => s.K);
        var removed = RegionDecomposition.Create(original, removeWeights, maxK);
        var added = RegionDecomposition.Create(edited, addWeights, maxK);
        var backgroundWarnings = new List<string>();
        float[] background = EmbeddingEditor.Background(edited, removeWeights, addWeights, backgroundWarnings);

        var results = new EditResult[settings.Count];
        for (int i = 0; i < settings.Count; i++)
        {
            EditParameters setting = settings[i];
            var warnings = new List<string>();
            float[] suppressed = EmbeddingEditor.EditRegion(removed, setting.K, setting.Alpha, "removed", warnings);
            float[] boosted = EmbeddingEditor.EditRegion(added, setting.K, setting.Beta, "added", warnings);
            warnings.AddRange(backgroundWarnings);
            float[] embedding = EmbeddingEditor.Combine(suppressed, boosted, background, setting.Mix, warnings);
            results[i] = new EditResult(embedding, suppressed, boosted, background, removeWeights, addWeights, warnings);
        }
        return results;
    }
}
