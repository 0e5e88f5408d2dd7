using System.Text;
using EditToAudio.Batch;
using EditToAudio.Editing;
using EditToAudio.Networks;
using EditToAudio.Prompts;
using EditToAudio.Tests.Cli;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Batch;

public class ManifestTests
{
    private const string Good = """{"id": "a", "original": "o.png", "edited": "e.png", "remove_point": [1, 2], "add_point": [3.5, 4]}""";

    private static BatchManifest Parse(string text, ItemParameters? defaults = null, SweepGrid? sweep = null) =>
        BatchManifest.Parse(Encoding.UTF8.GetBytes(text), "/data/set/manifest.jsonl", defaults ?? new ItemParameters(), sweep);

    [Fact]
    public void Lines_override_the_defaults_and_paths_resolve_against_the_manifest()
    {
        var defaults = new ItemParameters { Seed = 7, Edit = new EditParameters { K = 12 } };
        BatchManifest manifest = Parse(
            Good + "\n\n" +
            """{"id": "b-2", "original": "/abs/o.png", "edited": "sub/e.png", "remove_point": [0, 0], "add_point": [1, 1], "k": 5, "alpha": 0.3, "mix": [0.1, 0.6, 0.3], "mask_align": "crop", "mask_selection": "best_of_three", "seed": 9, "steps": 20, "guidance": 1.5, "eta": 0, "candidates": 2, "duration": 0.5, "rank_against": "empty", "baselines": true, "var_samples": 8}""" + "\r\n",
            defaults);

        Assert.Equal(2, manifest.Items.Count);
        ManifestItem a = manifest.Items[0], b = manifest.Items[1];
        Assert.Equal((1, "a", "/data/set/o.png", "/data/set/e.png"), (a.Line, a.Id, a.OriginalPath, a.EditedPath));
        Assert.Equal(SidePrompts.Of(ObjectPrompt.FromPoint(new PromptPoint(3.5, 4))), a.Prompts.Add);
        Assert.Equal(defaults, a.Parameters);
        Assert.Equal((3, "/abs/o.png", "/data/set/sub/e.png"), (b.Line, b.OriginalPath, b.EditedPath));
        ItemParameters p = b.Parameters;
        Assert.Equal((5, 0.3, 2.0, new MixWeights(0.1, 0.6, 0.3), MaskAlignment.Crop), (p.Edit.K, p.Edit.Alpha, p.Edit.Beta, p.Edit.Mix, p.Edit.MaskAlignment));
        Assert.Equal((MaskSelection.BestOfThree, 9UL, 8, true), (p.MaskSelection, p.Seed, p.VarSamples, p.Baselines));
        Assert.Equal((20, 1.5, 0.0, 2, 0.5, EditToAudio.Audio.RankTarget.Empty),
            (p.Audio.Sampler.Steps, p.Audio.Sampler.Guidance, p.Audio.Sampler.Eta, p.Audio.Candidates, p.Audio.Duration, p.Audio.RankAgainst));
        Assert.Equal(["k12_a0.1_b2_m0.2-0.5-0.3"], a.Settings.Select(s => s.Name));
        Assert.Null(a.Sweep);
    }

    public static TheoryData<string, int, string> BadManifests() => new()
    {
        { Good + "\n{\"id\": \"b\", \"original\": ", 2, "invalid JSON" },
        { Good + "\n{\"id\": \"b\",, \"original\": \"o.png\"}", 2, "invalid JSON at column 12: " },
        { Good + "\n[1, 2]", 2, "expected a JSON object" },
        { Good + "\n" + Good, 2, "duplicate id 'a' (first used on line 1" },
        { Good + "\n" + Good.Replace("\"a\"", "\"A\"", StringComparison.Ordinal), 2, "duplicate id 'A'" },
        { Good.Replace("\"edited\"", "\"edtied\"", StringComparison.Ordinal), 1, "unknown key 'edtied'" },
        { Good.Replace(", \"edited\": \"e.png\"", "", StringComparison.Ordinal), 1, "missing 'edited'" },
        { Good.Replace("}", ", \"add\": \"auto\"}", StringComparison.Ordinal), 1, "'add' and 'add_point' both give the add side's prompts; keep one" },
        { Good.Replace("}", ", \"objects\": \"all\"}", StringComparison.Ordinal), 1, "'objects' must be one of each, union" },
        { "\n\n" + Good.Replace("}", ", \"k\": 0}", StringComparison.Ordinal), 3, "k must be at least 1 (got 0)" },
        { Good.Replace("}", ", \"alpha\": -0.5}", StringComparison.Ordinal), 1, "alpha must be a finite number ≥ 0 (got -0.5)" },
        { Good.Replace("}", ", \"candidates\": 100}", StringComparison.Ordinal), 1, "candidates must be between 1 and 64" },
        { Good.Replace("}", ", \"duration\": 100}", StringComparison.Ordinal), 1, "duration must be in (0, 60]" },
        { Good.Replace("}", ", \"steps\": 2.5}", StringComparison.Ordinal), 1, "'steps' must be an integer, got 2.5" },
        { Good.Replace("}", ", \"mask_align\": \"diagonal\"}", StringComparison.Ordinal), 1, "'mask_align' must be one of stretch, crop" },
        { Good.Replace("}", ", \"mix\": [1, 2]}", StringComparison.Ordinal), 1, "'mix' must be [a, b, g]" },
        { Good.Replace("}", ", \"sweep\": \"k=5,0\"}", StringComparison.Ordinal), 1, "sweep: sweep value k=0 is not an integer ≥ 1" },
        { Good.Replace("}", ", \"sweep\": \"alpha=0.1,-1\"}", StringComparison.Ordinal), 1, "sweep value alpha=-1 is not a finite number ≥ 0" },
        { Good.Replace("}", ", \"sweep\": \"gamma=1\"}", StringComparison.Ordinal), 1, "unknown sweep axis 'gamma'" },
        { Good.Replace("\"a\"", "\"../escape\"", StringComparison.Ordinal), 1, "id '../escape' is not a folder name" },
        { Good.Replace("[1, 2]", "[1]", StringComparison.Ordinal), 1, "'remove_point' must be [x, y]" },
        { Good.Replace("[1, 2]", "[-1, 2]", StringComparison.Ordinal), 1, "'remove_point' [-1, 2] is negative" },
        { Good.Replace("\"o.png\"", "3", StringComparison.Ordinal), 1, "'original' must be a string, got 3" },
        { "\n \n", 1, "the manifest has no items" },
    };

    [Theory]
    [MemberData(nameof(BadManifests))]
    public void Bad_manifests_are_refused_with_the_line(string text, int line, string expected)
    {
        var error = Assert.Throws<ManifestException>(() => Parse(text));
        Assert.Contains(error.Errors, e => e.Line == line && e.Message.Contains(expected, StringComparison.Ordinal));
        Assert.Contains($"line {line}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_of_every_line_is_listed()
    {
        string text = string.Join("\n", Good, "not json", Good.Replace("\"a\"", "\"b\"", StringComparison.Ordinal).Replace("}", ", \"beta\": -1, \"colour\": 1}", StringComparison.Ordinal));
        var error = Assert.Throws<ManifestException>(() => Parse(text));
        Assert.Equal([2, 3], error.Errors.Select(e => e.Line));
        Assert.Contains("unknown key 'colour'", error.Errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_command_refuses_a_bad_manifest_before_any_work()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllText(folder.File("m.jsonl"), Good + "\n" + Good.Replace("\"a\"", "\"b\"", StringComparison.Ordinal).Replace("}", ", \"k\": -3}", StringComparison.Ordinal) + "\n");
        var run = await CliRunner.RunAsync("batch", folder.File("m.jsonl"), "--out", folder.File("out"), "--quiet");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("line 2: k must be at least 1 (got -3)", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("out")), "nothing may be written");
    }

    [Fact]
    public async Task The_command_refuses_a_bad_sweep_or_shard()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllText(folder.File("m.jsonl"), Good + "\n");
        var sweep = await CliRunner.RunAsync("batch", folder.File("m.jsonl"), "--out", folder.File("out"), "--sweep", "k=5,10", "beta=2,x", "--quiet");
        var shard = await CliRunner.RunAsync("batch", folder.File("m.jsonl"), "--out", folder.File("out"), "--shard", "4/4", "--quiet");

        Assert.Equal(1, sweep.ExitCode);
        Assert.Contains("--sweep: sweep value beta=x is not a finite number ≥ 0", sweep.Error, StringComparison.Ordinal);
        Assert.Equal(1, shard.ExitCode);
        Assert.Contains("--shard: the slice index must satisfy 0 ≤ I < N", shard.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("out")), "nothing may be written");
    }
}
