using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using EditToAudio.Pipeline;
using EditToAudio.Tests.Cli;
using EditToAudio.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EditToAudio.Tests.Docs;

/// <summary>
/// Every code block of the README is run, in order, in one fresh folder, as a new user would from
/// the repository root: each <c>dotnet run --project src/EditToAudio.Cli -- …</c> line through the
/// runner in-process (with fewer diffusion steps, so the suite stays fast), and each C# block
/// compiled as the Program.cs of a new console project that references the engine, then run.
/// </summary>
[Collection(typeof(RunsAlone))] // it changes the working folder and the console
public partial class ReadmeTests
{
    private const string Runner = "dotnet run --project src/EditToAudio.Cli -- ";
    private static readonly string[] Faster = ["--steps", "10", "--candidates", "1"];

    public sealed record Block(int Line, string Language, string Code);

    public static IReadOnlyList<Block> Blocks(string markdown)
    {
        var blocks = new List<Block>();
        foreach (Match match in FencedBlock().Matches(markdown))
        {
            int line = markdown[..match.Index].Count(c => c == '\n') + 1;
            blocks.Add(new Block(line, match.Groups["language"].Value, match.Groups["code"].Value));
        }
        return blocks;
    }

    [Fact]
    public async Task Every_code_block_of_the_readme_runs()
    {
        IReadOnlyList<Block> blocks = Blocks(File.ReadAllText(RepositoryPaths.Combine("README.md")));
        Assert.Contains(blocks, b => b.Language == "csharp");
        Assert.Contains(blocks, b => b.Language == "sh");
        using var folder = new TemporaryFolder();
        // The repository's bundled inputs, where a command run from its root finds them.
        Directory.CreateSymbolicLink(folder.File("samples"), RepositoryPaths.Combine("samples"));
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = folder.Path;
        try
        {
            foreach (Block block in blocks)
            {
                switch (block.Language)
                {
                    case "sh":
                        await RunShell(block);
                        break;
                    case "csharp":
                        RunCSharp(block);
                        break;
                    default:
                        Assert.Fail($"README.md line {block.Line}: a ```{block.Language} block, which this test does not know how to run.");
                        break;
                }
            }
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
        Assert.True(File.Exists(folder.File("demo-output/run.json")), "the demo wrote its record");
        Assert.True(File.Exists(folder.File("edit-output/parts/E_bg.npy")), "the edit example wrote its parts");
    }

    private static async Task RunShell(Block block)
    {
        foreach (string line in block.Code.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line == "dotnet test Engine.sln")
            {
                continue; // the command that runs this test
            }
            Assert.True(line.StartsWith(Runner, StringComparison.Ordinal), $"README.md line {block.Line}: '{line}' is neither the runner nor the test command.");
            string[] args = line[Runner.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (args[0] is "demo" or "run")
            {
                args = [.. args, .. Faster];
            }
            CliRunner.Outcome outcome = await CliRunner.RunAsync(args);
            Assert.True(outcome.ExitCode == 0, $"README.md line {block.Line}: '{line}' exited {outcome.ExitCode}: {outcome.Error}");
        }
    }

    private static void RunCSharp(Block block)
    {
        string[] implicitUsings = ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];
        SyntaxTree program = CSharpSyntaxTree.ParseText(block.Code, new CSharpParseOptions(LanguageVersion.Latest), path: "Program.cs");
        SyntaxTree usings = CSharpSyntaxTree.ParseText(string.Concat(implicitUsings.Select(u => $"global using global::{u};\n")), new CSharpParseOptions(LanguageVersion.Latest));
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(EditToAudioEngine).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(path => MetadataReference.CreateFromFile(path));
        CSharpCompilation compilation = CSharpCompilation.Create("ReadmeSnippet", [usings, program], references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, $"README.md line {block.Line}: the C# block does not compile:\n" +
            string.Join('\n', emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        Assert.DoesNotContain(emitted.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning);

        Assembly snippet = new AssemblyLoadContext("readme", isCollectible: true).LoadFromStream(new MemoryStream(image.ToArray()));
        MethodInfo main = snippet.EntryPoint!;
        using var output = new StringWriter();
        TextWriter console = Console.Out;
        Console.SetOut(output);
        try
        {
            main.Invoke(null, main.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
        }
        finally
        {
            Console.SetOut(console);
        }
        Assert.Contains("samples at 16000 Hz", output.ToString(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^```(?<language>[a-z]+)\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();
}
