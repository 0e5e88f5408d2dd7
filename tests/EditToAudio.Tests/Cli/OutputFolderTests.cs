using System.Text.Json;
using EditToAudio.Audio;
using EditToAudio.Pipeline;
using EditToAudio.Samples;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Cli;

/// <summary>One output folder holds one run: earlier outputs of the same command are replaced as a whole, anything else is refused.</summary>
public class OutputFolderTests
{
    private static readonly string[] Fast = ["--steps", "3", "--candidates", "1", "--duration", "0.5", "--quiet"];

    private static string[] Run(string command, (string Original, string Edited) images, string output, params string[] extra) =>
        [command, "--original", images.Original, "--edited", images.Edited, "--remove-point", "179,264", "--add-point", "179,264", "--out", output, .. extra];

    private static string[] RecordedOutputs(string folder)
    {
        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json")));
        return [.. record.RootElement.GetProperty("outputs").EnumerateArray().Select(o => o.GetString()!).Order(StringComparer.Ordinal)];
    }

    private static string[] FilesIn(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task An_embed_into_a_run_folder_is_refused_and_leaves_the_run_untouched()
    {
        using var folder = new TemporaryFolder();
        var images = DemoScene.SavePngs(folder.File("inputs"), DemoScene.Create());
        var run = await CliRunner.RunAsync(Run("run", images, folder.File("out"), [.. Fast, "--baselines"]));
        Assert.True(run.ExitCode == 0, run.Error);
        string[] before = FilesIn(folder.File("out"));

        var embed = await CliRunner.RunAsync(Run("embed", images, folder.File("out"), "--quiet"));

        Assert.Equal(2, embed.ExitCode);
        Assert.Contains("holds the output of an earlier `run`", embed.Error, StringComparison.Ordinal);
        Assert.Contains(folder.File("out"), embed.Error, StringComparison.Ordinal);
        Assert.Equal(before, FilesIn(folder.File("out")));
    }

    [Fact]
    public async Task A_second_run_replaces_the_first_as_a_whole()
    {
        using var folder = new TemporaryFolder();
        var images = DemoScene.SavePngs(folder.File("inputs"), DemoScene.Create());
        Assert.Equal(0, (await CliRunner.RunAsync(Run("run", images, folder.File("out"), [.. Fast, "--baselines"]))).ExitCode);
        Assert.Contains("baseline_original.wav", FilesIn(folder.File("out")));

        var again = await CliRunner.RunAsync(Run("run", images, folder.File("out"), Fast));

        Assert.True(again.ExitCode == 0, again.Error);
        // The first run's baselines are gone; what is there is exactly what the record lists.
        Assert.DoesNotContain("baseline_original.wav", FilesIn(folder.File("out")));
        Assert.Equal(RecordedOutputs(folder.File("out")), FilesIn(folder.File("out")));
    }

    [Theory]
    [InlineData("notes.txt")]
    [InlineData("run.json")]
    public async Task A_folder_with_other_files_is_refused(string file)
    {
        using var folder = new TemporaryFolder();
        var images = DemoScene.SavePngs(folder.File("inputs"), DemoScene.Create());
        Directory.CreateDirectory(folder.File("out"));
        File.WriteAllText(folder.File($"out/{file}"), "mine");

        var run = await CliRunner.RunAsync(Run("run", images, folder.File("out"), Fast));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("has no readable run.json", run.Error, StringComparison.Ordinal);
        Assert.Equal([file], FilesIn(folder.File("out")));
    }

    [Fact]
    public async Task A_file_the_earlier_record_does_not_list_is_refused()
    {
        using var folder = new TemporaryFolder();
        var images = DemoScene.SavePngs(folder.File("inputs"), DemoScene.Create());
        Assert.Equal(0, (await CliRunner.RunAsync(Run("embed", images, folder.File("out"), "--quiet"))).ExitCode);
        File.WriteAllText(folder.File("out/manipulated_audio.wav"), "not this run's");

        var embed = await CliRunner.RunAsync(Run("embed", images, folder.File("out"), "--quiet"));

        Assert.Equal(2, embed.ExitCode);
        Assert.Contains("manipulated_audio.wav", embed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_demo_lists_every_file_it_wrote_in_readable_utf8()
    {
        using var folder = new TemporaryFolder();
        // An apostrophe and an umlaut in the path: run.json keeps them as they are.
        string output = folder.File("Jürgen's demo");
        var demo = await CliRunner.RunAsync(["demo", "--out", output, .. Fast]);

        Assert.True(demo.ExitCode == 0, demo.Error);
        Assert.Equal(RecordedOutputs(output), FilesIn(output));
        Assert.Contains("inputs/original.png", RecordedOutputs(output));
        string text = File.ReadAllText(Path.Combine(output, "run.json"));
        Assert.Contains("Jürgen's demo", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0027", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u00FC", text, StringComparison.OrdinalIgnoreCase);
        // The record's image paths are the copies in inputs/, with the hashes of their bytes.
        using JsonDocument record = JsonDocument.Parse(text);
        JsonElement original = record.RootElement.GetProperty("inputs").GetProperty("original");
        Assert.Equal(Path.Combine(output, "inputs", "original.png"), original.GetProperty("path").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(output, "inputs", "original.png")))),
            original.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Edit_parts_go_only_into_an_empty_or_earlier_parts_folder()
    {
        using var folder = new TemporaryFolder();
        string[] edit = ["edit", "--original-tokens", RepositoryPaths.Combine("samples", "edit", "original_tokens.npy"),
            "--edited-tokens", RepositoryPaths.Combine("samples", "edit", "edited_tokens.npy"),
            "--remove-mask", RepositoryPaths.Combine("samples", "edit", "remove_mask.npy"), "--add-mask", RepositoryPaths.Combine("samples", "edit", "add_mask.npy"),
            "--out", folder.File("e.npy"), "--parts", folder.File("parts")];
        Assert.Equal(0, (await CliRunner.RunAsync(edit)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(edit)).ExitCode); // an earlier parts folder is rewritten
        File.WriteAllText(folder.File("parts/notes.txt"), "mine");

        var refused = await CliRunner.RunAsync(edit);

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("notes.txt", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_click_on_the_background_is_warned_about_and_the_mask_areas_are_recorded()
    {
        using var folder = new TemporaryFolder();
        (string original, string edited) = DemoScene.SavePngs(folder.File("inputs"), DemoScene.Create());
        string[] args = ["embed", "--original", original, "--edited", edited, "--remove-point", "5,5", "--add-point", "179,264", "--out", folder.File("out"), "--quiet"];

        var embed = await CliRunner.RunAsync(args);

        Assert.True(embed.ExitCode == 0, embed.Error);
        Assert.Contains("warning: The remove mask covers", embed.Error, StringComparison.Ordinal);
        Assert.Contains("probably lies on the background", embed.Error, StringComparison.Ordinal);
        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(folder.File("out/run.json")));
        JsonElement masks = record.RootElement.GetProperty("masks");
        Assert.True(masks.GetProperty("remove_fraction").GetDouble() > MaskCoverage.MostOfTheImage);
        Assert.InRange(masks.GetProperty("add_fraction").GetDouble(), MaskCoverage.AlmostNone, MaskCoverage.MostOfTheImage);
        Assert.Contains(record.RootElement.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("remove mask covers", StringComparison.Ordinal));
    }

    [Fact]
    public void A_clip_at_full_scale_is_warned_about()
    {
        float[] wave = new float[1000];
        wave[1] = 1f;
        wave[2] = -1.2f;
        var clip = new AudioClip(wave, 16000, 0, [], false, 5);
        var warnings = new List<string>();

        EditToAudioEngine.NoteAudio(EditToAudio.Tests.Models.SyntheticSet.Load(), clip, "the edited embedding", warnings);

        Assert.Equal(0.002, clip.FullScaleFraction(), 12);
        Assert.Contains(warnings, w => w.Contains("clips: 0.2% of its samples are at full scale", StringComparison.Ordinal));
        var quiet = new List<string>();
        EditToAudioEngine.NoteAudio(EditToAudio.Tests.Models.SyntheticSet.Load(), clip with { Waveform = new float[1000] }, "x", quiet);
        Assert.DoesNotContain(quiet, w => w.Contains("full scale", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_demo_clip_is_a_moderate_signal_whose_spectrum_follows_the_embedding()
    {
        using var folder = new TemporaryFolder();
        var demo = await CliRunner.RunAsync(["demo", "--out", folder.File("demo"), "--steps", "10", "--candidates", "1", "--duration", "1", "--quiet"]);

        Assert.True(demo.ExitCode == 0, demo.Error);
        Assert.DoesNotContain("full scale", demo.Error, StringComparison.Ordinal);
        (float[] edited, _) = WaveFile.Read(folder.File("demo/manipulated_audio.wav"));
        (float[] original, _) = WaveFile.Read(folder.File("demo/baseline_original.wav"));
        double peak = edited.Max(s => Math.Abs(s)), rms = Math.Sqrt(edited.Average(s => (double)s * s));
        // Before: 81–87% of the samples at ±1. Now below −3 dBFS at the peak and well above silence.
        Assert.InRange(peak, 0.05, 0.71);
        Assert.InRange(rms, 0.02, 0.5);
        Assert.Equal(0, new AudioClip(edited, 16000, 0, [], false, 10).FullScaleFraction());
        // Different embeddings, different partials: the spectra of the clip and the original's baseline differ.
        double[] a = Partials(edited), b = Partials(original);
        double cosine = a.Zip(b).Sum(p => p.First * p.Second) / Math.Sqrt(a.Sum(v => v * v) * b.Sum(v => v * v));
        Assert.True(cosine < 0.99, $"the spectra should differ (cosine {cosine:F4})");
    }

    /// <summary>Mean power of each of the 64 harmonics of 100 Hz, per 160-sample hop.</summary>
    private static double[] Partials(float[] wave)
    {
        var power = new double[64];
        for (int hop = 0; hop + 160 <= wave.Length; hop += 160)
        {
            for (int b = 0; b < 64; b++)
            {
                double sum = 0;
                for (int r = 0; r < 160; r++)
                {
                    sum += wave[hop + r] * Math.Sin(2 * Math.PI * (b + 1) * r / 160);
                }
                power[b] += sum * sum;
            }
        }
        return power;
    }
}
