using System.CommandLine;
using System.Security.Cryptography;
using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Pipeline;
using EditToAudio.Prompts;
using EditToAudio.Samples;

namespace EditToAudio.Cli.Commands;

/// <summary><c>embed</c>, <c>run</c> and <c>demo</c>: the whole pipeline on two images.</summary>
internal static class PipelineCommands
{
    public static Command CreateEmbed()
    {
        var inputs = new ImageInputs();
        var pipeline = new PipelineOptions();
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print run.json on standard output." };
        var command = new Command("embed", "Segment both objects, take every CLIP token, edit, and map to CLAP; writes masks, tokens, embeddings and run.json.")
        {
            output, json,
        };
        inputs.AddTo(command);
        pipeline.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(result, async (stdout, stderr) =>
        {
            (RgbImage original, RgbImage edited, RunInputs paths, EditPrompts prompts) = inputs.Load(result);
            string folder = OutputFolder.CheckRun(result.GetRequiredValue(output).FullName, "embed");
            using OpenedEngine opened = pipeline.OpenEngine(result, stderr);
            EditToAudioEngine engine = opened.Engine;
            EmbedRequest request = pipeline.Request(result, original, edited, prompts);
            EmbedResult embedded = await ProgressDisplay.RunAsync(stderr, result.GetValue(pipeline.Quiet),
                progress => engine.EmbedAsync(request, progress, cancellationToken)).ConfigureAwait(false);
            RunRecord record = RunOutputs.WriteEmbed(folder, request, embedded, paths, engine.Models);
            Report(stdout, stderr, record, folder, result.GetValue(json));
            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command CreateRun()
    {
        var inputs = new ImageInputs();
        var pipeline = new PipelineOptions();
        var audio = new AudioCliOptions();
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder.", DefaultValueFactory = _ => new DirectoryInfo("output") };
        var json = new Option<bool>("--json") { Description = "Print run.json on standard output." };
        var command = new Command("run", "The whole pipeline: masks, tokens, edit, CLAP embedding and the 16 kHz clip (manipulated_audio.wav), plus run.json.")
        {
            output, json,
        };
        inputs.AddTo(command);
        pipeline.AddTo(command);
        audio.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(result, async (stdout, stderr) =>
        {
            (RgbImage original, RgbImage edited, RunInputs paths, EditPrompts prompts) = inputs.Load(result);
            string folder = OutputFolder.CheckRun(result.GetRequiredValue(output).FullName, "run");
            await RunAsync(result, pipeline, audio, folder, original, edited, paths, prompts, stdout, stderr, result.GetValue(json), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command CreateDemo()
    {
        var pipeline = new PipelineOptions();
        var audio = new AudioCliOptions();
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder.", DefaultValueFactory = _ => new DirectoryInfo("demo-output") };
        var command = new Command("demo", "Runs `run --auto --baselines` on two generated sample images (a cat removed, a duck added) with the bundled synthetic models: the engine finds what changed by itself.")
        {
            output,
        };
        pipeline.AddTo(command);
        audio.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(result, async (stdout, stderr) =>
        {
            string folder = OutputFolder.CheckRun(result.GetRequiredValue(output).FullName, "run");
            DemoImages scene = DemoScene.Create();
            // The images are written with the other outputs, at the end; until then the run reads them from memory.
            (byte[] originalPng, byte[] editedPng) = DemoScene.EncodePngs(scene);
            ExtraFile[] files = [new($"inputs/{DemoScene.OriginalFileName}", originalPng), new($"inputs/{DemoScene.EditedFileName}", editedPng)];
            string originalPath = Path.Combine(folder, files[0].Name), editedPath = Path.Combine(folder, files[1].Name);
            RgbImage original = ImageLoader.Load(new MemoryStream(originalPng), originalPath), edited = ImageLoader.Load(new MemoryStream(editedPng), editedPath);
            await stdout.WriteLineAsync(
                $"demo: the original image has a {DemoScene.Kept.Label} ({DemoScene.Kept.Shape}) and a {DemoScene.Removed.Label} ({DemoScene.Removed.Shape}); " +
                $"the edit replaces the {DemoScene.Removed.Label} with a {DemoScene.Added.Label} ({DemoScene.Added.Shape}).").ConfigureAwait(false);
            await stdout.WriteLineAsync($"inputs: {files[0].Name}, {files[1].Name}").ConfigureAwait(false);
            var paths = new RunInputs(originalPath, editedPath, Convert.ToHexStringLower(SHA256.HashData(originalPng)), Convert.ToHexStringLower(SHA256.HashData(editedPng)));
            // The objects are found from what changed, as --auto does; the scene's own prompt points give the same masks.
            await RunAsync(result, pipeline, audio, folder, original, edited, paths, EditPrompts.Auto,
                stdout, stderr, json: false, cancellationToken, forceBaselines: true, files).ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static async Task RunAsync(
        ParseResult result, PipelineOptions pipeline, AudioCliOptions audio, string folder, RgbImage original, RgbImage edited, RunInputs paths,
        EditPrompts prompts, TextWriter stdout, TextWriter stderr, bool json, CancellationToken cancellationToken, bool forceBaselines = false,
        IReadOnlyList<ExtraFile>? extraFiles = null)
    {
        using OpenedEngine opened = pipeline.OpenEngine(result, stderr);
        EditToAudioEngine engine = opened.Engine;
        audio.CheckAgainst(result, engine.Models);
        RunRequest request = audio.Request(result, pipeline.Request(result, original, edited, prompts));
        if (forceBaselines)
        {
            request = request with { Baselines = true };
        }
        RunResult run = await ProgressDisplay.RunAsync(stderr, result.GetValue(pipeline.Quiet),
            progress => engine.RunAsync(request, progress, cancellationToken)).ConfigureAwait(false);
        RunRecord record = RunOutputs.WriteRun(folder, request, run, paths, engine.Models, audio.Format(result), extraFiles);
        Report(stdout, stderr, record, folder, json);
    }

    private static void Report(TextWriter stdout, TextWriter stderr, RunRecord record, string folder, bool json)
    {
        foreach (string warning in record.Warnings)
        {
            stderr.WriteLine($"warning: {warning}");
        }
        if (json)
        {
            stdout.WriteLine(ReadableJson.Serialize(record, RunRecordJson.Default.RunRecord));
            return;
        }
        stdout.WriteLine($"wrote {record.Outputs.Count} files to {folder}:");
        foreach (string file in record.Outputs)
        {
            stdout.WriteLine($"  {file}");
        }
        stdout.WriteLine(record.Models.Synthetic
            ? $"models: {record.Models.Name} (SYNTHETIC: not the real weights; the audio tests the pipeline, it is not the scene's sound)"
            : $"models: {record.Models.Name} ({record.Models.Folder})");
        stdout.WriteLine($"provider: {record.Provider}; {record.TimingsSeconds.Values.Sum():F2} s");
    }

    /// <summary>The two images and the prompts of their objects.</summary>
    private sealed class ImageInputs
    {
        public Option<FileInfo> Original { get; } = new("--original") { Description = "The original image (JPEG, PNG, WebP, BMP or GIF).", Required = true };
        public Option<FileInfo> Edited { get; } = new("--edited") { Description = "The edited image.", Required = true };
        public PromptOptions Prompts { get; } = new();
        public Option<double> MaxMegapixels { get; } = new Option<double>("--max-megapixels")
        {
            Description = "Refuse larger images before decoding their pixels.",
            DefaultValueFactory = _ => ImageLimits.Default.MaxPixels / 1e6,
        }.FiniteAtLeast(1e-6);

        public void AddTo(Command command)
        {
            command.Options.Add(Original);
            command.Options.Add(Edited);
            Prompts.AddTo(command);
            command.Options.Add(MaxMegapixels);
        }

        /// <summary>Reads the prompts, decodes both images and checks every prompt against its image (ready masks read) before any network runs.</summary>
        public (RgbImage Original, RgbImage Edited, RunInputs Paths, EditPrompts Prompts) Load(ParseResult result)
        {
            EditPrompts prompts = Prompts.Read(result);
            string originalPath = result.GetRequiredValue(Original).FullName, editedPath = result.GetRequiredValue(Edited).FullName;
            // Clamped so that any limit the user sets stays a valid pixel count; the memory check bounds what is decoded anyway.
            var limits = ImageLimits.Default with { MaxPixels = (long)Math.Min(Math.Ceiling(result.GetValue(MaxMegapixels) * 1e6), long.MaxValue / 2) };
            RgbImage original = ImageLoader.Load(originalPath, limits), edited = ImageLoader.Load(editedPath, limits);
            return (original, edited, new RunInputs(originalPath, editedPath), EditObjects.Prepare(prompts, original, edited));
        }
    }
}
