using EditToAudio.Models;

namespace EditToAudio.Evaluation;

/// <summary>
/// The scores of one pair, by name. Embeddings are named by what made them: <c>manipulated</c> (the
/// edited embedding and its clip), <c>original</c> and <c>edited</c> (each image's plain CLIP
/// embedding and the baseline made from it).
/// <list type="bullet">
/// <item><c>clip.X_vs_Y.M</c>, <c>clap.X_vs_Y.M</c>: the research code's embedding comparisons (M = cosine,
/// l2, l1, mean_abs, max_abs) at the CLIP level and of the conditioning CLAP embeddings.</item>
/// <item><c>clap.X.label_R</c>, <c>audio.X.label_R</c>: cosine of a conditioning embedding, or of a clip's
/// CLAP audio embedding, with the text embedding of the removed or added object's label (the mean over
/// the objects of that role); <c>L.manipulated.label_margin</c> = cos(manipulated, added) − cos(manipulated, removed),
/// which needs no baseline.</item>
/// <item><c>audio.X.conditioning</c>: a clip's audio embedding against the embedding it was generated from;
/// <c>audio.X_vs_Y.cosine</c>: two clips against each other; <c>audio.toward_edited</c>:
/// cos(manipulated, edited) − cos(manipulated, original).</item>
/// <item><c>L.edit_effect.toward_added</c> = cos(manipulated, added) − cos(original, added),
/// <c>away_from_removed</c> = cos(original, removed) − cos(manipulated, removed), <c>total</c> their sum:
/// how far the edit moved from the original image's baseline toward the added object and away from the
/// removed one (L = clap for the conditioning embeddings, audio for the clips); <c>audio.edited_effect</c>
/// is the same for the edited image's plain baseline, the reference a perfect edit would reach.</item>
/// </list>
/// </summary>
internal static class PairScorer
{
    public static Dictionary<string, double> Score(
        PairData pair, IReadOnlyList<ObjectLabel> labels, LabelTable? table, IReadOnlyDictionary<ClipRole, float[]> audio, List<string> absent)
    {
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        void Compare(string key, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            VectorComparison comparison = VectorComparison.Of(a, b);
            for (int m = 0; m < VectorComparison.Names.Count; m++)
            {
                scores[$"{key}.{VectorComparison.Names[m]}"] = comparison.Values[m];
            }
        }

        Compare("clip.manipulated_vs_original", pair.EditedClip, pair.OriginalClip);
        Compare("clip.manipulated_vs_edited", pair.EditedClip, pair.EditedImageClip);
        Compare("clip.original_vs_edited", pair.OriginalClip, pair.EditedImageClip);

        var conditioning = new Dictionary<string, float[]> { ["manipulated"] = pair.Clap };
        if (pair.BaselineOriginalClap is { } originalClap && pair.BaselineEditedClap is { } editedClap)
        {
            conditioning["original"] = originalClap;
            conditioning["edited"] = editedClap;
            Compare("clap.manipulated_vs_original", pair.Clap, originalClap);
            Compare("clap.manipulated_vs_edited", pair.Clap, editedClap);
            Compare("clap.original_vs_edited", originalClap, editedClap);
        }

        var clips = new Dictionary<string, float[]>();
        foreach ((ClipRole role, float[] embedding) in audio)
        {
            string name = Name(role);
            clips[name] = embedding;
            if (conditioning.TryGetValue(name, out float[]? source))
            {
                scores[$"audio.{name}.conditioning"] = VectorComparison.CosineOf(embedding, source);
            }
        }
        if (clips.TryGetValue("manipulated", out float[]? m) && clips.TryGetValue("original", out float[]? o) && clips.TryGetValue("edited", out float[]? e))
        {
            double towardOriginal = VectorComparison.CosineOf(m, o), towardEdited = VectorComparison.CosineOf(m, e);
            scores["audio.manipulated_vs_original.cosine"] = towardOriginal;
            scores["audio.manipulated_vs_edited.cosine"] = towardEdited;
            scores["audio.original_vs_edited.cosine"] = VectorComparison.CosineOf(o, e);
            scores["audio.toward_edited"] = towardEdited - towardOriginal;
        }

        if (labels.Count == 0)
        {
            absent.Add("label scores (no labels given for this pair: --label removed=… --label added=…, or removed_label/added_label in the manifest)");
            return scores;
        }
        if (table is null)
        {
            throw new InvalidOperationException("Labels were given without a label table.");
        }
        foreach (ObjectRole role in Enum.GetValues<ObjectRole>().Where(r => !labels.Any(l => l.Role == r)))
        {
            absent.Add($"the {role.ToString().ToLowerInvariant()} object's label (so no edit effect)");
        }
        LabelScores("clap", conditioning, labels, table, scores);
        LabelScores("audio", clips, labels, table, scores);
        return scores;
    }

    /// <summary>The name a clip role has in score keys.</summary>
    public static string Name(ClipRole role) => role switch
    {
        ClipRole.Manipulated => "manipulated",
        ClipRole.BaselineOriginal => "original",
        _ => "edited",
    };

    private static void LabelScores(string level, Dictionary<string, float[]> embeddings, IReadOnlyList<ObjectLabel> labels, LabelTable table, Dictionary<string, double> scores)
    {
        var cosines = new Dictionary<(string, ObjectRole), double>();
        foreach ((string name, float[] embedding) in embeddings)
        {
            foreach (var role in labels.GroupBy(l => l.Role))
            {
                double mean = role.Average(l => VectorComparison.CosineOf(embedding, table.Embedding(l.Name)));
                cosines[(name, role.Key)] = mean;
                scores[$"{level}.{name}.label_{role.Key.ToString().ToLowerInvariant()}"] = mean;
            }
        }
        if (cosines.TryGetValue(("manipulated", ObjectRole.Added), out double added) && cosines.TryGetValue(("manipulated", ObjectRole.Removed), out double removed))
        {
            scores[$"{level}.manipulated.label_margin"] = added - removed;
        }
        Effect(level, "edit_effect", "manipulated", cosines, scores);
        if (level == "audio")
        {
            Effect(level, "edited_effect", "edited", cosines, scores);
        }
    }

    private static void Effect(string level, string key, string moved, Dictionary<(string, ObjectRole), double> cosines, Dictionary<string, double> scores)
    {
        bool toward = cosines.TryGetValue((moved, ObjectRole.Added), out double movedAdded) & cosines.TryGetValue(("original", ObjectRole.Added), out double originalAdded);
        bool away = cosines.TryGetValue((moved, ObjectRole.Removed), out double movedRemoved) & cosines.TryGetValue(("original", ObjectRole.Removed), out double originalRemoved);
        if (toward)
        {
            scores[$"{level}.{key}.toward_added"] = movedAdded - originalAdded;
        }
        if (away)
        {
            scores[$"{level}.{key}.away_from_removed"] = originalRemoved - movedRemoved;
        }
        if (toward && away)
        {
            scores[$"{level}.{key}.total"] = movedAdded - originalAdded + originalRemoved - movedRemoved;
        }
    }
}
