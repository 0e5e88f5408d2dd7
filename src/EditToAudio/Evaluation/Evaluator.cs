using System.Diagnostics;
using System.Globalization;
using EditToAudio.Batch;
using EditToAudio.Models;
using EditToAudio.Networks;

namespace EditToAudio.Evaluation;

/// <summary>How an evaluation is run.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Labels for the roles a pair's manifest line gives none for (they win over the names of the pair's objects).</summary>
    public IReadOnlyList<ObjectLabel> Labels { get; init; } = [];

    /// <summary>The label embeddings; null for the model set's table (read only when some pair has labels).</summary>
    public LabelTable? LabelTable { get; init; }

    /// <summary>Bootstrap resamples per interval.</summary>
    public int Resamples { get; init; } = Bootstrap.DefaultResamples;

    /// <summary>Confidence of the intervals.</summary>
    public double Confidence { get; init; } = Bootstrap.DefaultConfidence;

    /// <summary>Seed of the resampling (the intervals repeat exactly for the same seed).</summary>
    public ulong Seed { get; init; }

    /// <summary>Most clips in one CLAP audio call when the number is chosen from memory.</summary>
    public const int MaxClipsPerCall = 64;

    /// <summary>Clips per CLAP audio call; null to choose from the memory the process may use (at most <see cref="MaxClipsPerCall"/>).</summary>
    public int? ClipsPerCall { get; init; }
}

/// <summary>Where an evaluation is: a stage and how much of it is done.</summary>
/// <param name="Stage">read, clap_audio, scores or intervals.</param>
/// <param name="Done">Units done.</param>
/// <param name="Total">Units in the stage.</param>
public readonly record struct EvaluationProgress(string Stage, int Done, int Total);

/// <summary>An evaluation's record and the clips' CLAP audio embeddings ([record.Clips.Count, 512], row-major).</summary>
/// <param name="Record">Every number.</param>
/// <param name="ClipEmbeddings">The embeddings of the distinct clips, in the record's row order.</param>
public sealed record EvaluationOutcome(EvaluationRecord Record, float[] ClipEmbeddings);

/// <summary>
/// Does the sound follow the edit? Scores every pair of a run or batch folder with the model set's
/// CLAP audio network (clips batched), aggregates them with bootstrap intervals, measures Fréchet
/// distances between the sets of clips, and ranks the settings of a sweep. Reads only; the report
/// is written by <see cref="EvaluationReport"/>.
/// </summary>
public sealed class Evaluator
{
    /// <summary>The scores a sweep is ranked by, in order of preference: the first any pair has.</summary>
    public static IReadOnlyList<string> Objectives { get; } =
        ["audio.edit_effect.total", "clap.edit_effect.total", "audio.toward_edited", "audio.manipulated.label_margin", "clap.manipulated.label_margin"];

    private readonly NetworkSet _networks;

    /// <summary>Uses the CLAP audio network of <paramref name="networks"/> (opened on first use).</summary>
    public Evaluator(NetworkSet networks)
    {
        ArgumentNullException.ThrowIfNull(networks);
        _networks = networks;
    }

    /// <summary>Evaluates every pair of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException">A label is not in the label table (the message lists the table's labels).</exception>
    /// <exception cref="InvalidDataException">No pair could be evaluated (the message names why).</exception>
    public EvaluationOutcome Evaluate(EvaluationSource source, EvaluationOptions options, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var bootstrap = new Bootstrap(options.Resamples, options.Confidence, options.Seed);
        var timings = new Dictionary<string, double>();
        var total = Stopwatch.StartNew();
        var warnings = new List<string>();
        ModelSet models = _networks.Models;
        if (models.IsSynthetic)
        {
            warnings.Add("The model set is synthetic: its CLAP audio network and labels are analytic stand-ins, so the scores test the pipeline, not how the edit sounds.");
        }
        var unevaluated = new List<UnevaluatedPair>(source.Unevaluated);

        // 1. Labels: each pair's own, else the options', else its objects' names; every label must be in
        // the table before any file is read.
        var labels = source.Pairs.ToDictionary(p => p, p => ObjectLabel.Merge(p.Labels, options.Labels, p.ObjectNames));
        LabelTable? table = null;
        if (labels.Values.Any(l => l.Count > 0))
        {
            table = options.LabelTable ?? LabelTable.FromModelSet(models);
            string[] unknown = [.. labels.Values.SelectMany(l => l).Select(l => l.Name).Distinct(StringComparer.Ordinal).Where(n => !table.Contains(n))];
            if (unknown.Length > 0)
            {
                bool named = source.Pairs.Any(p => labels[p].Any(l => unknown.Contains(l.Name) && p.ObjectNames.Contains(l)));
                throw new ArgumentException(table.UnknownMessage(unknown)
                    + (named ? " Names of objects in the runs' records serve as labels where no --label or manifest label is given; give --label removed=… and --label added=… to use others." : ""));
            }
        }

        // 2. Every pair's record and embeddings.
        var started = Stopwatch.StartNew();
        var read = new PairData?[source.Pairs.Count];
        var readErrors = new string?[source.Pairs.Count];
        int readCount = 0;
        Parallel.For(0, source.Pairs.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            try
            {
                read[i] = PairReader.Read(source.Pairs[i]);
            }
            catch (PairReadException e)
            {
                readErrors[i] = e.Message;
            }
            progress?.Report(new EvaluationProgress("read", Interlocked.Increment(ref readCount), source.Pairs.Count));
        });
        var pairs = new List<PairData>();
        for (int i = 0; i < read.Length; i++)
        {
            if (read[i] is { } data)
            {
                pairs.Add(data);
            }
            else
            {
                unevaluated.Add(new UnevaluatedPair(source.Pairs[i].Name, source.Pairs[i].Folder, readErrors[i]!));
            }
        }
        timings["read"] = started.Elapsed.TotalSeconds;

        NoteModelMismatch(pairs, models, warnings);

        // 3. The clips' CLAP audio embeddings, batched.
        started.Restart();
        string[] files = [.. pairs.SelectMany(p => p.Clips.Values).Distinct(StringComparer.Ordinal)];
        var embeddings = new ClipEmbeddings();
        bool hasClapAudio = models.Has(NetworkKind.ClapAudio);
        if (files.Length > 0 && !hasClapAudio)
        {
            warnings.Add($"The model set {models.Folder} has no clap_audio network: no audio scores (the embedding comparisons are computed).");
        }
        else if (files.Length > 0)
        {
            var clipProgress = progress is null ? null : new StageProgress(progress, "clap_audio", files.Length);
            embeddings = new ClipEmbedder(_networks, options.ClipsPerCall).Embed(files, clipProgress, cancellationToken);
        }
        timings["clap_audio"] = started.Elapsed.TotalSeconds;
        timings["clap_audio_network"] = embeddings.NetworkSeconds;

        // 4. Per-pair scores.
        started.Restart();
        var scored = new List<(PairData Pair, PairRecord Record)>();
        foreach (PairData pair in pairs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string? clipError = pair.Clips.Values.Select(f => embeddings.Errors.GetValueOrDefault(f)).FirstOrDefault(e => e is not null);
            if (clipError is not null)
            {
                unevaluated.Add(new UnevaluatedPair(pair.Location.Name, pair.Location.Folder, clipError));
                continue;
            }
            var audio = hasClapAudio ? pair.Clips.ToDictionary(c => c.Key, c => embeddings.Of(c.Value).ToArray()) : [];
            var absent = new List<string>(pair.Absent);
            if (!hasClapAudio && pair.Clips.Count > 0)
            {
                absent.Add("audio scores (the model set has no clap_audio network)");
            }
            Dictionary<string, double> scores = PairScorer.Score(pair, labels[pair.Location], table, audio, absent);
            scored.Add((pair, new PairRecord(
                pair.Location.Name, Relative(source, pair.Location.Folder), pair.Parameters, labels[pair.Location],
                pair.Clips.OrderBy(c => c.Key).ToDictionary(c => PairScorer.Name(c.Key), c => Relative(source, c.Value)),
                absent, scores)));
        }
        if (scored.Count == 0)
        {
            throw new InvalidDataException($"No pair of {source.Folder} could be evaluated:" + string.Concat(unevaluated.Take(10).Select(u => $"{Environment.NewLine}  {u.Name}: {u.Reason}")));
        }
        timings["scores"] = started.Elapsed.TotalSeconds;

        // 5. Distances, aggregates, settings.
        started.Restart();
        var settings = scored.GroupBy(s => s.Pair.Parameters.Name, StringComparer.Ordinal).ToList();
        var distances = new List<DistanceRecord>();
        foreach (var group in settings)
        {
            distances.AddRange(Distances(settings.Count == 1 ? null : group.Key, [.. group.Select(g => g.Pair)], embeddings));
        }
        int unstable = distances.Count(d => d.Unstable && d.Distance is not null);
        if (unstable > 0)
        {
            int largest = distances.Where(d => d.Unstable && d.Distance is not null).Max(d => Math.Min(d.CountA, d.CountB));
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"{unstable} Fréchet distance(s) compare sets of at most {largest} clips with {ClapAudioEncoder.Width}-dimensional embeddings: a set needs more clips than dimensions for a full-rank covariance, so these distances vary strongly with the clips drawn; compare them only with distances from sets of the same sizes."));
        }
        timings["distances"] = started.Elapsed.TotalSeconds;
        started.Restart();
        progress?.Report(new EvaluationProgress("intervals", 0, 1));
        IReadOnlyDictionary<string, MeanInterval> aggregates = Aggregate(scored.Select(s => s.Record).ToList(), bootstrap);
        SweepRecord? sweep = settings.Count > 1 ? SweepAnalysis.Analyze(scored.Select(s => s.Record).ToList(), bootstrap) : null;
        timings["intervals"] = started.Elapsed.TotalSeconds;
        timings["total"] = total.Elapsed.TotalSeconds;
        progress?.Report(new EvaluationProgress("intervals", 1, 1));

        var record = new EvaluationRecord
        {
            EngineVersion = EngineInfo.Version,
            FinishedUtc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            Source = new SourceRecord(source.Folder, source.Kind.ToString().ToLowerInvariant(), source.Pairs.Count + source.Unevaluated.Count, scored.Count),
            Models = new EvaluationModelRecord(models.Folder, models.Name, models.IsSynthetic, BatchRunner.ModelSetHash(models),
                hasClapAudio ? models.Sha256Of(NetworkKind.ClapAudio) : null),
            Labels = table is null ? null : new LabelTableRecord(table.Source, table.Sha256, table.Names),
            Intervals = new IntervalSettings("percentile bootstrap of the mean, paired over pairs", bootstrap.Resamples, bootstrap.Confidence, bootstrap.Seed),
            Pairs = [.. scored.Select(s => s.Record)],
            NotEvaluated = unevaluated,
            Scores = aggregates,
            SetDistances = distances,
            Sweep = sweep,
            Clips = [.. embeddings.FilesOf.Select((f, row) => new ClipEmbeddingRecord(row, [.. f.Select(file => Relative(source, file))]))],
            TimingsSeconds = timings,
            ClapAudio = new NetworkUseRecord(embeddings.Calls, embeddings.ClipsPerCall, embeddings.FilesOf.Count),
            Warnings = warnings,
        };
        return new EvaluationOutcome(record, [.. embeddings.Values]);
    }

    /// <summary>Mean and interval of every score the pairs have, in the order scores first appear.</summary>
    internal static Dictionary<string, MeanInterval> Aggregate(IReadOnlyList<PairRecord> pairs, Bootstrap bootstrap)
    {
        var keys = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string key in pairs.SelectMany(p => p.Scores.Keys))
        {
            if (seen.Add(key))
            {
                keys.Add(key);
            }
        }
        var intervals = new MeanInterval[keys.Count];
        Parallel.For(0, keys.Count, k =>
        {
            double?[] values = [.. pairs.Select(p => p.Scores.TryGetValue(keys[k], out double v) ? v : (double?)null)];
            intervals[k] = bootstrap.Interval(values)!.Value;
        });
        return keys.Select((key, k) => (key, k)).ToDictionary(p => p.key, p => intervals[p.k], StringComparer.Ordinal);
    }

    /// <summary>Fréchet distances between the distinct clips of each role among <paramref name="pairs"/>.</summary>
    private static IEnumerable<DistanceRecord> Distances(string? setting, IReadOnlyList<PairData> pairs, ClipEmbeddings embeddings)
    {
        var sets = new Dictionary<ClipRole, int[]>();
        foreach (ClipRole role in Enum.GetValues<ClipRole>())
        {
            sets[role] = [.. pairs.Where(p => p.Clips.ContainsKey(role) && embeddings.RowOf.ContainsKey(p.Clips[role]))
                .Select(p => embeddings.RowOf[p.Clips[role]]).Distinct().Order()];
        }
        // Each set is fitted once; it takes part in two comparisons.
        var fits = sets.Where(s => s.Value.Length >= FrechetDistance.MinimumCount)
            .ToDictionary(s => s.Key, s => FrechetDistance.Fit(Gather(embeddings, s.Value), s.Value.Length, ClapAudioEncoder.Width));
        (ClipRole A, ClipRole B)[] comparisons =
            [(ClipRole.Manipulated, ClipRole.BaselineOriginal), (ClipRole.Manipulated, ClipRole.BaselineEdited), (ClipRole.BaselineOriginal, ClipRole.BaselineEdited)];
        foreach ((ClipRole a, ClipRole b) in comparisons)
        {
            int countA = sets[a].Length, countB = sets[b].Length;
            if (countA == 0 || countB == 0)
            {
                continue;
            }
            if (!fits.TryGetValue(a, out GaussianFit? fitA) || !fits.TryGetValue(b, out GaussianFit? fitB))
            {
                yield return new DistanceRecord(setting, PairScorer.Name(a), PairScorer.Name(b), countA, countB, null, null, null, true);
                continue;
            }
            FrechetResult result = FrechetDistance.Compute(fitA, fitB);
            yield return new DistanceRecord(setting, PairScorer.Name(a), PairScorer.Name(b), countA, countB, result.Distance, result.MeanTerm, result.TraceTerm, result.Unstable);
        }
    }

    private static float[] Gather(ClipEmbeddings embeddings, int[] rows)
    {
        var values = new float[rows.Length * ClapAudioEncoder.Width];
        for (int r = 0; r < rows.Length; r++)
        {
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(embeddings.Values).Slice(rows[r] * ClapAudioEncoder.Width, ClapAudioEncoder.Width)
                .CopyTo(values.AsSpan(r * ClapAudioEncoder.Width));
        }
        return values;
    }

    /// <summary>Warns when pairs were made with networks other than the ones evaluating them.</summary>
    private static void NoteModelMismatch(List<PairData> pairs, ModelSet models, List<string> warnings)
    {
        if (!models.Has(NetworkKind.ClapAudio))
        {
            return;
        }
        string key = NetworkKind.ClapAudio.ToString();
        string hash = models.Sha256Of(NetworkKind.ClapAudio);
        int other = pairs.Count(p => p.ModelHashes.TryGetValue(key, out string? recorded) && recorded != hash);
        if (other > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"{other} pair(s) were made with a clap_audio network other than {models.Folder}'s (their records list another SHA-256): their clips were ranked in another CLAP space than the one evaluating them."));
        }
    }

    private static string Relative(EvaluationSource source, string path)
    {
        string relative = Path.GetRelativePath(source.Folder, path);
        return relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    /// <summary>Forwards a stage's count as evaluation progress on the reporting thread.</summary>
    private sealed class StageProgress(IProgress<EvaluationProgress> target, string stage, int total) : IProgress<int>
    {
        public void Report(int value) => target.Report(new EvaluationProgress(stage, value, total));
    }
}
