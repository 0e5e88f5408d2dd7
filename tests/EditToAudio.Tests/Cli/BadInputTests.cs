using System.Text;
using EditToAudio.Batch;
using EditToAudio.Cuda.Devices;
using EditToAudio.IO;
using EditToAudio.Samples;
using EditToAudio.Tests.Images;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Cli;

/// <summary>
/// The catalogue of bad inputs, one case per kind of mistake, across edit, embed/run, models and
/// batch: images, arrays, options, model sets, manifests and folders. Each must end with the
/// README's exit code, a message that names the argument or file, and not one file or folder more
/// than before (nothing partial, nothing stale, no empty --out).
/// </summary>
public class BadInputTests
{
    /// <summary>One case: the arguments (with {dir}, {original}, {edited}, {t0}, {t1}, {m0}, {m1} and {models} filled in), what the folder holds first, and what must come out.</summary>
    public sealed record BadCase(string[] Args, int ExitCode, string[] Expected, Action<TemporaryFolder>? Setup = null);

    private static readonly string[] RunTail = ["--out", "{dir}/out", "--steps", "5", "--candidates", "1", "--duration", "0.5", "--quiet"];

    private static string[] Edit(params string[] overrides) => Merge(
        ["edit", "--original-tokens", "{t0}", "--edited-tokens", "{t1}", "--remove-mask", "{m0}", "--add-mask", "{m1}", "--out", "{dir}/out/e.npy"], overrides);

    private static string[] Run(string command, params string[] overrides) => Merge(
        [command, "--original", "{original}", "--edited", "{edited}", "--remove-point", "179,264", "--add-point", "179,264", .. command == "embed" ? RunTail[..2] : RunTail], overrides);

    private static string[] Batch(params string[] overrides) => Merge(
        ["batch", "{dir}/pairs.jsonl", "--out", "{dir}/out", "--steps", "5", "--candidates", "1", "--duration", "0.5", "--quiet"], overrides);

    private static readonly string GoodLine = """{"id": "cat", "original": "inputs/original.png", "edited": "inputs/edited.png", "remove_point": [179, 264], "add_point": [179, 264]}""";

    private static Action<TemporaryFolder> Manifest(params string[] lines) => folder => File.WriteAllText(folder.File("pairs.jsonl"), string.Join("\n", lines) + "\n");

    private static Action<TemporaryFolder> Bytes(string name, byte[] bytes) => folder =>
    {
        Directory.CreateDirectory(Path.GetDirectoryName(folder.File(name))!);
        File.WriteAllBytes(folder.File(name), bytes);
    };

    private static Action<TemporaryFolder> Npy(string name, float[] data, params int[] shape) => folder => EditToAudio.IO.Npy.Write(folder.File(name), data, shape);

    private static Action<TemporaryFolder> Mask(string name, byte[] values, params int[] shape) => folder =>
        EditToAudio.IO.Npy.Write(folder.File(name), NpyArray.FromBytes(values, NpyDType.UInt8, shape));

    private static Action<TemporaryFolder> ModelSetWith(Action<string> change) => folder =>
    {
        string set = folder.File("set");
        Directory.CreateDirectory(set);
        foreach (string file in Directory.GetFiles(RepositoryPaths.Combine("models", "synthetic")))
        {
            File.Copy(file, Path.Combine(set, Path.GetFileName(file)));
        }
        change(set);
    };

    public static Dictionary<string, BadCase> Cases { get; } = new()
    {
        // ---- edit: arrays, options, folders ----
        ["edit: a token file that does not exist"] = new(Edit("--original-tokens", "{dir}/missing.npy"), 2, ["missing.npy"]),
        ["edit: a token file that is not NumPy"] = new(Edit("--original-tokens", "{dir}/text.npy"), 2, ["text.npy"], Bytes("text.npy", Encoding.UTF8.GetBytes("hello"))),
        ["edit: a truncated token file"] = new(Edit("--original-tokens", "{dir}/cut.npy"), 2, ["cut.npy"],
            f => File.WriteAllBytes(f.File("cut.npy"), File.ReadAllBytes(RepositoryPaths.Combine("samples", "edit", "original_tokens.npy"))[..4000])),
        ["edit: tokens of the wrong shape"] = new(Edit("--original-tokens", "{dir}/shape.npy"), 2, ["shape.npy"], Npy("shape.npy", new float[10 * 768], 10, 768)),
        ["edit: tokens of an integer type"] = new(Edit("--original-tokens", "{dir}/int.npy"), 2, ["int.npy"], Bytes("int.npy", IntegerNpy(257, 768))),
        ["edit: tokens that are not finite"] = new(Edit("--original-tokens", "{dir}/nan.npy"), 2, ["nan.npy"], Npy("nan.npy", [.. Enumerable.Repeat(float.NaN, 257 * 768)], 257, 768)),
        ["edit: token widths that differ"] = new(Edit("--edited-tokens", "{dir}/narrow.npy"), 2, ["token lengths differ", "narrow.npy"], Npy("narrow.npy", Ones(257 * 512), 257, 512)),
        ["edit: a mask with values other than 0 and 1"] = new(Edit("--remove-mask", "{dir}/two.npy"), 2, ["two.npy"], Mask("two.npy", [.. Enumerable.Repeat((byte)2, 64)], 8, 8)),
        ["edit: a mask of four dimensions"] = new(Edit("--remove-mask", "{dir}/rank.npy"), 2, ["rank.npy"], Mask("rank.npy", new byte[16], 2, 2, 2, 2)),
        ["edit: batch sizes that differ"] = new(Edit("--original-tokens", "{dir}/batch.npy", "--edited-tokens", "{dir}/batch.npy"), 2, ["mismatched batch sizes", "batch.npy"],
            Npy("batch.npy", Ones(2 * 257 * 768), 2, 257, 768)),
        ["edit: --k 0"] = new(Edit("--k", "0"), 1, ["--k must be at least 1"]),
        ["edit: --alpha below 0"] = new(Edit("--alpha", "-1"), 1, ["--alpha"]),
        ["edit: --mix with two weights"] = new(Edit("--mix", "0.5,0.5"), 1, ["--mix"]),
        ["edit: --threads that is not a number"] = new(Edit("--threads", "many"), 1, ["--threads: 'many' is not a whole number"]),
        ["edit: --parts holding other files"] = new(Edit("--parts", "{dir}/parts"), 2, ["--parts", "notes.txt"], Bytes("parts/notes.txt", [1])),
        ["edit: --out that is a folder"] = new(Edit("--out", "{dir}/folder"), 2, ["--out", "is a folder"], f => Directory.CreateDirectory(f.File("folder"))),
        ["edit: --out below a file"] = new(Edit("--out", "{dir}/file.txt/e.npy"), 2, ["file.txt", "is a file"], Bytes("file.txt", [1])),
        ["edit: an unknown --device"] = new(Edit("--device", "tpu"), 1, ["tpu"]),

        // ---- embed and run: images, options, model sets, folders ----
        ["run: an image that does not exist"] = new(Run("run", "--original", "{dir}/missing.png"), 2, ["missing.png", "does not exist"]),
        ["run: a file that is not an image"] = new(Run("run", "--original", "{dir}/notes.png"), 2, ["notes.png", "not an image"], Bytes("notes.png", Encoding.UTF8.GetBytes("hello"))),
        ["run: an empty image file"] = new(Run("run", "--edited", "{dir}/empty.png"), 2, ["empty.png", "empty"], Bytes("empty.png", [])),
        ["run: a truncated PNG"] = new(Run("run", "--original", "{dir}/half.png"), 2, ["half.png", "truncated"],
            f => File.WriteAllBytes(f.File("half.png"), File.ReadAllBytes(f.File("inputs/original.png"))[..1000])),
        ["run: PNG data with 100 of 480 rows"] = new(Run("run", "--original", "{dir}/short.png"), 2, ["short.png", "holds 100 of its 480 rows"], Bytes("short.png", CraftedPngs.WithRows(640, 480, 100, false))),
        ["run: a 60000x60000 header under --max-megapixels 4000"] = new(Run("run", "--original", "{dir}/vast.png", "--max-megapixels", "4000"), 2, ["vast.png", "60000x60000", "GB"],
            Bytes("vast.png", CraftedPngs.HeaderOnly(60000, 60000))),
        ["run: an image above --max-megapixels"] = new(Run("run", "--max-megapixels", "0.1"), 2, ["original.png", "above the limit of 100000 pixels"]),
        ["run: a --remove-point outside the image"] = new(Run("run", "--remove-point", "900,10"), 2, ["remove object 1: the point (900, 10) lies outside", "original.png"]),
        ["embed: a point and a box outside their images are both named"] = new(Run("embed", "--remove-point", "900,10", "--add-box", "0,0,2000,10"), 2,
            ["remove object 1: the point (900, 10) lies outside", "original.png", "add object 1: the box [0, 0, 2000, 10] reaches outside", "edited.png"]),
        ["embed: a --remove-mask that does not exist"] = new(["embed", "--original", "{original}", "--edited", "{edited}", "--remove-mask", "{dir}/none.png", "--add-point", "179,264", "--out", "{dir}/out"], 2,
            ["remove object 1: the mask file", "none.png", "does not exist"]),
        ["embed: a --prompts file that is not JSON names its line"] = new(["embed", "--original", "{original}", "--edited", "{edited}", "--prompts", "{dir}/p.json", "--out", "{dir}/out"], 2,
            ["p.json", "invalid JSON at line 3, column "], Bytes("p.json", Encoding.UTF8.GetBytes("{\n  \"remove\": [\n    {\"points\": [[1, 2]],}\n  ]\n}\n"))),
        ["run: an --add-point that is not X,Y"] = new(Run("run", "--add-point", "10"), 1, ["--add-point: expected X,Y"]),
        ["run: a negative --seed"] = new(Run("run", "--seed", "-1"), 1, ["--seed: '-1' is not a whole number from 0 to 18446744073709551615"]),
        ["run: --steps 0"] = new(Run("run", "--steps", "0"), 1, ["--steps must be at least 1"]),
        ["run: --steps beyond the model set's schedule"] = new(Run("run", "--steps", "100000"), 1, ["--steps must be at most the 1000 training steps"]),
        ["run: --duration above 60 s"] = new(Run("run", "--duration", "100"), 1, ["--duration must be a number from 0.01 to 60, got 100"]),
        ["run: --candidates above 64"] = new(Run("run", "--candidates", "65"), 1, ["--candidates must be from 1 to 64, got 65"]),
        ["run: a --guidance that is not a number"] = new(Run("run", "--guidance", "loud"), 1, ["--guidance: 'loud' is not a number"]),
        ["run: an unknown option"] = new(Run("run", "--colour", "red"), 1, ["--colour"]),
        ["run: no --original"] = new(["run", "--edited", "{edited}", "--remove-point", "1,1", "--add-point", "1,1"], 1, ["--original"]),
        ["run: a --models folder that does not exist"] = new(Run("run", "--models", "{dir}/no-such-set"), 2, ["no-such-set"]),
        ["run: a model set whose models.json is not JSON"] = new(Run("run", "--models", "{dir}/set"), 2, ["models.json"],
            ModelSetWith(set => File.WriteAllText(Path.Combine(set, "models.json"), "{ not json"))),
        ["run: a model set without its vocoder"] = new(Run("run", "--models", "{dir}/set"), 2, ["vocoder.onnx"], ModelSetWith(set => File.Delete(Path.Combine(set, "vocoder.onnx")))),
        ["run: --out holding other files"] = new(Run("run"), 2, ["notes.txt", "has no readable run.json"], Bytes("out/notes.txt", [1])),
        ["run: --out holding an earlier embed"] = new(Run("run"), 2, ["earlier `embed`"], Bytes("out/run.json", Encoding.UTF8.GetBytes("""{"kind": "embed", "outputs": ["run.json"]}"""))),
        ["run: --out below a file"] = new(Run("run", "--out", "{dir}/file.txt/out"), 2, ["file.txt is a file"], Bytes("file.txt", [1])),
        ["embed: --var-samples 0"] = new(Run("embed", "--var-samples", "0"), 1, ["--var-samples must be at least 1"]),
        ["embed: an unknown --mask-selection"] = new(Run("embed", "--mask-selection", "Biggest"), 1, ["Biggest"]),

        // ---- models ----
        ["models check: a folder that does not exist"] = new(["models", "check", "{dir}/no-such-set"], 2, ["no-such-set"]),
        ["models info: a models.json that is not JSON"] = new(["models", "info", "{dir}/set"], 2, ["models.json"], ModelSetWith(set => File.WriteAllText(Path.Combine(set, "models.json"), "[1, 2"))),
        ["models check: a network that breaks its contract"] = new(["models", "check", "{dir}/set"], 2, ["vocoder"],
            ModelSetWith(set => File.Copy(Path.Combine(set, "vae_decoder.onnx"), Path.Combine(set, "vocoder.onnx"), overwrite: true))),
        ["models generate: a folder below a file"] = new(["models", "generate", "{dir}/file.txt/set"], 2, ["file.txt"], Bytes("file.txt", [1])),

        // ---- batch: manifests, options, folders ----
        ["batch: a manifest that does not exist"] = new(Batch(), 2, ["pairs.jsonl"]),
        ["batch: a manifest line that is not JSON"] = new(Batch(), 2, ["pairs.jsonl", "line 1"], Manifest("{ id: cat")),
        ["batch: duplicate ids"] = new(Batch(), 2, ["line 2", "cat"], Manifest(GoodLine, GoodLine)),
        ["batch: an unknown key"] = new(Batch(), 2, ["line 1", "colour"], Manifest(GoodLine[..^1] + ", \"colour\": \"red\"}")),
        ["batch: a line with an unusable prompt"] = new(Batch(), 2, ["line 1", "remove[0].points[0] must be [x, y]"], Manifest("""{"id": "cat", "original": "inputs/original.png", "edited": "inputs/edited.png", "remove": [{"points": [[1]]}]}""")),
        ["batch: a value out of range on a line"] = new(Batch(), 2, ["line 1", "k"], Manifest(GoodLine[..^1] + ", \"k\": 0}")),
        ["batch: a line's steps beyond the model set"] = new(Batch(), 2, ["line 1", "steps 5000"], Manifest(GoodLine[..^1] + ", \"steps\": 5000}")),
        ["batch: --steps beyond the model set"] = new(Batch("--steps", "1001"), 1, ["--steps must be at most the 1000 training steps"], Manifest(GoodLine)),
        ["batch: a --sweep value that is not a number"] = new(Batch("--sweep", "k=abc"), 1, ["--sweep"], Manifest(GoodLine)),
        ["batch: a --shard outside its count"] = new(Batch("--shard", "3/2"), 1, ["--shard"], Manifest(GoodLine)),
        ["batch: --workers 0"] = new(Batch("--workers", "0"), 1, ["--workers must be at least 1"], Manifest(GoodLine)),
        ["batch: a negative --memory-gb"] = new(Batch("--memory-gb", "-1"), 1, ["--memory-gb"], Manifest(GoodLine)),
        ["batch: --out holding other files"] = new(Batch(), 2, ["notes.txt", "not an earlier batch's"], f =>
        {
            Manifest(GoodLine)(f);
            Bytes("out/notes.txt", [1])(f);
        }),
        ["batch-merge: a folder without results"] = new(["batch-merge", "{dir}/inputs", "--out", "{dir}/merged"], 2, ["inputs"]),
    };

    public static TheoryData<string> Names() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Is_refused_with_its_exit_code_a_message_that_names_it_and_nothing_written(string name)
    {
        BadCase bad = Cases[name];
        using var folder = new TemporaryFolder();
        DemoScene.SavePngs(folder.File("inputs"), DemoScene.Create());
        bad.Setup?.Invoke(folder);
        string[] before = Entries(folder.Path);

        var outcome = await CliRunner.RunAsync([.. bad.Args.Select(a => Fill(a, folder))]);

        Assert.True(bad.ExitCode == outcome.ExitCode, $"exit {outcome.ExitCode}, expected {bad.ExitCode}: {outcome.Error}");
        // `models check` reports the problems it found as its output; everything else on the error stream.
        string said = outcome.Error + outcome.Output;
        foreach (string expected in bad.Expected)
        {
            Assert.Contains(Fill(expected, folder), said, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("System.", said, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
        // One line of error (or one per parse error) and a one-line hint, never the whole help.
        Assert.True(outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 4, outcome.Error);
        Assert.Equal(before, Entries(folder.Path));
    }

    [Fact]
    public async Task Cuda_without_a_gpu_is_refused_before_any_folder_exists()
    {
        if (CudaSupport.Detect().IsSupported)
        {
            Assert.Skip("A CUDA device is present; this checks the refusal on machines without one.");
        }
        using var folder = new TemporaryFolder();
        DemoScene.SavePngs(folder.File("inputs"), DemoScene.Create());
        Manifest(GoodLine)(folder);
        string[] before = Entries(folder.Path);
        foreach (string[] args in new[] { Run("run", "--device", "cuda"), Run("embed", "--device", "cuda"), Batch("--device", "cuda"), Edit("--device", "cuda") })
        {
            var outcome = await CliRunner.RunAsync([.. args.Select(a => Fill(a, folder))]);

            Assert.True(outcome.ExitCode == 2, $"{args[0]}: exit {outcome.ExitCode}: {outcome.Error}");
            Assert.Contains("CUDA", outcome.Error, StringComparison.Ordinal);
            Assert.Equal(before, Entries(folder.Path));
        }
    }

    [Fact]
    public async Task A_batch_folder_held_by_a_running_batch_is_refused_with_the_holder_named()
    {
        using var folder = new TemporaryFolder();
        DemoScene.SavePngs(folder.File("inputs"), DemoScene.Create());
        Manifest(GoodLine)(folder);
        using OutputFolderLock held = OutputFolderLock.Acquire(folder.File("out"), ShardSpec.All);
        string[] before = Entries(folder.Path);

        var outcome = await CliRunner.RunAsync([.. Batch().Select(a => Fill(a, folder))]);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("is in use by another batch", outcome.Error, StringComparison.Ordinal);
        Assert.Contains($"process {Environment.ProcessId} on {Environment.MachineName}", outcome.Error, StringComparison.Ordinal);
        Assert.Equal(before, Entries(folder.Path));
    }

    private static string Fill(string text, TemporaryFolder folder) => text
        .Replace("{dir}", folder.Path, StringComparison.Ordinal)
        .Replace("{original}", folder.File("inputs/original.png"), StringComparison.Ordinal)
        .Replace("{edited}", folder.File("inputs/edited.png"), StringComparison.Ordinal)
        .Replace("{t0}", RepositoryPaths.Combine("samples", "edit", "original_tokens.npy"), StringComparison.Ordinal)
        .Replace("{t1}", RepositoryPaths.Combine("samples", "edit", "edited_tokens.npy"), StringComparison.Ordinal)
        .Replace("{m0}", RepositoryPaths.Combine("samples", "edit", "remove_mask.npy"), StringComparison.Ordinal)
        .Replace("{m1}", RepositoryPaths.Combine("samples", "edit", "add_mask.npy"), StringComparison.Ordinal);

    /// <summary>Every file and folder under <paramref name="root"/>, relative, sorted.</summary>
    private static string[] Entries(string root) =>
        [.. Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(e => Path.GetRelativePath(root, e)).Order(StringComparer.Ordinal)];

    private static string[] Merge(string[] arguments, string[] overrides)
    {
        var merged = new List<string>(arguments);
        for (int i = 0; i < overrides.Length; i += 2)
        {
            int at = merged.IndexOf(overrides[i]);
            if (at >= 0)
            {
                merged[at + 1] = overrides[i + 1];
            }
            else
            {
                merged.AddRange([overrides[i], overrides[i + 1]]);
            }
        }
        return [.. merged];
    }

    private static float[] Ones(int count) => [.. Enumerable.Repeat(1f, count)];

    /// <summary>A version 1.0 .npy of int32 zeros: a valid file of a type the edit does not take.</summary>
    private static byte[] IntegerNpy(int rows, int columns)
    {
        string header = $"{{'descr': '<i4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}";
        int padding = 64 - ((10 + header.Length + 1) % 64);
        header = header + new string(' ', padding % 64) + "\n";
        byte[] prefix = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, (byte)(header.Length >> 8)];
        return [.. prefix, .. Encoding.ASCII.GetBytes(header), .. new byte[4 * rows * columns]];
    }
}
