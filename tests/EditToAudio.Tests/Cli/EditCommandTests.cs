using System.Text.Json;
using EditToAudio.Cli.Commands;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Tests.Editing;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Cli;

public class EditCommandTests
{
    private static readonly string Samples = RepositoryPaths.Combine("samples", "edit");
    private static string Sample(string name) => Path.Combine(Samples, name);

    private static string[] Arguments(string originalTokens, string editedTokens, string removeMask, string addMask, string output, params string[] more) =>
        ["edit", "--original-tokens", originalTokens, "--edited-tokens", editedTokens, "--remove-mask", removeMask, "--add-mask", addMask, "--out", output, .. more];

    private static string[] SampleArguments(string output, params string[] more) =>
        Arguments(Sample("original_tokens.npy"), Sample("edited_tokens.npy"), Sample("remove_mask.npy"), Sample("add_mask.npy"), output, more);

    [Fact]
    public async Task The_bundled_sample_edits_like_the_library_and_writes_every_part()
    {
        using var folder = new TemporaryFolder();
        var run = await CliRunner.RunAsync(SampleArguments(folder.File("E.npy"), "--parts", folder.File("parts"), "--mask-align", "crop", "--k", "7"));

        Assert.True(run.ExitCode == 0, run.Error);
        EditResult expected = EmbeddingEditor.Edit(
            EditArrays.ReadTokens(Sample("original_tokens.npy")).Items[0], EditArrays.ReadTokens(Sample("edited_tokens.npy")).Items[0],
            MaskArrays.ReadMasks(Sample("remove_mask.npy")).Items[0], MaskArrays.ReadMasks(Sample("add_mask.npy")).Items[0],
            new EditParameters { K = 7, MaskAlignment = MaskAlignment.Crop });
        NpyArray written = Npy.Read(folder.File("E.npy"));
        Assert.Equal([768], written.Shape);
        Assert.Equal(NpyDType.Float32, written.DType);
        Assert.Equal(expected.Embedding, written.ToSingle());
        Assert.Equal(expected.Suppressed, Npy.Read(folder.File("parts/E_sup.npy")).ToSingle());
        Assert.Equal(expected.Boosted, Npy.Read(folder.File("parts/E_boost.npy")).ToSingle());
        Assert.Equal(expected.Background, Npy.Read(folder.File("parts/E_bg.npy")).ToSingle());
        Assert.Equal([16, 16], Npy.Read(folder.File("parts/remove_patch_weights.npy")).Shape);
        Assert.Equal(expected.AddPatchWeights, Npy.Read(folder.File("parts/add_patch_weights.npy")).ToSingle());
        Assert.Equal(["E.npy", "parts/E_bg.npy", "parts/E_boost.npy", "parts/E_sup.npy", "parts/add_patch_weights.npy", "parts/remove_patch_weights.npy"], folder.Files());
    }

    private static readonly string[] StageTimes = ["read_seconds", "edit_seconds", "write_seconds"];

    [Fact]
    public async Task A_batch_gives_one_row_per_pair_whatever_the_thread_count()
    {
        using var folder = new TemporaryFolder();
        const int count = 5;
        var originals = new float[count * 257 * 768];
        var editeds = new float[count * 257 * 768];
        var removes = new byte[count * 60 * 80];
        var adds = new byte[count * 60 * 80];
        for (int b = 0; b < count; b++)
        {
            TokenFactory.Dominant(b).CopyTo(originals, b * 257 * 768);
            TokenFactory.Random(b + 10).CopyTo(editeds, b * 257 * 768);
            PatchWeightsTests.Blobs(60, 80, b).Values.Span.CopyTo(removes.AsSpan(b * 60 * 80));
            PatchWeightsTests.Blobs(60, 80, b + 20).Values.Span.CopyTo(adds.AsSpan(b * 60 * 80));
        }
        Npy.Write(folder.File("t0.npy"), originals, [count, 257, 768]);
        Npy.Write(folder.File("t1.npy"), editeds, [count, 257, 768]);
        Npy.Write(folder.File("m0.npy"), NpyArray.FromBytes(removes, NpyDType.UInt8, count, 60, 80));
        Npy.Write(folder.File("m1.npy"), NpyArray.FromBytes(adds, NpyDType.Bool, count, 60, 80));

        var one = await CliRunner.RunAsync(Arguments(folder.File("t0.npy"), folder.File("t1.npy"), folder.File("m0.npy"), folder.File("m1.npy"), folder.File("one.npy"), "--threads", "1"));
        var two = await CliRunner.RunAsync(Arguments(folder.File("t0.npy"), folder.File("t1.npy"), folder.File("m0.npy"), folder.File("m1.npy"), folder.File("two.npy"), "--threads", "2", "--json"));

        Assert.True(one.ExitCode == 0 && two.ExitCode == 0, one.Error + two.Error);
        NpyArray result = Npy.Read(folder.File("one.npy"));
        Assert.Equal([count, 768], result.Shape);
        Assert.Equal(result.ToSingle(), Npy.Read(folder.File("two.npy")).ToSingle());
        for (int b = 0; b < count; b++)
        {
            EditResult single = EmbeddingEditor.Edit(
                new ImageTokens(originals.AsMemory(b * 257 * 768, 257 * 768), 768), new ImageTokens(editeds.AsMemory(b * 257 * 768, 257 * 768), 768),
                new BinaryMask(removes.AsSpan(b * 4800, 4800).ToArray(), 60, 80), new BinaryMask(adds.AsSpan(b * 4800, 4800).ToArray(), 60, 80),
                new EditParameters());
            Assert.Equal(single.Embedding, result.ToSingle().AsSpan(b * 768, 768).ToArray());
        }
        using JsonDocument summary = JsonDocument.Parse(two.Output);
        Assert.Equal(count, summary.RootElement.GetProperty("pairs").GetInt32());
        Assert.True(summary.RootElement.GetProperty("pairs_per_second").GetDouble() > 0);
        Assert.True(summary.RootElement.GetProperty("edit_pairs_per_second").GetDouble() > 0);
        double[] stages = [.. StageTimes.Select(name => summary.RootElement.GetProperty(name).GetDouble())];
        Assert.All(stages, seconds => Assert.True(seconds >= 0, $"a stage took {seconds} s"));
        Assert.Equal(summary.RootElement.GetProperty("seconds").GetDouble(), stages.Sum(), 1e-9);
        Assert.Equal(2, summary.RootElement.GetProperty("threads").GetInt32());
        Assert.Equal("cpu", summary.RootElement.GetProperty("edit_backend").GetString());
    }

    [Fact]
    public async Task Cuda_without_a_gpu_says_why_and_writes_nothing()
    {
        if (EditToAudio.Cuda.Devices.CudaSupport.Detect().IsSupported)
        {
            Assert.Skip("A CUDA device is present; this checks the message on machines without one.");
        }
        using var folder = new TemporaryFolder();
        var run = await CliRunner.RunAsync(Arguments(Sample("original_tokens.npy"), Sample("edited_tokens.npy"), Sample("remove_mask.npy"), Sample("add_mask.npy"), folder.File("E.npy"), "--device", "cuda"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("The CUDA backend is not available", run.Error, StringComparison.Ordinal);
        Assert.Empty(folder.Files());
    }

    [Fact]
    public async Task Warnings_are_reported_not_fatal()
    {
        using var folder = new TemporaryFolder();
        Npy.Write(folder.File("empty.npy"), NpyArray.FromBytes(new byte[40 * 40], NpyDType.Bool, 40, 40));
        var run = await CliRunner.RunAsync(Arguments(Sample("original_tokens.npy"), Sample("edited_tokens.npy"), folder.File("empty.npy"), Sample("add_mask.npy"), folder.File("E.npy"), "--mix", "0.5,0.5,0.5"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("warning: The removed object's mask covers no patch", run.Error, StringComparison.Ordinal);
        Assert.Contains("Mix weights sum to 1.5", run.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(folder.File("E.npy")));
    }

    public static TheoryData<string, string> BadFiles() => new()
    {
        { "missing", "missing.npy" },
        { "truncated", "truncated.npy" },
        { "wrong-shape", "wrong-shape.npy" },
        { "wrong-dtype", "wrong-dtype.npy" },
        { "nan", "nan.npy" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task Bad_token_files_are_named_and_leave_no_output(string kind, string file)
    {
        using var folder = new TemporaryFolder();
        string path = folder.File(file);
        string expectedText = kind switch
        {
            "missing" => "missing.npy",
            "truncated" => "truncated",
            "wrong-shape" => "tokens must have shape [257, D] or [B, 257, D], found (256, 768)",
            "wrong-dtype" => "tokens must be float16, float32 or float64",
            _ => "Token 3, component 5 is NaN",
        };
        switch (kind)
        {
            case "truncated":
                byte[] bytes = File.ReadAllBytes(Sample("original_tokens.npy"));
                File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 1000).ToArray());
                break;
            case "wrong-shape":
                Npy.Write(path, new float[256 * 768], [256, 768]);
                break;
            case "wrong-dtype":
                Npy.Write(path, NpyArray.FromBytes(new byte[257 * 768], NpyDType.UInt8, 257, 768));
                break;
            case "nan":
                float[] tokens = Npy.Read(Sample("original_tokens.npy")).ToSingle();
                tokens[3 * 768 + 5] = float.NaN;
                Npy.Write(path, tokens, [257, 768]);
                break;
        }

        var run = await CliRunner.RunAsync(Arguments(path, Sample("edited_tokens.npy"), Sample("remove_mask.npy"), Sample("add_mask.npy"), folder.File("out/E.npy"), "--parts", folder.File("out/parts")));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(file, run.Error, StringComparison.Ordinal);
        Assert.Contains(expectedText, run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.File("out")), "no output may be written for bad input");
    }

    [Fact]
    public async Task A_non_binary_mask_is_named_with_its_position()
    {
        using var folder = new TemporaryFolder();
        var values = new byte[30 * 40];
        values[7 * 40 + 9] = 255;
        Npy.Write(folder.File("m.npy"), NpyArray.FromBytes(values, NpyDType.UInt8, 30, 40));
        var run = await CliRunner.RunAsync(Arguments(Sample("original_tokens.npy"), Sample("edited_tokens.npy"), folder.File("m.npy"), Sample("add_mask.npy"), folder.File("E.npy")));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("m.npy: the mask is not binary: value 255 at row 7, column 9", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("E.npy")));
    }

    [Fact]
    public async Task Mismatched_batch_sizes_are_refused()
    {
        using var folder = new TemporaryFolder();
        float[] single = Npy.Read(Sample("original_tokens.npy")).ToSingle();
        Npy.Write(folder.File("t2.npy"), [.. single, .. single], [2, 257, 768]);
        var run = await CliRunner.RunAsync(Arguments(folder.File("t2.npy"), Sample("edited_tokens.npy"), Sample("remove_mask.npy"), Sample("add_mask.npy"), folder.File("E.npy")));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("mismatched batch sizes", run.Error, StringComparison.Ordinal);
        Assert.Contains("t2.npy: batch of 2", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("E.npy")));
    }

    [Theory]
    [InlineData("--mix", "0.2,0.5", "--mix: expected three weights")]
    [InlineData("--mix", "0.2,x,0.3", "--mix: weight 2")]
    [InlineData("--k", "0", "--k must be at least 1, got 0")]
    [InlineData("--alpha", "-0.5", "--alpha must be a finite number ≥ 0")]
    [InlineData("--threads", "0", "--threads must be at least 1")]
    [InlineData("--mask-align", "diagonal", "diagonal")]
    public async Task Bad_options_are_named(string option, string value, string expected)
    {
        using var folder = new TemporaryFolder();
        var run = await CliRunner.RunAsync(SampleArguments(folder.File("E.npy"), option, value));
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("E.npy")));
    }

    [Fact]
    public async Task An_output_that_cannot_be_written_takes_the_parts_with_it()
    {
        using var folder = new TemporaryFolder();
        string blocker = folder.Write("not-a-folder", [1]);

        var run = await CliRunner.RunAsync(SampleArguments(Path.Combine(blocker, "E.npy"), "--parts", folder.File("parts")));

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(["not-a-folder"], folder.Files());
    }
}
