namespace EditToAudio.Editing;

/// <summary>The edited CLIP embedding of one image pair and its parts.</summary>
/// <param name="Embedding">E = L2(a·E_sup + b·E_boost + g·E_bg).</param>
/// <param name="Suppressed">E_sup: the removed object's region with its top singular values scaled by α (original image).</param>
/// <param name="Boosted">E_boost: the added object's region with its top singular values scaled by β (edited image).</param>
/// <param name="Background">E_bg: normalized mean of the edited image's patches outside both masks.</param>
/// <param name="RemovePatchWeights">The removed objects' 16×16 patch weights (row-major, 0 or 1; the union of all removed objects').</param>
/// <param name="AddPatchWeights">The added objects' 16×16 patch weights (row-major, 0 or 1; the union of all added objects').</param>
/// <param name="Warnings">Conditions the reference method warns about (empty regions, weights not summing to 1, …).</param>
public sealed record EditResult(
    float[] Embedding,
    float[] Suppressed,
    float[] Boosted,
    float[] Background,
    float[] RemovePatchWeights,
    float[] AddPatchWeights,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Each removed object's own suppressed embedding, in object order (with the union combination, the one union region's).</summary>
    public IReadOnlyList<float[]> RemovedObjects { get; init; } = [Suppressed];

    /// <summary>Each added object's own boosted embedding, in object order (with the union combination, the one union region's).</summary>
    public IReadOnlyList<float[]> AddedObjects { get; init; } = [Boosted];
}
