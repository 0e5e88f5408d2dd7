using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EditToAudio.Backends;
using EditToAudio.Cuda;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.IO;

namespace EditToAudio.Cli.Commands;

/// <summary><c>edit2audio edit</c>: the edit math on NumPy token and mask arrays.</summary>
internal static class EditCommand
{
    public static Command Create()
    {
        var originalTokens = new Option<FileInfo>("--original-tokens") { Description = "CLIP tokens of the original image(s): [257, D] or [B, 257, D] .npy.", Required = true };
        var editedTokens = new Option<FileInfo>("--edited-tokens") { Description = "CLIP tokens of the edited image(s): [257, D] or [B, 257, D] .npy.", Required = true };
        var removeMask = new Option<FileInfo>("--remove-mask") { Description = "Mask of the removed object on the original image: [H, W] or [B, H, W] .npy (bool/uint8, 0/1).", Required = true };
        var addMask = new Option<FileInfo>("--add-mask") { Description = "Mask of the added object on the edited image: [H, W] or [B, H, W] .npy (bool/uint8, 0/1).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Output .npy: the edited embedding, [D] or [B, D] float32.", Required = true };
        var options = new EditOptions();
        var parts = new Option<DirectoryInfo?>("--parts") { Description = "Also write E_sup, E_boost, E_bg and both patch-weight grids as .npy into this folder." };
        var threads = new Option<int>("--threads") { Description = "Pairs edited in parallel on the CPU (default: all cores; the GPU edit takes the whole batch at once).", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);
        var json = new Option<bool>("--json") { Description = "Print a machine-readable summary on standard output." };
        var device = new DeviceOptions("cpu, cuda (the batched edit on the engine's kernels; 768-wide tokens; an error when CUDA cannot be used) or auto (cuda when a CUDA device is present).");

        var command = new Command("edit", "Suppress the removed object, boost the added one and mix in the background, on .npy tokens and masks.")
        {
            originalTokens, editedTokens, removeMask, addMask, output, parts, threads, json,
        };
        device.AddTo(command);
        options.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(result, (stdout, stderr) => Task.FromResult(Run(
            new EditRequest(
                result.GetRequiredValue(originalTokens).FullName, result.GetRequiredValue(editedTokens).FullName,
                result.GetRequiredValue(removeMask).FullName, result.GetRequiredValue(addMask).FullName,
                result.GetRequiredValue(output).FullName, result.GetValue(parts)?.FullName,
                options.Read(result), result.GetValue(threads), result.GetValue(json),
                device.Resolve(result, stderr), result.GetValue(device.Index)),
            stdout, stderr, cancellationToken))));
        return command;
    }

    private sealed record EditRequest(
        string OriginalTokens, string EditedTokens, string RemoveMask, string AddMask,
        string Output, string? Parts, EditParameters Parameters, int Threads, bool Json, ComputeDevice Device, int DeviceIndex);

    /// <summary>What --parts writes; a parts folder holds these and nothing else, and each run rewrites all of them.</summary>
    private static readonly string[] PartFiles = ["E_sup.npy", "E_boost.npy", "E_bg.npy", "remove_patch_weights.npy", "add_patch_weights.npy"];

    private static int Run(EditRequest request, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        CheckOutputs(request);
        // Each stage is timed on its own: reading includes checking the arrays and the token norms;
        // float32 tokens and bool/uint8 masks stay in the mapped files until the edit has run.
        var clock = Stopwatch.StartNew();
        using MappedItems<ImageTokens> original = EditArrays.ReadTokens(request.OriginalTokens);
        using MappedItems<ImageTokens> edited = EditArrays.ReadTokens(request.EditedTokens);
        using MappedItems<BinaryMask> remove = MaskArrays.ReadMasks(request.RemoveMask);
        using MappedItems<BinaryMask> add = MaskArrays.ReadMasks(request.AddMask);
        int count = CheckBatch(request, original, edited, remove, add);

        var jobs = new EditJob[count];
        for (int i = 0; i < count; i++)
        {
            jobs[i] = new EditJob(new EditPair(original.Items[i], edited.Items[i], remove.Items[i], add.Items[i]), request.Parameters);
        }
        double readSeconds = clock.Elapsed.TotalSeconds;
        // The arrays were checked before the device is opened; on CUDA the batch goes through the GPU's fixed number of launches.
        IReadOnlyList<EditResult> results;
        string backendName;
        using (ComputeBackend backend = ComputeBackends.Open(request.Device, request.DeviceIndex, request.Threads))
        {
            results = [.. backend.Edit(jobs, cancellationToken).Select(r => r[0])];
            backendName = backend.Name;
        }
        double editSeconds = clock.Elapsed.TotalSeconds - readSeconds;

        // Everything is computed before the first file is written, so a bad pair leaves no output;
        // a write that fails (say, an unwritable --out after --parts) takes the files already written with it.
        bool batched = original.Batched;
        int dimension = original.Items[0].Dimension;
        var written = new List<string>();
        void Write(string path, Func<EditResult, float[]> select, params int[] itemShape)
        {
            WriteStacked(path, results, select, batched, itemShape);
            written.Add(path);
        }
        try
        {
            if (request.Parts is { } folder)
            {
                Write(Path.Combine(folder, PartFiles[0]), r => r.Suppressed, dimension);
                Write(Path.Combine(folder, PartFiles[1]), r => r.Boosted, dimension);
                Write(Path.Combine(folder, PartFiles[2]), r => r.Background, dimension);
                Write(Path.Combine(folder, PartFiles[3]), r => r.RemovePatchWeights, ClipGeometry.GridSize, ClipGeometry.GridSize);
                Write(Path.Combine(folder, PartFiles[4]), r => r.AddPatchWeights, ClipGeometry.GridSize, ClipGeometry.GridSize);
            }
            Write(request.Output, r => r.Embedding, dimension);
        }
        catch
        {
            written.ForEach(File.Delete);
            throw;
        }

        double seconds = clock.Elapsed.TotalSeconds;
        double writeSeconds = seconds - readSeconds - editSeconds;

        var warnings = results
            .SelectMany((r, i) => r.Warnings.Select(message => new PairWarning(i, message)))
            .ToArray();
        foreach (PairWarning warning in warnings)
        {
            stderr.WriteLine(batched ? $"warning: pair {warning.Pair}: {warning.Message}" : $"warning: {warning.Message}");
        }
        if (request.Json)
        {
            // CPU threads mean nothing for the GPU edit, so its summary leaves them out.
            var summary = new EditSummary(count, seconds, count / Math.Max(seconds, 1e-9),
                readSeconds, editSeconds, writeSeconds, count / Math.Max(editSeconds, 1e-9),
                backendName, request.Device == ComputeDevice.Cuda ? null : request.Threads, request.Output, request.Parts,
                request.Parameters.K, request.Parameters.Alpha, request.Parameters.Beta,
                [request.Parameters.Mix.Suppressed, request.Parameters.Mix.Boosted, request.Parameters.Mix.Background],
                request.Parameters.MaskAlignment.ToString().ToLowerInvariant(), warnings);
            stdout.WriteLine(ReadableJson.Serialize(summary, CliJson.Default.EditSummary));
        }
        else
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {request.Output} ({count} pair{(count == 1 ? "" : "s")}, {seconds:F3} s: read {readSeconds:F3} s, edit {editSeconds:F3} s, write {writeSeconds:F3} s)"));
        }
        return ExitCodes.Success;
    }

    /// <summary>
    /// Before any work: --out must be a file in a writable place, and --parts empty, new or an earlier
    /// parts folder (which is then rewritten as a whole), so parts of two runs never sit side by side.
    /// </summary>
    private static void CheckOutputs(EditRequest request)
    {
        if (Directory.Exists(request.Output))
        {
            throw new OutputFolderException($"--out {request.Output} is a folder; give the .npy file to write.");
        }
        OutputFolders.CheckWritable(Path.GetDirectoryName(request.Output)!);
        if (request.Parts is { } parts)
        {
            string folder = OutputFolders.CheckWritable(parts);
            List<string> others = [.. OutputFolders.Files(folder).Where(f => !OutputFolders.IsTemporary(f) && !PartFiles.Contains(f))];
            if (others.Count > 0)
            {
                throw new OutputFolderException(
                    $"the --parts folder {folder} holds files that are not parts of an earlier edit ({OutputFolders.Describe(others)}); choose a new or empty folder, or empty this one.");
            }
        }
    }

    private static int CheckBatch(EditRequest request, MappedItems<ImageTokens> original, MappedItems<ImageTokens> edited, MappedItems<BinaryMask> remove, MappedItems<BinaryMask> add)
    {
        if (original.Items[0].Dimension != edited.Items[0].Dimension)
        {
            throw new InvalidDataException($"token lengths differ: {request.OriginalTokens} has D = {original.Items[0].Dimension}, {request.EditedTokens} has D = {edited.Items[0].Dimension}.");
        }
        var sizes = new (string File, bool Batched, int Count)[]
        {
            (request.OriginalTokens, original.Batched, original.Items.Count),
            (request.EditedTokens, edited.Batched, edited.Items.Count),
            (request.RemoveMask, remove.Batched, remove.Items.Count),
            (request.AddMask, add.Batched, add.Items.Count),
        };
        if (sizes.Any(s => s.Batched != sizes[0].Batched || s.Count != sizes[0].Count))
        {
            string described = string.Join("; ", sizes.Select(s => s.Batched ? $"{s.File}: batch of {s.Count}" : $"{s.File}: single"));
            throw new InvalidDataException($"mismatched batch sizes: all four arrays must be single or have the same batch size ({described}).");
        }
        return sizes[0].Count;
    }

    private static void WriteStacked(string path, IReadOnlyList<EditResult> results, Func<EditResult, float[]> select, bool batched, params int[] itemShape)
    {
        int itemLength = itemShape.Aggregate(1, (a, b) => a * b);
        var data = new float[results.Count * itemLength];
        for (int i = 0; i < results.Count; i++)
        {
            select(results[i]).CopyTo(data, i * itemLength);
        }
        int[] shape = batched ? [results.Count, .. itemShape] : itemShape;
        Npy.Write(path, data, shape);
    }
}

/// <summary>A warning of one pair, for the JSON summary.</summary>
internal sealed record PairWarning(int Pair, string Message);

/// <summary>
/// The <c>edit --json</c> summary: <c>seconds</c> (and <c>pairs_per_second</c>) for the whole command,
/// then reading (with the checks and token norms), the edit alone and writing, each timed on its own.
/// </summary>
internal sealed record EditSummary(
    int Pairs, double Seconds, double PairsPerSecond,
    double ReadSeconds, double EditSeconds, double WriteSeconds, double EditPairsPerSecond,
    string EditBackend, int? Threads, string Output, string? Parts,
    int K, double Alpha, double Beta, double[] Mix, string MaskAlign, PairWarning[] Warnings);
