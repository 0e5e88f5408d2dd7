using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Cli;

public class ModelsGenerateTests
{
    [Fact]
    public async Task An_unwritable_folder_is_one_line_and_exit_2()
    {
        using var folder = new TemporaryFolder();
        string file = folder.Write("a-file", [1]);

        var run = await CliRunner.RunAsync("models", "generate", Path.Combine(file, "set"));

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("edit2audio models generate: error: ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }
}
