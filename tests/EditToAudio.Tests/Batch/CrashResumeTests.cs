using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EditToAudio.Samples;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Batch;

/// <summary>
/// <c>edit2audio batch</c> as its own process, killed (SIGKILL, no chance to clean up) at random
/// moments again and again on one output folder; a re-run must then complete with outputs equal,
/// file for file, to those of a batch that was never interrupted.
/// </summary>
public class CrashResumeTests
{
    public const int Kills = 10;

    [Fact]
    public async Task A_batch_killed_at_random_moments_resumes_to_the_outputs_of_an_uninterrupted_run()
    {
        using var folder = new TemporaryFolder();
        DemoImages a = DemoScene.Create(160, 120), b = DemoScene.Create(128, 128);
        DemoScene.SavePngs(folder.File("a"), a);
        DemoScene.SavePngs(folder.File("b"), b);
        var lines = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            string scene = i % 2 == 0 ? "a" : "b";
            (int x, int y) = scene == "a" ? a.RemovePoint : b.RemovePoint;
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $$"""{"id": "item-{{i}}", "original": "{{scene}}/original.png", "edited": "{{scene}}/edited.png", "remove_point": [{{x}}, {{y}}], "add_point": [{{x}}, {{y}}], "seed": {{i}}{{(i == 3 ? ", \"sweep\": \"k=5,10\"" : "")}}}"""));
        }
        File.WriteAllText(folder.File("pairs.jsonl"), string.Join("\n", lines) + "\n");
        string[] Arguments(string output) =>
            ["batch", folder.File("pairs.jsonl"), "--out", folder.File(output), "--steps", "2", "--candidates", "1", "--duration", "0.25", "--workers", "2"];

        // The work of a batch, from its first progress line (the process has started, the models are loaded) to its end.
        TimeSpan work;
        using (Process reference = Start(Arguments("reference")))
        {
            await FirstLine(reference);
            var clock = Stopwatch.StartNew();
            await reference.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await reference.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, reference.ExitCode);
            work = clock.Elapsed;
        }

        var random = new Random(20261206);
        int kills = 0, completions = 0;
        while (kills < Kills)
        {
            using Process batch = Start(Arguments("crashed"));
            // Anywhere in the work (the startup before it writes nothing); a resumed batch has less of it.
            bool started = await FirstLine(batch);
            Task<string> rest = batch.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken); // drained, so a full pipe never blocks it
            if (!started || batch.WaitForExit(work * random.NextDouble()))
            {
                // It finished first: start over, so the next kill lands in work again.
                await batch.WaitForExitAsync(TestContext.Current.CancellationToken);
                Assert.True(batch.ExitCode == 0, await rest);
                completions++;
                Directory.Delete(folder.File("crashed"), recursive: true);
                continue;
            }
            batch.Kill(entireProcessTree: true);
            await batch.WaitForExitAsync(TestContext.Current.CancellationToken);
            await rest;
            kills++;
        }
        Assert.Equal(0, await RunToTheEnd(Arguments("crashed")));

        Assert.True(completions < 3 * Kills, "the kills should mostly land while the batch works");
        AssertSameOutputs(folder.File("reference"), folder.File("crashed"));
    }

    /// <summary>Every item file byte for byte; the records without their clock readings.</summary>
    private static void AssertSameOutputs(string expected, string actual)
    {
        string[] Items(string root) => [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f))
            .Where(f => f.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
        string[] files = Items(expected);
        Assert.Equal(files, Items(actual));
        Assert.Contains(files, f => f.EndsWith(".wav", StringComparison.Ordinal));
        foreach (string file in files)
        {
            byte[] a = File.ReadAllBytes(Path.Combine(expected, file)), b = File.ReadAllBytes(Path.Combine(actual, file));
            if (Path.GetExtension(file) == ".json")
            {
                Assert.True(JsonNode.DeepEquals(WithoutClock(a), WithoutClock(b)), $"{file} differs");
            }
            else
            {
                Assert.True(a.AsSpan().SequenceEqual(b), $"{file} differs");
            }
        }
        using JsonDocument results = JsonDocument.Parse("[" + string.Join(",", File.ReadAllLines(Path.Combine(actual, "results.jsonl"))) + "]");
        Assert.All(results.RootElement.EnumerateArray(), r => Assert.NotEqual("failed", r.GetProperty("status").GetString()));
        Assert.False(File.Exists(Path.Combine(actual, "batch.lock")), "the lock is released at the end");
    }

    private static JsonObject WithoutClock(byte[] json)
    {
        JsonObject record = JsonNode.Parse(json)!.AsObject();
        record.Remove("finished_utc");
        record.Remove("timings_seconds");
        return record;
    }

    /// <summary>Waits for the first line on the error stream (progress); false when the process ended without one.</summary>
    private static async Task<bool> FirstLine(Process process) =>
        await process.StandardError.ReadLineAsync(TestContext.Current.CancellationToken) is not null;

    private static async Task<int> RunToTheEnd(string[] arguments)
    {
        using Process batch = Start(arguments);
        string error = await batch.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await batch.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(batch.ExitCode == 0, error);
        return batch.ExitCode;
    }

    /// <summary>The runner built beside the tests, as a process of its own.</summary>
    private static Process Start(string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "edit2audio.exe" : "edit2audio"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process = Process.Start(start)!;
        // Drained so a full pipe never blocks the batch.
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }
}
