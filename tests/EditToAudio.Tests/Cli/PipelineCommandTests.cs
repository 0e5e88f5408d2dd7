using System.Text.Json;
using EditToAudio.Audio;
using EditToAudio.Cli;
using EditToAudio.Samples;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Cli;

public class PipelineCommandTests
{
    private static readonly string[] Fast = ["--steps", "5", "--candidates", "1", "--duration", "0.5", "--quiet"];

    private static (string Original, string Edited) SceneFiles(TemporaryFolder folder) => DemoScene.SavePngs(folder.File("inputs"), DemoScene.Create());

    [Fact]
    public async Task Demo_writes_every_output_and_says_the_models_are_synthetic()
    {
        using var folder = new TemporaryFolder();
        var run = await CliRunner.RunAsync(["demo", "--out", folder.File("demo"), .. Fast]);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("SYNTHETIC", run.Output, StringComparison.Ordinal);
        foreach (string file in new[] { "manipulated_audio.wav", "manipulated_audio.png", "baseline_original.wav", "baseline_edited.wav", "remove_mask.npy", "add_mask.png", "clap.npy", "run.json", "inputs/original.png" })
        {
            Assert.True(File.Exists(folder.File(Path.Combine("demo", file))), $"{file} is missing");
        }
        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(folder.File("demo/run.json")));
        Assert.True(record.RootElement.GetProperty("models").GetProperty("synthetic").GetBoolean());
        Assert.Equal("cpu", record.RootElement.GetProperty("provider").GetString());
        Assert.Equal(5, record.RootElement.GetProperty("parameters").GetProperty("steps").GetInt32());
        (float[] samples, int rate) = WaveFile.Read(folder.File("demo/manipulated_audio.wav"));
        Assert.Equal(16000, rate);
        Assert.Equal(8000, samples.Length);
    }

    [Fact]
    public async Task Run_writes_pcm16_when_asked_and_prints_its_record_as_json()
    {
        using var folder = new TemporaryFolder();
        (string original, string edited) = SceneFiles(folder);
        var run = await CliRunner.RunAsync(["run", "--original", original, "--edited", edited, "--remove-point", "179,264", "--add-point", "179,264",
            "--out", folder.File("out"), "--pcm16", "--json", "--mask-align", "crop", .. Fast]);

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument record = JsonDocument.Parse(run.Output);
        Assert.Equal("crop", record.RootElement.GetProperty("parameters").GetProperty("mask_align").GetString());
        byte[] wav = File.ReadAllBytes(folder.File("out/manipulated_audio.wav"));
        Assert.Equal(16, BitConverter.ToInt16(wav, 34)); // bits per sample of the fmt chunk
        Assert.False(File.Exists(folder.File("out/baseline_original.wav")));
    }

    [Fact]
    public async Task Embed_writes_masks_tokens_and_embeddings()
    {
        using var folder = new TemporaryFolder();
        (string original, string edited) = SceneFiles(folder);
        var run = await CliRunner.RunAsync(["embed", "--original", original, "--edited", edited, "--remove-point", "179,264", "--add-point", "179,264", "--out", folder.File("out"), "--quiet"]);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal([480, 640], EditToAudio.IO.Npy.Read(folder.File("out/remove_mask.npy")).Shape);
        Assert.Equal([257, 768], EditToAudio.IO.Npy.Read(folder.File("out/edited_tokens.npy")).Shape);
        Assert.Equal([512], EditToAudio.IO.Npy.Read(folder.File("out/clap.npy")).Shape);
        Assert.False(File.Exists(folder.File("out/manipulated_audio.wav")));
    }

    public static TheoryData<string[], int, string> BadRuns() => new()
    {
        { ["--original", "{dir}/missing.png"], 2, "missing.png" },
        { ["--original", "{dir}/not-an-image.png"], 2, "not-an-image.png" },
        { ["--remove-point", "900,10"], 2, "remove object 1: the point (900, 10) lies outside" },
        { ["--add-point", "10"], 1, "--add-point: expected X,Y" },
        { ["--models", "{dir}/no-such-set"], 2, "no-such-set" },
        { ["--steps", "0"], 1, "--steps must be at least 1" },
        { ["--guidance", "-1"], 1, "--guidance must be a finite number ≥ 0" },
        { ["--duration", "100"], 1, "--duration must be a number from 0.01 to 60, got 100" },
        { ["--candidates", "65"], 1, "--candidates must be from 1 to 64, got 65" },
        { ["--steps", "1001"], 1, "--steps must be at most the 1000 training steps of the model set synthetic, got 1001" },
        { ["--out", "{dir}/inputs/original.png/sub"], 2, "cannot write to the output folder" },
        { ["--max-megapixels", "0.1"], 2, "above the limit of 100000 pixels" },
    };

    [Theory]
    [MemberData(nameof(BadRuns))]
    public async Task Bad_runs_are_refused_with_a_clear_message_and_no_output(string[] overrides, int exitCode, string expected)
    {
        using var folder = new TemporaryFolder();
        (string original, string edited) = SceneFiles(folder);
        File.WriteAllText(folder.File("not-an-image.png"), "hello");
        var arguments = new Dictionary<string, string>
        {
            ["--original"] = original, ["--edited"] = edited, ["--remove-point"] = "179,264", ["--add-point"] = "179,264", ["--out"] = folder.File("out"),
            ["--steps"] = "5", ["--candidates"] = "1", ["--duration"] = "0.5",
        };
        for (int i = 0; i < overrides.Length; i += 2)
        {
            arguments[overrides[i]] = overrides[i + 1].Replace("{dir}", folder.Path, StringComparison.Ordinal);
        }

        var run = await CliRunner.RunAsync(["run", .. arguments.SelectMany(p => new[] { p.Key, p.Value }), "--quiet"]);

        Assert.Equal(exitCode, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("out")), "no output folder may be created");
    }

    [Theory]
    [InlineData("run")]
    [InlineData("demo")]
    public async Task Cancelling_during_the_sampler_exits_130_and_leaves_no_files(string command)
    {
        using var folder = new TemporaryFolder();
        (string original, string edited) = SceneFiles(folder);
        string[] arguments = command == "run"
            ? ["run", "--original", original, "--edited", edited, "--remove-point", "179,264", "--add-point", "179,264"]
            : ["demo"];
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        // Progress lines go to the error stream; the first sampler step is where Ctrl+C arrives.
        using var error = new CancelOnLine("[Audio] ", cancellation);
        using var output = new StringWriter();

        int code = await CliApp.RunAsync([.. arguments, "--out", folder.File("out"), "--steps", "50", "--candidates", "1", "--duration", "0.5"], output, error, cancellation.Token);

        Assert.True(code == 130, error.ToString());
        Assert.Contains("cancelled", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("out")), "a cancelled command may not leave a folder");
    }

    /// <summary>A text writer that cancels when a line starting with <paramref name="prefix"/> is written.</summary>
    private sealed class CancelOnLine(string prefix, CancellationTokenSource cancellation) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value is not null && value.StartsWith(prefix, StringComparison.Ordinal))
            {
                cancellation.Cancel();
            }
        }
    }
}
