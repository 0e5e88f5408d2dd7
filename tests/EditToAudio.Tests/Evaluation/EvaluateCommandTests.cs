using System.Text.Json;
using EditToAudio.Audio;
using EditToAudio.Batch;
using EditToAudio.Evaluation;
using EditToAudio.IO;
using EditToAudio.Networks;
using EditToAudio.Tests.Batch;
using EditToAudio.Tests.Cli;
using EditToAudio.Tests.Models;

namespace EditToAudio.Tests.Evaluation;

/// <summary>
/// <c>edit2audio evaluate</c> on batch and run folders made by the synthetic pipeline: every score
/// against a float64 recomputation, a batch equal to its items one by one, sweeps, and bad input.
/// </summary>
public sealed class EvaluateCommandTests : IDisposable
{
    private const string Removed = "a cat meowing", Added = "a duck quacking";

    private readonly BatchScenes _scenes = new();

    public void Dispose() => _scenes.Dispose();

    /// <summary>A batch of two pairs with baselines and labels, swept over k and α (8 runs).</summary>
    private async Task<string> SweptBatch()
    {
        string labels = $", \"baselines\": true, \"removed_label\": \"{Removed}\", \"added_label\": \"{Added}\"";
        string manifest = _scenes.WriteManifest(_scenes.Line("a", "a", labels), _scenes.Line("b", "b", labels));
        string output = _scenes.Folder.File("runs");
        var batch = await CliRunner.RunAsync(["batch", manifest, "--out", output, "--sweep", "k=1,10", "alpha=0.05,0.3", .. BatchScenes.FastArguments]);
        Assert.True(batch.ExitCode == 0, batch.Error);
        return output;
    }

    private static EvaluationRecord Record(string folder) =>
        JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(folder, EvaluationReport.RecordFile)), EvaluationRecordJson.Default.EvaluationRecord)!;

    [Fact]
    public async Task A_batch_is_scored_as_its_runs_are_one_by_one_and_every_score_equals_a_float64_recomputation()
    {
        string runs = await SweptBatch();
        string report = _scenes.Folder.File("report");

        var evaluate = await CliRunner.RunAsync("evaluate", runs, "--out", report, "--quiet");

        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        EvaluationRecord batch = Record(report);
        Assert.Equal("batch", batch.Source.Kind);
        Assert.Equal(8, batch.Pairs.Count);
        Assert.Empty(batch.NotEvaluated);
        Assert.All(batch.Pairs, p => Assert.Equal([new ObjectLabel(ObjectRole.Removed, Removed), new ObjectLabel(ObjectRole.Added, Added)], p.Labels));
        // Each distinct clip is embedded once: the baselines are copied into every setting's folder,
        // and settings that give the same edit (flat synthetic shapes) give the same clip.
        string[] files = [.. batch.Pairs.SelectMany(p => p.Clips.Values)];
        Assert.Equal(8 * 3, files.Length);
        Assert.Equal(batch.Clips.SelectMany(c => c.Files).Order(StringComparer.Ordinal), files.Order(StringComparer.Ordinal));
        int distinct = files.Select(f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(runs, f))))).Distinct().Count();
        Assert.Equal(distinct, batch.ClapAudio.Clips);
        Assert.InRange(distinct, 4 + 2, 4 + 8);

        // Each run folder alone, with the labels on the command line, gives the same scores.
        foreach (PairRecord pair in batch.Pairs)
        {
            string single = _scenes.Folder.File($"single-{pair.Name.Replace('/', '-')}");
            var one = await CliRunner.RunAsync("evaluate", Path.Combine(runs, pair.Folder), "--label", $"removed={Removed}", "--label", $"added={Added}", "--out", single, "--quiet");
            Assert.True(one.ExitCode == 0, one.Error);
            PairRecord alone = Assert.Single(Record(single).Pairs);
            Assert.Equal(pair.Scores.Keys, alone.Scores.Keys);
            Assert.All(pair.Scores, s => Assert.True(s.Value == alone.Scores[s.Key], $"{pair.Name} {s.Key}: batch {s.Value:G17}, alone {alone.Scores[s.Key]:G17}"));
        }

        PairRecord first = batch.Pairs[0];
        AssertScoresRecomputed(runs, first);
        // The aggregate mean is the mean over pairs.
        Assert.Equal(batch.Pairs.Average(p => p.Scores["audio.edit_effect.total"]), batch.Scores["audio.edit_effect.total"].Mean, 12);
    }

    /// <summary>Recomputes a pair's scores in float64 from its files: clips embedded one per call, labels from the table.</summary>
    private static void AssertScoresRecomputed(string runs, PairRecord pair)
    {
        string folder = Path.Combine(runs, pair.Folder);
        float[] Embed(string file)
        {
            (float[] wave, _) = WaveFile.Read(Path.Combine(folder, file));
            return ClapAudioEncoder.Embed(SyntheticSet.Networks, wave, 1, wave.Length, TestContext.Current.CancellationToken);
        }
        static double Cos(float[] a, float[] b) => Float64Reference.Cosine(a, b);
        float[] m = Embed("manipulated_audio.wav"), o = Embed("baseline_original.wav"), e = Embed("baseline_edited.wav");
        float[] labels = Npy.Read(Path.Combine(SyntheticSet.Load().Folder, "labels.npy")).ToSingle();
        float[] removed = labels[..512], added = labels[(2 * 512)..(3 * 512)];
        float[] clap = Npy.Read(Path.Combine(folder, "clap.npy")).ToSingle();
        float[] baselines = Npy.Read(Path.Combine(folder, "baseline_clap.npy")).ToSingle();
        float[] editedClip = Npy.Read(Path.Combine(folder, "edited_clip.npy")).ToSingle();
        float[] originalCls = Npy.Read(Path.Combine(folder, "original_tokens.npy")).ToSingle()[..768];

        var expected = new Dictionary<string, double>
        {
            ["audio.manipulated.conditioning"] = Cos(m, clap),
            ["audio.original.conditioning"] = Cos(o, baselines[..512]),
            ["audio.edited.conditioning"] = Cos(e, baselines[512..]),
            ["audio.manipulated_vs_original.cosine"] = Cos(m, o),
            ["audio.toward_edited"] = Cos(m, e) - Cos(m, o),
            ["audio.manipulated.label_added"] = Cos(m, added),
            ["audio.edit_effect.toward_added"] = Cos(m, added) - Cos(o, added),
            ["audio.edit_effect.away_from_removed"] = Cos(o, removed) - Cos(m, removed),
            ["audio.edit_effect.total"] = Cos(m, added) - Cos(o, added) + Cos(o, removed) - Cos(m, removed),
            ["audio.edited_effect.total"] = Cos(e, added) - Cos(o, added) + Cos(o, removed) - Cos(e, removed),
            ["clap.edit_effect.total"] = Cos(clap, added) - Cos(baselines[..512], added) + Cos(baselines[..512], removed) - Cos(clap, removed),
            ["clap.manipulated_vs_edited.cosine"] = Cos(clap, baselines[512..]),
            ["clap.manipulated_vs_edited.l2"] = Math.Sqrt(clap.Zip(baselines[512..], (x, y) => ((double)x - y) * ((double)x - y)).Sum()),
            ["clip.manipulated_vs_original.cosine"] = Cos(editedClip, originalCls),
            ["clip.manipulated_vs_original.max_abs"] = editedClip.Zip(originalCls, (x, y) => Math.Abs(x - y / Math.Sqrt(originalCls.Sum(v => (double)v * v)))).Max(),
        };
        // The network's float32 embeddings differ in the last bits between batch sizes (here one clip
        // against the evaluation's many); a few cosines of them sum to these scores.
        Assert.All(expected, p => Assert.True(Math.Abs(p.Value - pair.Scores[p.Key]) <= 1e-5, $"{pair.Name} {p.Key}: evaluated {pair.Scores[p.Key]:G17}, recomputed {p.Value:G17}"));
    }

    [Fact]
    public async Task A_sweep_is_ranked_with_intervals_heatmaps_and_per_setting_distances_that_equal_a_float64_reference()
    {
        string runs = await SweptBatch();
        string report = _scenes.Folder.File("report");

        var evaluate = await CliRunner.RunAsync("evaluate", runs, "--out", report, "--bootstrap", "300", "--seed", "5", "--json", "--quiet");

        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        EvaluationRecord record = Record(report);
        SweepRecord sweep = record.Sweep!;
        Assert.Equal(["k", "alpha"], sweep.Parameters);
        Assert.Equal("audio.edit_effect.total", sweep.Objective);
        Assert.Equal(4, sweep.Settings.Count);
        Assert.All(sweep.Settings, s => Assert.Equal(2, s.Pairs));
        double[] means = [.. sweep.Settings.Select(s => s.Scores["audio.edit_effect.total"].Mean)];
        Assert.Equal(means.OrderDescending(), means);
        Assert.Equal(sweep.Settings[0].Name, sweep.Best!.Name);
        HeatmapRecord heatmap = Assert.Single(sweep.Heatmaps);
        Assert.Equal(("k", "alpha", "heatmap_k_alpha.png"), (heatmap.X, heatmap.Y, heatmap.File));
        Assert.Equal(["1", "10"], heatmap.XValues);
        Assert.Equal(["0.05", "0.3"], heatmap.YValues);
        // A cell with one setting is that setting's mean.
        SettingSummary corner = sweep.Settings.Single(s => s.Parameters.K == 1 && s.Parameters.Alpha == 0.05);
        Assert.Equal(corner.Scores["audio.edit_effect.total"].Mean, heatmap.Means[0][0]!.Value, 12);
        byte[] png = File.ReadAllBytes(Path.Combine(report, heatmap.File));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        string markdown = File.ReadAllText(Path.Combine(report, EvaluationReport.MarkdownFile));
        Assert.Contains($"**Best setting: `{sweep.Best.Name}`**", markdown, StringComparison.Ordinal);
        Assert.Contains("![mean audio.edit_effect.total by k and alpha](heatmap_k_alpha.png)", markdown, StringComparison.Ordinal);

        // --json prints the summary; the same seed gives the same intervals.
        EvaluationSummary summary = JsonSerializer.Deserialize(evaluate.Output, EditToAudio.Cli.CliJson.Default.EvaluationSummary)!;
        Assert.Equal(8, summary.Evaluated);
        Assert.Equal(sweep.Best.Name, summary.Best!.Name);
        await CliRunner.RunAsync("evaluate", runs, "--out", report, "--bootstrap", "300", "--seed", "5", "--quiet");
        Assert.Equal(sweep.Best.Objective, Record(report).Sweep!.Best!.Objective);

        // Per setting, manipulated (2 clips) vs original baselines (2 clips): the distance of the rows it embedded.
        float[] embeddings = Npy.Read(Path.Combine(report, EvaluationReport.EmbeddingsFile)).ToSingle();
        DistanceRecord distance = record.SetDistances.Single(d => d.Setting == corner.Name && d.SetA == "manipulated" && d.SetB == "original");
        Assert.True(distance.Unstable);
        float[] Rows(string role) => [.. record.Pairs.Where(p => p.Parameters.Name == corner.Name)
            .Select(p => record.Clips.Single(c => c.Files.Contains(p.Clips[role])).Row).Distinct().Order()
            .SelectMany(row => embeddings[(row * 512)..((row + 1) * 512)])];
        float[] manipulated = Rows("manipulated"), original = Rows("original");
        double reference = Float64Reference.FrechetDistance(manipulated, manipulated.Length / 512, original, original.Length / 512, 512, "nuclear");
        Assert.True(Math.Abs(distance.Distance!.Value - reference) <= 1e-9 * Math.Max(1, reference), $"FD {distance.Distance:G17}, reference {reference:G17}");
        Assert.Contains(record.Warnings, w => w.Contains("Fréchet distance(s) compare sets of at most 2 clips", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_clips_and_failed_items_are_named_and_the_other_pairs_are_evaluated()
    {
        string labels = $", \"baselines\": true, \"removed_label\": \"{Removed}\", \"added_label\": \"{Added}\"";
        string manifest = _scenes.WriteManifest(_scenes.Line("a", "a", labels), _scenes.Line("b", "b", labels),
            _scenes.Line("c", "a").Replace("a/original.png", "a/missing.png", StringComparison.Ordinal));
        string runs = _scenes.Folder.File("runs");
        Assert.Equal(3, (await CliRunner.RunAsync(["batch", manifest, "--out", runs, .. BatchScenes.FastArguments])).ExitCode);
        File.Delete(Path.Combine(runs, "b", "baseline_edited.wav"));

        var evaluate = await CliRunner.RunAsync("evaluate", runs, "--quiet");

        Assert.Equal(3, evaluate.ExitCode);
        EvaluationRecord record = Record(runs);
        Assert.Equal(["a"], record.Pairs.Select(p => p.Name));
        Assert.Equal(["c", "b"], record.NotEvaluated.Select(p => p.Name));
        Assert.Contains("the batch failed this item: original image:", record.NotEvaluated[0].Reason, StringComparison.Ordinal);
        Assert.EndsWith("b/baseline_edited.wav is missing (run.json lists it).", record.NotEvaluated[1].Reason, StringComparison.Ordinal);
        Assert.Contains("not evaluated: b: ", evaluate.Error, StringComparison.Ordinal);
        Assert.Contains("## Not evaluated", File.ReadAllText(Path.Combine(runs, EvaluationReport.MarkdownFile)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_label_is_an_error_listing_the_labels_and_writes_nothing()
    {
        string manifest = _scenes.WriteManifest(_scenes.Line("a", "a"));
        string runs = _scenes.Folder.File("runs");
        Assert.Equal(0, (await CliRunner.RunAsync(["batch", manifest, "--out", runs, .. BatchScenes.FastArguments])).ExitCode);

        var evaluate = await CliRunner.RunAsync("evaluate", runs, "--label", "removed=a cow mooing", "--label", $"added={Added}", "--quiet");

        Assert.Equal(2, evaluate.ExitCode);
        Assert.Contains("label 'a cow mooing' not in", evaluate.Error, StringComparison.Ordinal);
        Assert.Contains("'a cat meowing', 'a dog barking', 'a duck quacking'", evaluate.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(runs, EvaluationReport.RecordFile)));
        Assert.Equal(1, (await CliRunner.RunAsync("evaluate", runs, "--label", "moved=x")).ExitCode);
    }

    [Fact]
    public async Task Several_labels_of_a_role_score_as_the_mean_of_each_alone()
    {
        string manifest = _scenes.WriteManifest(_scenes.Line("a", "a", ", \"baselines\": true"));
        string runs = _scenes.Folder.File("runs");
        Assert.Equal(0, (await CliRunner.RunAsync(["batch", manifest, "--out", runs, .. BatchScenes.FastArguments])).ExitCode);

        async Task<IReadOnlyDictionary<string, double>> Scores(string name, params string[] removed)
        {
            string output = _scenes.Folder.File(name);
            string[] labels = [.. removed.SelectMany(r => new[] { "--label", $"removed={r}" })];
            var evaluate = await CliRunner.RunAsync(["evaluate", runs, "--out", output, "--label", $"added={Added}", .. labels, "--quiet"]);
            Assert.True(evaluate.ExitCode == 0, evaluate.Error);
            return Assert.Single(Record(output).Pairs).Scores;
        }

        IReadOnlyDictionary<string, double> cat = await Scores("cat", Removed), bell = await Scores("bell", "a bell ringing");
        IReadOnlyDictionary<string, double> both = await Scores("both", Removed, "a bell ringing");
        foreach (string key in new[] { "clap.manipulated.label_removed", "audio.manipulated.label_removed", "audio.original.label_removed", "audio.edit_effect.away_from_removed" })
        {
            Assert.Equal((cat[key] + bell[key]) / 2, both[key], 12);
        }
        Assert.Equal(cat["audio.manipulated.label_added"], both["audio.manipulated.label_added"], 15);
    }

    [Fact]
    public async Task The_names_of_the_objects_are_their_labels_where_none_is_given()
    {
        (int rx, int ry) = _scenes.SceneA.RemovePoint;
        (int ax, int ay) = _scenes.SceneA.AddPoint;
        string Named(string id, string removed, string added) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $$"""{"id": "{{id}}", "original": "a/original.png", "edited": "a/edited.png", "baselines": true, "remove": [{"points": [[{{rx}}, {{ry}}]], "name": "{{removed}}"}], "add": [{"points": [[{{ax}}, {{ay}}]], "name": "{{added}}"}]}""");
        string labelled = _scenes.Folder.File("labelled"), plain = _scenes.Folder.File("plain");
        Assert.Equal(0, (await CliRunner.RunAsync(["batch", _scenes.WriteManifest(Named("a", Removed, Added)), "--out", labelled, .. BatchScenes.FastArguments])).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(["batch", _scenes.WriteManifest(Named("a", "cat", "duck")), "--out", plain, .. BatchScenes.FastArguments])).ExitCode);

        var byName = await CliRunner.RunAsync("evaluate", labelled, "--out", _scenes.Folder.File("by-name"), "--quiet");
        var byOption = await CliRunner.RunAsync("evaluate", labelled, "--out", _scenes.Folder.File("by-option"), "--label", $"removed={Removed}", "--label", $"added={Added}", "--quiet");
        Assert.True(byName.ExitCode == 0, byName.Error);
        Assert.True(byOption.ExitCode == 0, byOption.Error);
        IReadOnlyDictionary<string, double> named = Assert.Single(Record(_scenes.Folder.File("by-name")).Pairs).Scores;
        Assert.Equal(Assert.Single(Record(_scenes.Folder.File("by-option")).Pairs).Scores, named);
        Assert.Contains("audio.edit_effect.total", named.Keys);

        // Names that are no labels: an error that says where they come from, unless labels are given.
        var unknown = await CliRunner.RunAsync("evaluate", plain, "--quiet");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("labels 'cat', 'duck'", unknown.Error, StringComparison.Ordinal);
        Assert.Contains("Names of objects in the runs' records serve as labels", unknown.Error, StringComparison.Ordinal);
        var given = await CliRunner.RunAsync("evaluate", plain, "--label", $"removed={Removed}", "--label", $"added={Added}", "--quiet");
        Assert.True(given.ExitCode == 0, given.Error);
    }

    [Fact]
    public async Task Labels_from_a_file_replace_the_model_sets_and_a_run_without_baselines_names_what_it_lacks()
    {
        string manifest = _scenes.WriteManifest(_scenes.Line("a", "a"));
        string runs = _scenes.Folder.File("runs");
        Assert.Equal(0, (await CliRunner.RunAsync(["batch", manifest, "--out", runs, .. BatchScenes.FastArguments])).ExitCode);
        string labels = _scenes.Folder.File("mine.npy");
        float[] table = [.. Enumerable.Range(0, 2 * 512).Select(i => (float)Math.Sin(i))];
        Npy.Write(labels, table, [2, 512]);
        File.WriteAllLines(_scenes.Folder.File("mine.txt"), ["gone", "new"]);

        var evaluate = await CliRunner.RunAsync("evaluate", Path.Combine(runs, "a"), "--labels", labels, "--label", "removed=gone", "--label", "added=new", "--quiet");

        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        // Beside the run folder, which keeps only the run's own files (a later run may replace it).
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(runs, "a")), f => Path.GetFileName(f).StartsWith("evaluation", StringComparison.Ordinal));
        EvaluationRecord record = Record(Path.Combine(runs, "a-evaluation"));
        Assert.Equal(labels, record.Labels!.Source);
        PairRecord pair = Assert.Single(record.Pairs);
        Assert.Contains("audio.manipulated.conditioning", pair.Scores.Keys);
        Assert.Contains("audio.manipulated.label_added", pair.Scores.Keys);
        Assert.DoesNotContain("audio.edit_effect.total", pair.Scores.Keys);
        Assert.Contains("baselines (the run was made without --baselines)", pair.Absent);
        Assert.Empty(record.SetDistances);
    }

    [Fact]
    public async Task An_embed_only_sweep_is_ranked_by_the_conditioning_embeddings_edit_effect()
    {
        string labels = $", \"removed_label\": \"{Removed}\", \"added_label\": \"{Added}\"";
        string manifest = _scenes.WriteManifest(_scenes.Line("a", "a", labels), _scenes.Line("b", "b", labels));
        string runs = _scenes.Folder.File("runs");
        Assert.Equal(0, (await CliRunner.RunAsync(["batch", manifest, "--out", runs, "--embed-only", "--sweep", "k=5,10", .. BatchScenes.FastArguments])).ExitCode);

        var evaluate = await CliRunner.RunAsync("evaluate", runs, "--quiet");

        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        EvaluationRecord record = Record(runs);
        Assert.Equal(4, record.Pairs.Count);
        Assert.Equal(["a/k5_a0.1_b2_m0.2-0.5-0.3", "a/k10_a0.1_b2_m0.2-0.5-0.3"], record.Pairs.Take(2).Select(p => p.Name));
        Assert.Equal(["k"], record.Sweep!.Parameters);
        // Without baselines there is no original conditioning to move from: the settings are ranked by
        // how much nearer the added label than the removed one the conditioning embedding is.
        Assert.Equal("clap.manipulated.label_margin", record.Sweep.Objective);
        Assert.Equal(record.Sweep.Settings[0].Name, record.Sweep.Best!.Name);
        Assert.Contains("clap.manipulated.label_added", record.Pairs[0].Scores.Keys);
        Assert.Equal(0, record.ClapAudio.Calls);
    }

    [Fact]
    public async Task A_second_evaluation_into_the_same_folder_leaves_none_of_the_first_ones_files()
    {
        string runs = await SweptBatch();
        string report = _scenes.Folder.File("report");
        Assert.Equal(0, (await CliRunner.RunAsync("evaluate", runs, "--out", report, "--quiet")).ExitCode);
        Assert.True(File.Exists(Path.Combine(report, "heatmap_k_alpha.png")));

        string single = Path.Combine(runs, "a", "k10_a0.05_b2_m0.2-0.5-0.3");
        Assert.Equal(0, (await CliRunner.RunAsync("evaluate", single, "--out", report, "--quiet")).ExitCode);

        Assert.False(File.Exists(Path.Combine(report, "heatmap_k_alpha.png")));
        EvaluationRecord record = Record(report);
        Assert.Equal([EvaluationReport.EmbeddingsFile, EvaluationReport.MarkdownFile, EvaluationReport.RecordFile], record.Outputs);
        Assert.Equal([.. record.Outputs.Order(StringComparer.Ordinal)], Directory.GetFiles(report).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_output_folder_holding_other_files_is_refused_before_any_work()
    {
        string manifest = _scenes.WriteManifest(_scenes.Line("a", "a"));
        string runs = _scenes.Folder.File("runs");
        Assert.Equal(0, (await CliRunner.RunAsync(["batch", manifest, "--out", runs, .. BatchScenes.FastArguments])).ExitCode);
        string[] before = Directory.GetFiles(Path.Combine(runs, "a"));

        var evaluate = await CliRunner.RunAsync("evaluate", runs, "--out", Path.Combine(runs, "a"), "--quiet");

        Assert.Equal(2, evaluate.ExitCode);
        Assert.Contains("holds files that are not an earlier evaluation's", evaluate.Error, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFiles(Path.Combine(runs, "a")));
        Assert.DoesNotContain("[evaluate", evaluate.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_that_is_no_run_or_batch_is_refused_by_name()
    {
        string empty = _scenes.Folder.File("empty");
        Directory.CreateDirectory(empty);
        var evaluate = await CliRunner.RunAsync("evaluate", empty);
        Assert.Equal(2, evaluate.ExitCode);
        Assert.Contains($"{empty} is not a run folder", evaluate.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_lines_carry_the_objects_labels_into_the_results()
    {
        BatchManifest manifest = _scenes.Manifest(_scenes.Line("a", "a", $", \"removed_label\": \"{Removed}\", \"added_label\": \" {Added} \""), _scenes.Line("b", "b"));
        Assert.Equal([new ObjectLabel(ObjectRole.Removed, Removed), new ObjectLabel(ObjectRole.Added, Added)], manifest.Items[0].Labels);
        Assert.Empty(manifest.Items[1].Labels);
        var error = Assert.Throws<ManifestException>(() => _scenes.Manifest(_scenes.Line("a", "a", ", \"added_label\": 3")));
        Assert.Contains("line 1: 'added_label' must be a non-empty string", error.Message, StringComparison.Ordinal);

        // One label per object of a side.
        BatchManifest several = _scenes.Manifest(_scenes.Line("a", "a", $", \"removed_label\": [\"{Removed}\", \"a bell ringing\"]"));
        Assert.Equal([new ObjectLabel(ObjectRole.Removed, Removed), new ObjectLabel(ObjectRole.Removed, "a bell ringing")], several.Items[0].Labels);
        Assert.Throws<ManifestException>(() => _scenes.Manifest(_scenes.Line("a", "a", ", \"removed_label\": []")));
        Assert.Throws<ManifestException>(() => _scenes.Manifest(_scenes.Line("a", "a", ", \"removed_label\": [\"x\", 2]")));
    }
}
