using System.Globalization;
using EditToAudio.Images;
using EditToAudio.Numerics;
using EditToAudio.Prompts;

namespace EditToAudio.Editing;

/// <summary>
/// The research method's edit of CLIP embeddings: suppress the removed object's top singular
/// directions, boost the added one's, and mix in the background (design brief, section 2).
/// Stateless and thread-safe.
/// </summary>
public static class EmbeddingEditor
{
    /// <summary>Tolerance on |a+b+g−1| before the combination warns.</summary>
    public const double MixSumTolerance = 0.01;

    /// <summary>Edits one image pair.</summary>
    /// <param name="original">Tokens of the original image (the removed object is in it).</param>
    /// <param name="edited">Tokens of the edited image (the added object is in it).</param>
    /// <param name="removeMask">Mask of the removed object, at the original image's resolution.</param>
    /// <param name="addMask">Mask of the added object, at the edited image's resolution.</param>
    /// <param name="parameters">Hyperparameters.</param>
    public static EditResult Edit(ImageTokens original, ImageTokens edited, BinaryMask removeMask, BinaryMask addMask, EditParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(edited);
        ArgumentNullException.ThrowIfNull(removeMask);
        ArgumentNullException.ThrowIfNull(addMask);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        float[] removeWeights = PatchWeights.FromMask(removeMask, parameters.MaskAlignment);
        float[] addWeights = PatchWeights.FromMask(addMask, parameters.MaskAlignment);
        return Edit(original, edited, removeWeights, addWeights, parameters);
    }

    /// <summary>Edits one image pair whose masks are already patch weights (256 values, 0 or 1).</summary>
    /// <exception cref="ArgumentException">A weight array is not 256 values of 0 or 1, or the token lengths differ.</exception>
    public static EditResult Edit(ImageTokens original, ImageTokens edited, float[] removeWeights, float[] addWeights, EditParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Edit(original, edited, removeWeights, addWeights, [parameters])[0];
    }

    /// <summary>
    /// Edits one image pair under every setting of a sweep with one eigendecomposition per (image, mask)
    /// (design brief, section 4): each region is decomposed once for the largest k, then every setting
    /// re-weights its rows; the background is computed once. Result i equals the edit with setting i
    /// alone, warnings included. The patch weights are given, so the mask alignment of the settings is not used.
    /// </summary>
    /// <exception cref="ArgumentException">A weight array is not 256 values of 0 or 1, the token lengths differ, there is no setting or one is invalid.</exception>
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
        PatchWeights.CheckBinary(removeWeights, nameof(removeWeights));
        PatchWeights.CheckBinary(addWeights, nameof(addWeights));
        if (original.Dimension != edited.Dimension)
        {
            throw new ArgumentException($"Token lengths differ: original {original.Dimension}, edited {edited.Dimension}.", nameof(edited));
        }

        int maxK = settings.Max(s => s.K);
        var removed = RegionDecomposition.Create(original, removeWeights, maxK);
        var added = RegionDecomposition.Create(edited, addWeights, maxK);
        var backgroundWarnings = new List<string>();
        float[] background = Background(edited, removeWeights, addWeights, backgroundWarnings);

        var results = new EditResult[settings.Count];
        for (int i = 0; i < settings.Count; i++)
        {
            EditParameters setting = settings[i];
            var warnings = new List<string>();
            float[] suppressed = EditRegion(removed, setting.K, setting.Alpha, "removed", warnings);
            float[] boosted = EditRegion(added, setting.K, setting.Beta, "added", warnings);
            warnings.AddRange(backgroundWarnings);
            float[] embedding = Combine(suppressed, boosted, background, setting.Mix, warnings);
            results[i] = new EditResult(embedding, suppressed, boosted, background, removeWeights, addWeights, warnings);
        }
        return results;
    }

    /// <summary>
    /// Edits the pair of <paramref name="job"/> under each of its settings (the patch weights once, with the
    /// settings' shared alignment); several objects per side go through <see cref="ObjectEditor"/>.
    /// </summary>
    public static EditResult[] Edit(EditJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Validate();
        EditPair pair = job.Pair;
        (float[][] remove, float[][] add) = pair.PatchWeights(job.Settings[0].MaskAlignment);
        return ObjectEditor.Edit(pair.Original, pair.Edited, remove, add, job.Settings, pair.Combination);
    }

    /// <summary>
    /// Edits a batch of jobs in parallel over at most <paramref name="maxDegreeOfParallelism"/> threads
    /// (all cores when null). Results keep the order of <paramref name="jobs"/>, one per setting of each job.
    /// </summary>
    public static EditResult[][] EditBatch(
        IReadOnlyList<EditJob> jobs,
        int? maxDegreeOfParallelism = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        if (maxDegreeOfParallelism is int threads)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(maxDegreeOfParallelism));
        }
        foreach (EditJob job in jobs)
        {
            job.Validate();
        }
        var results = new EditResult[jobs.Count][];
        int done = 0;
        var options = new ParallelOptions
        {
            CancellationToken = cancellationToken,
            MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount,
        };
        Parallel.For(0, jobs.Count, options, i =>
        {
            results[i] = Edit(jobs[i]);
            progress?.Report(Interlocked.Increment(ref done));
        });
        return results;
    }

    /// <summary>Edits every pair with <paramref name="parameters"/>: <see cref="EditBatch(IReadOnlyList{EditJob}, int?, IProgress{int}?, CancellationToken)"/> with one setting.</summary>
    public static EditResult[] EditBatch(
        IReadOnlyList<EditPair> pairs,
        EditParameters parameters,
        int? maxDegreeOfParallelism = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        return [.. EditBatch([.. pairs.Select(p => new EditJob(p, parameters))], maxDegreeOfParallelism, progress, cancellationToken).Select(r => r[0])];
    }

    /// <summary>
    /// E_bg: the L2-normalized mean of the edited image's patch tokens outside both masks
    /// ((1−m_neg)(1−m_pos) &gt; 0.5); the zero vector, with a warning, when no patch is left.
    /// </summary>
    public static float[] Background(ImageTokens edited, ReadOnlySpan<float> removeWeights, ReadOnlySpan<float> addWeights, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(edited);
        PatchWeights.CheckBinary(removeWeights, nameof(removeWeights));
        PatchWeights.CheckBinary(addWeights, nameof(addWeights));
        Span<int> tokens = stackalloc int[ClipGeometry.PatchCount];
        int count = 0;
        for (int p = 0; p < ClipGeometry.PatchCount; p++)
        {
            if ((1f - removeWeights[p]) * (1f - addWeights[p]) > 0.5f)
            {
                tokens[count++] = 1 + p;
            }
        }
        Span<double> ones = stackalloc double[count];
        ones.Fill(1.0);
        Span<double> sum = edited.Dimension <= VectorMath.StackDoubles ? stackalloc double[edited.Dimension] : new double[edited.Dimension];
        edited.AddNormalized(tokens[..count], ones, sum);
        if (count == 0)
        {
            warnings?.Add(NoBackgroundWarning);
        }
        return VectorMath.NormalizedToSingle(sum);
    }

    /// <summary>E = L2(a·E_sup + b·E_boost + g·E_bg); warns when |a+b+g−1| &gt; <see cref="MixSumTolerance"/>.</summary>
    public static float[] Combine(ReadOnlySpan<float> suppressed, ReadOnlySpan<float> boosted, ReadOnlySpan<float> background, MixWeights mix, ICollection<string>? warnings = null)
    {
        if (boosted.Length != suppressed.Length || background.Length != suppressed.Length)
        {
            throw new ArgumentException($"The parts differ in length: suppressed {suppressed.Length}, boosted {boosted.Length}, background {background.Length}.", nameof(boosted));
        }
        AddMixWarning(mix, warnings);
        Span<double> combined = suppressed.Length <= VectorMath.StackDoubles ? stackalloc double[suppressed.Length] : new double[suppressed.Length];
        for (int i = 0; i < combined.Length; i++)
        {
            combined[i] = mix.Suppressed * suppressed[i] + mix.Boosted * boosted[i] + mix.Background * background[i];
        }
        float[] result = VectorMath.NormalizedToSingle(combined);
        if (IsZero(result))
        {
            warnings?.Add(ZeroCombinationWarning);
        }
        return result;
    }

    /// <summary>One region's edit with the reference's warnings (empty region, zero result).</summary>
    private static float[] EditRegion(RegionDecomposition region, int k, double factor, string which, List<string> warnings)
    {
        float[] edited = region.IsEmpty ? new float[region.Dimension] : region.Edit(k, factor);
        AddRegionWarning(which, region.RowCount, edited, warnings);
        return edited;
    }

    /// <summary>
    /// An edit whose parts were computed elsewhere (the CUDA backend), with exactly the warnings
    /// this class gives for the same parts, so every backend reports the same way.
    /// </summary>
    /// <param name="embedding">E.</param>
    /// <param name="suppressed">E_sup.</param>
    /// <param name="boosted">E_boost.</param>
    /// <param name="background">E_bg.</param>
    /// <param name="removeWeights">The removed object's patch weights (0/1).</param>
    /// <param name="addWeights">The added object's patch weights (0/1).</param>
    /// <param name="mix">The combination weights used.</param>
    public static EditResult FromParts(float[] embedding, float[] suppressed, float[] boosted, float[] background, float[] removeWeights, float[] addWeights, MixWeights mix)
    {
        ArgumentNullException.ThrowIfNull(removeWeights);
        ArgumentNullException.ThrowIfNull(addWeights);
        PatchWeights.CheckBinary(removeWeights, nameof(removeWeights));
        PatchWeights.CheckBinary(addWeights, nameof(addWeights));
        var warnings = new List<string>();
        AddRegionWarning("removed", Rows(removeWeights), suppressed, warnings);
        AddRegionWarning("added", Rows(addWeights), boosted, warnings);
        if (!removeWeights.Where((w, p) => w == 0f && addWeights[p] == 0f).Any())
        {
            warnings.Add(NoBackgroundWarning);
        }
        AddMixWarning(mix, warnings);
        if (IsZero(embedding))
        {
            warnings.Add(ZeroCombinationWarning);
        }
        return new EditResult(embedding, suppressed, boosted, background, removeWeights, addWeights, warnings);

        static int Rows(float[] weights) => weights.Count(w => w > 0.5f) is int selected and > 0 ? selected + 1 : 0;
    }

    private const string NoBackgroundWarning = "No background patch is left outside both masks; the background embedding is zero.";
    private const string ZeroCombinationWarning = "The combined embedding is zero (every weighted part is zero).";

    private static bool IsZero(float[] vector) => Array.TrueForAll(vector, v => v == 0f);

    /// <summary>The warning about an empty region; <paramref name="subject"/> is "The removed object's" or "The removed object 2's".</summary>
    internal static string EmptyRegionWarning(string subject) => $"{subject} mask covers no patch; its embedding is zero.";

    /// <summary>The reference warns about an empty region, and about a region that the factor scaled to zero.</summary>
    internal static void AddRegionWarning(string which, int rowCount, float[] edited, List<string> warnings, bool numbered = false)
    {
        string subject = numbered ? $"The {which}'s" : $"The {which} object's";
        if (rowCount == 0)
        {
            warnings.Add(EmptyRegionWarning(subject));
        }
        else if (IsZero(edited))
        {
            warnings.Add($"{subject} edited embedding is zero (factor 0 scales away all {rowCount} rows).");
        }
    }

    private static void AddMixWarning(MixWeights mix, ICollection<string>? warnings)
    {
        double total = mix.Suppressed + mix.Boosted + mix.Background;
        if (Math.Abs(total - 1.0) > MixSumTolerance)
        {
            warnings?.Add(string.Create(CultureInfo.InvariantCulture, $"Mix weights sum to {total:G6}, not 1 (a={mix.Suppressed}, b={mix.Boosted}, g={mix.Background})."));
        }
    }
}

/// <summary>One image pair to edit, with any number of removed and added objects.</summary>
/// <param name="Original">Tokens of the original image.</param>
/// <param name="Edited">Tokens of the edited image.</param>
/// <param name="RemoveMasks">Masks of the removed objects (original image resolution), possibly none.</param>
/// <param name="AddMasks">Masks of the added objects (edited image resolution), possibly none.</param>
/// <param name="Combination">How several objects of one side enter the edit (<see cref="ObjectEditor"/>).</param>
public sealed record EditPair(
    ImageTokens Original, ImageTokens Edited, IReadOnlyList<BinaryMask> RemoveMasks, IReadOnlyList<BinaryMask> AddMasks,
    ObjectCombination Combination = ObjectCombination.Each)
{
    /// <summary>One removed and one added object: the research method's pair.</summary>
    public EditPair(ImageTokens original, ImageTokens edited, BinaryMask removeMask, BinaryMask addMask) : this(original, edited, [removeMask], [addMask])
    {
    }

    /// <summary>Whether the pair is edited as one region per side (<see cref="ObjectEditor.IsOneRegionPerSide"/>).</summary>
    public bool IsOneRegionPerSide => ObjectEditor.IsOneRegionPerSide(RemoveMasks.Count, AddMasks.Count, Combination);

    /// <summary>Every object's patch weights under <paramref name="alignment"/>, per side.</summary>
    public (float[][] Remove, float[][] Add) PatchWeights(MaskAlignment alignment) =>
        ([.. RemoveMasks.Select(m => Editing.PatchWeights.FromMask(m, alignment))], [.. AddMasks.Select(m => Editing.PatchWeights.FromMask(m, alignment))]);
}

/// <summary>
/// One image pair and the settings to edit it under: one for a plain edit, a sweep's grid otherwise.
/// The settings share one mask alignment, so the patch weights are computed once.
/// </summary>
/// <param name="Pair">The tokens and masks.</param>
/// <param name="Settings">The edit hyperparameters, in the order the results come back.</param>
public sealed record EditJob(EditPair Pair, IReadOnlyList<EditParameters> Settings)
{
    /// <summary>A job with one setting.</summary>
    public EditJob(EditPair pair, EditParameters parameters) : this(pair, [parameters])
    {
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first problem: no pair, no setting, an invalid one, or two mask alignments.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Pair);
        ArgumentNullException.ThrowIfNull(Pair.RemoveMasks, nameof(Pair));
        ArgumentNullException.ThrowIfNull(Pair.AddMasks, nameof(Pair));
        ArgumentNullException.ThrowIfNull(Settings);
        ArgumentOutOfRangeException.ThrowIfZero(Settings.Count, nameof(Settings));
        foreach (EditParameters setting in Settings)
        {
            ArgumentNullException.ThrowIfNull(setting, nameof(Settings));
            setting.Validate();
            if (setting.MaskAlignment != Settings[0].MaskAlignment)
            {
                throw new ArgumentException($"The settings of one job share one mask alignment; they mix {Settings[0].MaskAlignment} and {setting.MaskAlignment}.", nameof(Settings));
            }
        }
    }
}
