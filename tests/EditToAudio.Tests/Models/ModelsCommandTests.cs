using System.CommandLine;
using EditToAudio.Cli.Commands;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Models;

public class ModelsCommandTests
{
    private static (int ExitCode, string Output, string Error) Invoke(params string[] args)
    {
        var root = new RootCommand { ModelsCommand.Create() };
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = root.Parse(["models", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Check_passes_on_the_synthetic_set()
    {
        var (code, output, _) = Invoke("check", SyntheticSet.Load().Folder);
        Assert.Equal(0, code);
        Assert.Contains("OK: 9 networks", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_prints_one_line_per_problem_and_fails()
    {
        using var folder = new TemporaryFolder();
        foreach (string file in Directory.GetFiles(SyntheticSet.Load().Folder))
        {
            File.Copy(file, Path.Combine(folder.Path, Path.GetFileName(file)));
        }
        File.Copy(Path.Combine(folder.Path, "vae_decoder.onnx"), Path.Combine(folder.Path, "vocoder.onnx"), overwrite: true);
        var (code, output, _) = Invoke("check", folder.Path);
        Assert.Equal(2, code); // a model set that cannot be used is bad input
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(
            [
                "vocoder: input mel: expected float [N,64,4T], found no input of that name (inputs: latent)",
                "vocoder: output wave: expected float [N,640T], found no output of that name (outputs: mel)",
                "vocoder: input latent: expected no such input (the engine would not feed it), found float [N,8,T,16]",
                $"3 problem(s) in {folder.Path}.",
            ],
            lines);
    }

    [Fact]
    public void Check_of_a_missing_folder_fails_with_its_name()
    {
        var (code, _, error) = Invoke("check", "/nonexistent/models");
        Assert.Equal(2, code); // a model set that cannot be used is bad input
        Assert.Contains("'/nonexistent/models' does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_describes_the_set_and_says_it_is_synthetic()
    {
        var (code, output, _) = Invoke("info", SyntheticSet.Load().Folder);
        Assert.Equal(0, code);
        Assert.Contains("SYNTHETIC", output, StringComparison.Ordinal);
        Assert.Contains("unet: unet.onnx", output, StringComparison.Ordinal);
        Assert.Contains("in  timestep: int64 [N]", output, StringComparison.Ordinal);
        Assert.Contains("sample_rate 16000 Hz", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_writes_a_set_that_checks_clean()
    {
        using var folder = new TemporaryFolder();
        string target = Path.Combine(folder.Path, "set");
        var (code, output, _) = Invoke("generate", target, "--seed", "5");
        Assert.Equal(0, code);
        Assert.Contains("synthetic models", output, StringComparison.Ordinal);
        Assert.Equal(0, Invoke("check", target).ExitCode);
    }
}
