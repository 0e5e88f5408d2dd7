using System.Text.Json;
using EditToAudio.Batch;
using EditToAudio.IO;

namespace EditToAudio.Tests.Batch;

public sealed class OutputFolderLockTests : IDisposable
{
    private readonly BatchScenes _scenes = new();

    public void Dispose() => _scenes.Dispose();

    [Fact]
    public void A_second_holder_is_refused_and_told_who_holds_the_folder()
    {
        string folder = _scenes.Folder.File("out");
        using (OutputFolderLock first = OutputFolderLock.Acquire(folder, ShardSpec.All))
        {
            var refused = Assert.Throws<OutputFolderException>(() => OutputFolderLock.Acquire(folder, ShardSpec.All));
            Assert.Contains($"process {Environment.ProcessId} on {Environment.MachineName}", refused.Message, StringComparison.Ordinal);
            // Slices of one manifest lock their own names, so they share a folder.
            using OutputFolderLock slice = OutputFolderLock.Acquire(folder, ShardSpec.Parse("1/2"));
            Assert.Null(first.TakenOver);
        }
        Assert.False(File.Exists(Path.Combine(folder, "batch.lock")), "batch.lock goes with its holder");
        using OutputFolderLock again = OutputFolderLock.Acquire(folder, ShardSpec.All);
        Assert.Null(again.TakenOver);
    }

    [Fact]
    public async Task The_lock_of_a_process_that_died_is_taken_over_and_said_so()
    {
        string folder = _scenes.Folder.File("out");
        Directory.CreateDirectory(folder);
        // What a killed batch leaves: its batch.lock, and no process holding the system's lock.
        File.WriteAllText(Path.Combine(folder, "batch.lock"), """{"process_id": 999999, "host": "node-7", "started_utc": "2026-01-01T00:00:00Z", "shard": "0/1"}""");

        BatchSummary summary = await _scenes.RunAsync(_scenes.Manifest(_scenes.Line("a", "a")), "out", embedOnly: true);

        Assert.Equal(1, summary.Ok);
        string warning = Assert.Single(summary.Warnings);
        Assert.Contains("process 999999 on node-7", warning, StringComparison.Ordinal);
        Assert.Contains("no longer running", warning, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "batch.lock")));
    }

    [Fact]
    public async Task A_folder_that_is_not_a_batch_output_is_refused_before_anything_is_written()
    {
        string folder = _scenes.Folder.File("out");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "thesis.tex"), "mine");

        var refused = await Assert.ThrowsAsync<OutputFolderException>(() => _scenes.RunAsync(_scenes.Manifest(_scenes.Line("a", "a")), "out", embedOnly: true));

        Assert.Contains("thesis.tex", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["thesis.tex"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Results_record_the_mask_areas_of_every_item_and_a_rerun_replaces_an_item_folder_as_a_whole()
    {
        BatchManifest manifest = _scenes.Manifest(_scenes.Line("a", "a"), _scenes.Line("bg", "b", remove: (2, 2)));
        await _scenes.RunAsync(manifest, "out");
        // A stale file of an earlier run in an item that must run again.
        File.WriteAllText(_scenes.Folder.File("out/a/baseline_original.wav"), "old");
        File.Delete(_scenes.Folder.File("out/a/clap.npy"));

        await _scenes.RunAsync(manifest, "out");
        BatchItemResult[] results = _scenes.Results("out");

        Assert.All(results, r => Assert.NotNull(r.Masks));
        BatchItemResult background = results.Single(r => r.Id == "bg");
        Assert.Equal(ItemStatus.Skipped, background.Status);
        Assert.True(background.Masks!.RemoveFraction > 0.6);
        Assert.Contains(background.Warnings, w => w.Contains("remove mask covers", StringComparison.Ordinal));
        Assert.Equal(ItemStatus.Ok, results.Single(r => r.Id == "a").Status);
        Assert.False(File.Exists(_scenes.Folder.File("out/a/baseline_original.wav")), "the earlier run's file went with it");
        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(_scenes.Folder.File("out/a/run.json")));
        Assert.Equal(record.RootElement.GetProperty("outputs").GetArrayLength(), Directory.GetFiles(_scenes.Folder.File("out/a")).Length);
    }
}
