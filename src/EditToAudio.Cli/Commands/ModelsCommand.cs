using System.CommandLine;
using System.Globalization;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.SyntheticModels;

namespace EditToAudio.Cli.Commands;

/// <summary><c>edit2audio models check|verify|info|generate [DIR]</c>: inspect, verify and generate model sets.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "Inspect and check model sets (a folder with models.json and one ONNX file per network).");
        command.Subcommands.Add(CreateCheck());
        command.Subcommands.Add(CreateVerify());
        command.Subcommands.Add(CreateInfo());
        command.Subcommands.Add(CreateGenerate());
        return command;
    }

    private static Argument<string?> FolderArgument(string description) => new("dir")
    {
        Description = description,
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static Command CreateCheck()
    {
        var folder = FolderArgument("Model set folder (default: the bundled synthetic set, models/synthetic).");
        var command = new Command("check", "Load every network of a set and compare it with its contract; one line per problem, non-zero exit on any.") { folder };
        command.SetAction((ParseResult result, CancellationToken cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var set = Open(result, result.GetValue(folder));
            if (set is null)
            {
                return Task.FromResult(ExitCodes.BadInput);
            }
            var problems = ContractChecker.CheckSet(set, cancellationToken: cancellationToken);
            foreach (var problem in problems)
            {
                output.WriteLine(problem);
            }
            int networks = NetworkContracts.All.Count(c => set.Has(c.Kind));
            output.WriteLine(problems.Count == 0
                ? $"OK: {networks} networks in {set.Folder} satisfy their contracts."
                : $"{problems.Count} problem(s) in {set.Folder}.");
            return Task.FromResult(problems.Count == 0 ? ExitCodes.Success : ExitCodes.BadInput);
        });
        return command;
    }

    private static Command CreateVerify()
    {
        var folder = FolderArgument("Model set folder (default: the bundled synthetic set, models/synthetic).");
        var cases = new Option<string?>("--cases") { Description = "Cases folder: <network key>/<tensor name>.npy with inputs and reference outputs (default: DIR/cases)." };
        var device = new Option<Device>("--device") { Description = "cpu or cuda (an error if CUDA cannot be used).", DefaultValueFactory = _ => Device.Cpu };
        var command = new Command("verify", "Run every network that has a case folder on its saved inputs and compare each output with the saved reference; non-zero exit unless all are within the set's precision tolerances.") { folder, cases, device };
        command.SetAction((result, cancellationToken) => CommandRunner.Run(result, (output, _) =>
        {
            var set = Open(result, result.GetValue(folder));
            if (set is null)
            {
                return ExitCodes.BadInput;
            }
            if (result.GetValue(device) == Device.Auto)
            {
                throw new ArgumentException("--device: verify takes cpu or cuda, so the report says which provider was checked.");
            }
            var provider = result.GetValue(device) == Device.Cuda ? ExecutionProvider.Cuda : ExecutionProvider.Cpu;
            var report = ModelSetVerifier.Verify(set, result.GetValue(cases), new NetworkOptions(provider), progress: null, cancellationToken);
            WriteReport(report, provider, output);
            return report.Passed ? ExitCodes.Success : ExitCodes.VerificationFailed;
        }));
        return command;
    }

    private static void WriteReport(VerificationReport report, ExecutionProvider provider, TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"Cases: {report.CasesFolder} ({ModelSetManifest.PrecisionNames[report.Precision]} set on the {provider.ToString().ToUpperInvariant()} provider)");
        output.WriteLine(string.Create(inv, $"{"network",-16} {"output",-17} {"shape",-20} {"max abs err",12} {"max rel err",12} {"cosine",12}  result"));
        foreach (var c in report.Comparisons)
        {
            string shape = "[" + string.Join(",", c.Shape) + "]";
            output.WriteLine(string.Create(inv, $"{c.Network,-16} {c.Output,-17} {shape,-20} {c.MaxAbsoluteError,12:0.00E+00} {c.MaxRelativeError,12:0.00E+00} {c.Cosine,12:F8}  {(c.Passed ? "ok" : "FAIL, worst " + c.WorstElement)}"));
        }
        var t = report.Tolerance;
        string limits = string.Create(inv, $"max rel err <= {t.MaxRelativeError:G3}, cosine >= {t.MinCosine:G6}");
        int failed = report.Comparisons.Count(c => !c.Passed);
        output.WriteLine(report.Passed
            ? $"OK: {report.Comparisons.Count} outputs of {report.NetworkCount} networks match their references ({limits})."
            : $"FAILED: {failed} of {report.Comparisons.Count} outputs differ from their references beyond {limits}.");
    }

    private static Command CreateInfo()
    {
        var folder = FolderArgument("Model set folder (default: the bundled synthetic set, models/synthetic).");
        var command = new Command("info", "Print a set's networks (files, sizes, hashes, contracts) and constants.") { folder };
        command.SetAction((ParseResult result, CancellationToken cancellationToken) =>
        {
            var set = Open(result, result.GetValue(folder));
            if (set is null)
            {
                return Task.FromResult(ExitCodes.BadInput);
            }
            Describe(set, result.InvocationConfiguration.Output, cancellationToken);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static Command CreateGenerate()
    {
        var folder = FolderArgument($"Output folder (default: {ModelSet.SyntheticRelativeFolder}).");
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic weights.", DefaultValueFactory = _ => SyntheticWeights.DefaultSeed };
        var command = new Command("generate", "Write the analytic synthetic model set (deterministic from the seed).") { folder, seed };
        // Through CommandRunner: an unwritable folder or Ctrl+C is one line and an exit code, not a stack trace.
        command.SetAction((result, cancellationToken) => CommandRunner.Run(result, (output, _) =>
        {
            string target = result.GetValue(folder) ?? ModelSet.SyntheticRelativeFolder;
            SyntheticModelSet.Generate(target, result.GetValue(seed), progress: null, cancellationToken);
            output.WriteLine($"Wrote the synthetic model set (seed {result.GetValue(seed)}) to {Path.GetFullPath(target)}. These are synthetic models, not real weights.");
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Loads the set named by <paramref name="folder"/>, or the bundled synthetic set; reports errors and returns null.</summary>
    private static ModelSet? Open(ParseResult result, string? folder)
    {
        var output = result.InvocationConfiguration.Output;
        var error = result.InvocationConfiguration.Error;
        if (folder is null)
        {
            folder = ModelSet.FindSyntheticFolder();
            if (folder is null)
            {
                error.WriteLine($"No model set given and no {ModelSet.SyntheticRelativeFolder} found here or above; pass a folder or run `edit2audio models generate`.");
                return null;
            }
            output.WriteLine($"Using the bundled synthetic model set at {folder} (synthetic models, not real weights).");
        }
        try
        {
            return ModelSet.Load(folder);
        }
        catch (ModelSetException e)
        {
            error.WriteLine(e.Message);
            return null;
        }
    }

    private static void Describe(ModelSet set, TextWriter output, CancellationToken cancellationToken)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"Model set: {set.Name}{(set.IsSynthetic ? " (SYNTHETIC: not real weights)" : "")}");
        output.WriteLine($"Folder: {set.Folder}");
        if (set.Manifest.Description.Length > 0)
        {
            output.WriteLine($"Description: {set.Manifest.Description}");
        }
        output.WriteLine("Networks:");
        foreach (var contract in NetworkContracts.All)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!set.Has(contract.Kind))
            {
                output.WriteLine($"  {contract.Key}: not in this set{(contract.IsOptional ? " (optional)" : "")}");
                continue;
            }
            string path = set.PathOf(contract.Kind);
            long bytes = new FileInfo(path).Length;
            output.WriteLine(string.Create(inv, $"  {contract.Key}: {Path.GetFileName(path)}, {bytes} bytes, sha256 {set.Sha256Of(contract.Kind)}"));
            foreach (var input in contract.Inputs)
            {
                output.WriteLine($"    in  {input}");
            }
            foreach (var outputTensor in contract.Outputs)
            {
                output.WriteLine($"    out {outputTensor}");
            }
        }
        if (set.Manifest.Labels is { } labels)
        {
            output.WriteLine($"Labels: {labels.Names.Count} in {labels.File}: {string.Join(", ", labels.Names.Select(n => $"\"{n}\""))}");
        }
        var c = set.Constants;
        static string List(IEnumerable<double> values) => "[" + string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";
        double embeddingNorm = Math.Sqrt(c.UnconditionalEmbedding.Sum(v => (double)v * v));
        output.WriteLine("Constants:");
        output.WriteLine(string.Create(inv, $"  sample_rate {c.SampleRate} Hz, hop_length {c.HopLength}, vae_scale_factor {c.VaeScaleFactor:R}"));
        output.WriteLine(string.Create(inv, $"  beta_schedule {BetaSchedule.ScaledLinear}: {c.BetaSchedule.Steps} steps, linspace(sqrt({c.BetaSchedule.BetaStart:R}), sqrt({c.BetaSchedule.BetaEnd:R}))^2"));
        output.WriteLine(string.Create(inv, $"  clip_normalization mean {List(c.Clip.Mean)} std {List(c.Clip.Std)} at {c.Clip.ImageSize} px"));
        output.WriteLine(string.Create(inv, $"  sam2_normalization mean {List(c.Sam2.Mean)} std {List(c.Sam2.Std)} at {c.Sam2.ImageSize} px"));
        output.WriteLine(string.Create(inv, $"  token_layout {c.Tokens.Tokens} tokens (CLS at {c.Tokens.ClsIndex}, then {c.Tokens.Grid}×{c.Tokens.Grid} patches of {c.Tokens.PatchSize} px, row-major), width {c.Tokens.Width}"));
        output.WriteLine(string.Create(inv, $"  unconditional_embedding {c.UnconditionalEmbedding.Count} floats, norm {embeddingNorm:F6}"));
    }
}
