using System.Text.Json;
using EditToAudio.IO;
using EditToAudio.Models;
using EditToAudio.Samples;
using EditToAudio.Tests.Cli;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Models;

/// <summary>
/// The real-architecture tiny set (tests/fixtures/tiny-real, made by tools/export/make_tiny_set.py
/// from the upstream classes at small widths): it satisfies the contracts, computes what PyTorch
/// computed on its saved cases, and runs through the whole pipeline.
/// </summary>
public class TinyRealSetTests
{
    private static string Folder => RepositoryPaths.Combine("tests", "fixtures", "tiny-real");

    /// <summary>A writable copy of the set, so a test can damage its cases.</summary>
    private static string CopyOf(TemporaryFolder folder)
    {
        string target = folder.File("set");
        foreach (string file in Directory.GetFiles(Folder, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(target, Path.GetRelativePath(Folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        return target;
    }

    [Fact]
    public async Task Check_passes()
    {
        var run = await CliRunner.RunAsync("models", "check", Folder);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains("OK: 9 networks", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_matches_pytorch_on_every_case()
    {
        var run = await CliRunner.RunAsync("models", "verify", Folder);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains("OK: 11 outputs of 8 networks", run.Output, StringComparison.Ordinal);
        foreach (string row in new[] { "unet             eps", "clap_audio       embedding", "sam2_decoder     masks", "vocoder          wave" })
        {
            Assert.Contains(row, run.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_corrupted_reference_fails_with_its_worst_element()
    {
        using var folder = new TemporaryFolder();
        string set = CopyOf(folder);
        string eps = Path.Combine(set, "cases", "unet", "eps.npy");
        NpyArray reference = Npy.Read(eps);
        float[] values = reference.ToSingle();
        values[1234] += 0.5f;
        Npy.Write(eps, NpyArray.FromSingle(values, [.. reference.Shape]));

        var run = await CliRunner.RunAsync("models", "verify", set);

        Assert.Equal(4, run.ExitCode);
        Assert.Contains("FAILED: 1 of 11 outputs", run.Output, StringComparison.Ordinal);
        Assert.Contains("eps", run.Output, StringComparison.Ordinal);
        Assert.Contains("FAIL, worst [0,3,5,2]", run.Output, StringComparison.Ordinal); // element 1234 of [3,8,24,16]
    }

    [Fact]
    public async Task A_missing_case_file_is_named()
    {
        using var folder = new TemporaryFolder();
        string set = CopyOf(folder);
        string timestep = Path.Combine(set, "cases", "unet", "timestep.npy");
        File.Delete(timestep);

        var run = await CliRunner.RunAsync("models", "verify", set);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(timestep, run.Error, StringComparison.Ordinal);
        Assert.Contains("missing", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mis_shaped_case_file_is_named()
    {
        using var folder = new TemporaryFolder();
        string set = CopyOf(folder);
        string y = Path.Combine(set, "cases", "unet", "y.npy");
        Npy.Write(y, NpyArray.FromSingle(new float[2 * 512], 2, 512)); // the case has N = 3

        var run = await CliRunner.RunAsync("models", "verify", set);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(y, run.Error, StringComparison.Ordinal);
        Assert.Contains("N = 2", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_case_of_the_wrong_dtype_is_named()
    {
        using var folder = new TemporaryFolder();
        string set = CopyOf(folder);
        string timestep = Path.Combine(set, "cases", "unet", "timestep.npy");
        Npy.Write(timestep, NpyArray.FromSingle([0f, 500f, 999f], 3));

        var run = await CliRunner.RunAsync("models", "verify", set);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{timestep}: dtype Float32, expected int64", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cases_can_come_from_another_folder_and_must_belong_to_the_set()
    {
        using var folder = new TemporaryFolder();
        string set = CopyOf(folder);
        string cases = folder.File("elsewhere");
        Directory.Move(Path.Combine(set, "cases"), cases);

        Assert.Equal(2, (await CliRunner.RunAsync("models", "verify", set)).ExitCode); // no DIR/cases any more
        var run = await CliRunner.RunAsync("models", "verify", set, "--cases", cases);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);

        Directory.CreateDirectory(Path.Combine(cases, "not_a_network"));
        var stray = await CliRunner.RunAsync("models", "verify", set, "--cases", cases);
        Assert.Equal(2, stray.ExitCode);
        Assert.Contains("'not_a_network' is not a network key", stray.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_short_run_goes_through_every_network()
    {
        using var folder = new TemporaryFolder();
        (string original, string edited) = DemoScene.SavePngs(folder.File("inputs"), DemoScene.Create());

        var run = await CliRunner.RunAsync("run", "--models", Folder, "--original", original, "--edited", edited,
            "--remove-point", "179,264", "--add-point", "179,264", "--steps", "2", "--candidates", "2", "--out", folder.File("out"), "--quiet");

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(folder.File("out/run.json")));
        Assert.Equal("tiny-real", record.RootElement.GetProperty("models").GetProperty("name").GetString());
        (float[] samples, int rate) = EditToAudio.Audio.WaveFile.Read(folder.File("out/manipulated_audio.wav"));
        Assert.Equal(16000, rate);
        Assert.Equal(163840, samples.Length);
        Assert.All(samples, s => Assert.True(float.IsFinite(s)));
    }

    [Fact]
    public void The_manifest_records_where_the_set_came_from()
    {
        var set = ModelSet.Load(Folder);
        Assert.True(set.IsSynthetic); // random weights: every output says it is not a real model
        Assert.Equal(ModelPrecision.Fp32, set.Manifest.Precision);
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, ModelSetManifest.FileName)));
        var provenance = manifest.RootElement.GetProperty("provenance");
        Assert.Equal("random (all-zero tensors re-drawn)", provenance.GetProperty("weights").GetString());
        foreach (var check in provenance.GetProperty("cross_checks").EnumerateObject())
        {
            Assert.True(check.Value.GetDouble() <= 1e-5, $"{check.Name}: {check.Value.GetDouble()}");
        }
    }

    [Fact]
    public void The_set_stays_within_its_size_budget()
    {
        long bytes = Directory.GetFiles(Folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(bytes <= 30_000_000, $"tests/fixtures/tiny-real is {bytes} bytes");
    }
}
