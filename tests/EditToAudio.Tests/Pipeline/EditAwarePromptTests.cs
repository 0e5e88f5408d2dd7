using System.Globalization;
using System.Text.Json;
using EditToAudio.Images;
using EditToAudio.IO;
using EditToAudio.Tests.ChangeDetection;
using EditToAudio.Tests.Cli;
using EditToAudio.Tests.Support;
using static EditToAudio.Tests.ChangeDetection.EditScenes;

namespace EditToAudio.Tests.Pipeline;

/// <summary>
/// Drawn edits through the commands end to end: <c>embed --auto</c> finds every object with a mask of
/// IoU ≥ 0.9 against the drawn shape and the right role, and the same masks given by hand (a prompt
/// file of mask files) give exactly the same embeddings; <c>batch</c> takes the same prompt forms and
/// writes the same embeddings; a shifted camera is refused without inventing objects.
/// </summary>
public sealed class EditAwarePromptTests : IDisposable
{
    private static readonly Shape Kept = Shape.Rectangle("kept square", Blue, 200, 40, 260, 100);

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A drawn edit: the shapes of both images, and which are removed and added.</summary>
    internal sealed record Scene(string Name, Shape[] Original, Shape[] Edited, Shape[] Removed, Shape[] Added, string[] Roles);

    public static TheoryData<string> Scenes() => [.. AllScenes().Select(s => s.Name)];

    private static IEnumerable<Scene> AllScenes()
    {
        Shape cat = Shape.Circle("cat", Orange, 90, 140, 40), duck = Shape.Triangle("duck", Green, 90, 140, 46);
        yield return new("replaced", [cat, Kept], [duck, Kept], [cat], [duck], ["replaced", "replaced"]);
        Shape leftCat = Shape.Circle("cat", Orange, 70, 160, 35), rightDuck = Shape.Triangle("duck", Green, 250, 180, 38);
        yield return new("elsewhere", [leftCat, Kept], [Kept, rightDuck], [leftCat], [rightDuck], ["removed", "added"]);
        Shape onlyCat = Shape.Circle("cat", Orange, 90, 150, 38);
        yield return new("only-removed", [onlyCat, Kept], [Kept], [onlyCat], [], ["removed"]);
        Shape onlyDuck = Shape.Triangle("duck", Green, 110, 160, 45);
        yield return new("only-added", [Kept], [Kept, onlyDuck], [], [onlyDuck], ["added"]);
        Shape topCat = Shape.Circle("cat", Orange, 50, 60, 30), bird = Shape.Rectangle("bird", Purple, 40, 160, 110, 215);
        Shape farDuck = Shape.Triangle("duck", Green, 255, 185, 36);
        yield return new("two-removed-one-added", [topCat, bird, Kept], [Kept, farDuck], [topCat, bird], [farDuck], ["removed", "removed", "added"]);
    }

    [Theory]
    [MemberData(nameof(Scenes))]
    public async Task Auto_finds_every_object_and_the_same_masks_given_by_hand_give_the_same_embeddings(string name)
    {
        Scene scene = AllScenes().Single(s => s.Name == name);
        (string original, string edited) = Save(scene);
        string found = _folder.File("found"), byHand = _folder.File("by-hand");

        CliRunner.Outcome auto = await CliRunner.RunAsync(["embed", "--original", original, "--edited", edited, "--auto", "--out", found, "--quiet"]);
        Assert.True(auto.ExitCode == 0, auto.Error);

        using JsonDocument record = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(found, "run.json")));
        JsonElement[] objects = [.. record.RootElement.GetProperty("objects").EnumerateArray()];
        Assert.Equal(scene.Roles, objects.Select(o => o.GetProperty("role").GetString()));
        Assert.All(objects, o => Assert.Equal("found", o.GetProperty("source").GetString()));
        Assert.All(objects, o => Assert.NotEqual(JsonValueKind.Null, o.GetProperty("box").ValueKind));
        Assert.True(record.RootElement.TryGetProperty("detection", out _));

        byte[][] removed = ObjectMasks(found, "remove", scene.Removed.Length), added = ObjectMasks(found, "add", scene.Added.Length);
        AssertMatches(removed, scene.Removed, "removed");
        AssertMatches(added, scene.Added, "added");
        for (int i = 0; i < objects.Length; i++)
        {
            byte[] mask = i < removed.Length ? removed[i] : added[i - removed.Length];
            Assert.Equal(mask.Count(v => v != 0), objects[i].GetProperty("mask_area").GetInt32());
        }

        // The same masks as ready masks (SAM2 skipped), sides without objects given as empty lists.
        string prompts = _folder.Write("by-hand.json", System.Text.Encoding.UTF8.GetBytes(
            $$"""{"remove": [{{MaskObjects(removed, "remove")}}], "add": [{{MaskObjects(added, "add")}}]}"""));
        CliRunner.Outcome given = await CliRunner.RunAsync(["embed", "--original", original, "--edited", edited, "--prompts", prompts, "--out", byHand, "--quiet"]);
        Assert.True(given.ExitCode == 0, given.Error);
        foreach (string file in new[] { "edited_clip.npy", "E_sup.npy", "E_boost.npy", "E_bg.npy", "clap.npy", "remove_mask.npy", "add_mask.npy" })
        {
            Assert.True(File.ReadAllBytes(Path.Combine(found, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(byHand, file))), $"{name}: {file} differs");
        }
        using JsonDocument handRecord = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(byHand, "run.json")));
        Assert.All(handRecord.RootElement.GetProperty("objects").EnumerateArray(), o => Assert.Equal("given", o.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task A_shifted_camera_is_refused_without_inventing_objects()
    {
        Shape cat = Shape.Circle("cat", Orange, 90, 140, 40), bird = Shape.Rectangle("bird", Purple, 130, 170, 190, 220);
        string original = Save("original.png", Draw("original", [cat, bird, Kept], noise: 2, seed: 1));
        string edited = Save("edited.png", Draw("edited", [cat.Moved(4, 3), bird.Moved(4, 3), Kept.Moved(4, 3)], brightness: 6, noise: 2, seed: 2));

        CliRunner.Outcome run = await CliRunner.RunAsync(["embed", "--original", original, "--edited", edited, "--out", _folder.File("out"), "--quiet"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("No object that changed was found", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.File("out")));
    }

    [Fact]
    public async Task A_side_left_to_the_change_detector_says_so_when_the_images_are_refused()
    {
        Shape cat = Shape.Circle("cat", Orange, 90, 140, 40);
        string original = Save("original.png", Draw("original", [cat, Kept]));
        string edited = Save("edited.png", Draw("edited", [cat, Kept]));

        CliRunner.Outcome run = await CliRunner.RunAsync(["embed", "--original", original, "--edited", edited, "--remove-point", "90,140", "--out", _folder.File("out"), "--quiet"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("The add side has no prompt, so its objects were to be found from what changed between the images: The images are identical", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.File("out")));
    }

    [Fact]
    public async Task Run_draws_every_object_and_records_each_objects_prompts_and_mask()
    {
        Scene scene = AllScenes().Single(s => s.Name == "two-removed-one-added");
        (string original, string edited) = Save(scene);
        string output = _folder.File("run");

        // Two removed objects given by points and a box, the added one found.
        CliRunner.Outcome run = await CliRunner.RunAsync(["run", "--original", original, "--edited", edited,
            "--remove-point", "50,60", "--remove-object", "--remove-box", "35,155,115,220", "--remove-negative-point", "150,30",
            "--out", output, "--steps", "3", "--candidates", "1", "--duration", "0.3", "--quiet"]);

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument record = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "run.json")));
        JsonElement root = record.RootElement;
        JsonElement[] objects = [.. root.GetProperty("objects").EnumerateArray()];
        Assert.Equal(["remove/given/removed", "remove/given/removed", "add/found/added"],
            objects.Select(o => $"{o.GetProperty("side").GetString()}/{o.GetProperty("source").GetString()}/{o.GetProperty("role").GetString()}"));
        Assert.Equal([35.0, 155, 115, 220], objects[1].GetProperty("box").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal([150.0, 30], objects[1].GetProperty("negative_points")[0].EnumerateArray().Select(v => v.GetDouble()));
        Assert.False(root.GetProperty("inputs").TryGetProperty("remove_point", out _));
        Assert.Equal("each", root.GetProperty("parameters").GetProperty("objects").GetString());
        AssertMatches(ObjectMasks(output, "remove", 2), scene.Removed, "removed");
        Assert.True(File.Exists(Path.Combine(output, "manipulated_audio.wav")));

        // Each object in its own tint on the overlay: the two removed objects' pixels differ from the image's and from each other's.
        RgbImage overlay = ImageLoader.Load(Path.Combine(output, "remove_mask.png"));
        RgbImage image = ImageLoader.Load(original);
        Assert.NotEqual(Pixel(image, 60, 70), Pixel(overlay, 60, 70));
        Assert.NotEqual(Pixel(image, 60, 200), Pixel(overlay, 60, 200));
        Assert.NotEqual(Pixel(overlay, 60, 70), Pixel(overlay, 60, 200));
    }

    [Fact]
    public async Task Batch_takes_lists_of_prompts_auto_and_masks_and_gives_the_embeddings_of_embed()
    {
        Scene scene = AllScenes().Single(s => s.Name == "two-removed-one-added");
        (string original, string edited) = Save(scene);
        string embedOut = _folder.File("embed");
        CliRunner.Outcome embed = await CliRunner.RunAsync(["embed", "--original", original, "--edited", edited, "--auto", "--out", embedOut, "--quiet"]);
        Assert.True(embed.ExitCode == 0, embed.Error);
        byte[][] removed = ObjectMasks(embedOut, "remove", 2), added = ObjectMasks(embedOut, "add", 1);

        string manifest = _folder.Write("manifest.jsonl", System.Text.Encoding.UTF8.GetBytes(string.Join("\n",
            """{"id": "auto", "original": "original.png", "edited": "edited.png", "remove": "auto", "add": "auto"}""",
            """{"id": "unsaid", "original": "original.png", "edited": "edited.png"}""",
            $$"""{"id": "masks", "original": "original.png", "edited": "edited.png", "remove": [{{MaskObjects(removed, "remove")}}], "add": [{{MaskObjects(added, "add")}}]}""",
            """{"id": "points", "original": "original.png", "edited": "edited.png", "remove": [{"points": [[50, 60]]}, {"box": [35, 155, 115, 220]}], "add": [{"points": [[255, 185]]}], "objects": "union"}""")));
        string output = _folder.File("batch");
        CliRunner.Outcome batch = await CliRunner.RunAsync(["batch", manifest, "--out", output, "--embed-only", "--quiet"]);
        Assert.True(batch.ExitCode == 0, batch.Error + batch.Output);

        foreach (string id in new[] { "auto", "unsaid", "masks" })
        {
            Assert.True(File.ReadAllBytes(Path.Combine(embedOut, "edited_clip.npy")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(output, id, "edited_clip.npy"))),
                $"{id}: the batch's embedding differs from embed's");
        }
        Dictionary<string, JsonElement> results = File.ReadLines(Path.Combine(output, "results.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement).ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal(["found", "found", "found"], results["auto"].GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("source").GetString()));
        Assert.Equal(["given", "given", "given"], results["points"].GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("source").GetString()));
        Assert.All(results["points"].GetProperty("objects").EnumerateArray(), o => Assert.True(o.GetProperty("patches").GetInt32() > 0));
        using JsonDocument union = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "points", "run.json")));
        Assert.Equal("union", union.RootElement.GetProperty("parameters").GetProperty("objects").GetString());
    }

    [Fact]
    public async Task A_resumed_batch_redoes_the_items_found_with_other_change_detection_settings()
    {
        Save(AllScenes().Single(s => s.Name == "elsewhere"));
        string manifest = _folder.Write("resume.jsonl", System.Text.Encoding.UTF8.GetBytes(string.Join("\n",
            """{"id": "found", "original": "original.png", "edited": "edited.png", "remove": "auto", "add": "auto"}""",
            """{"id": "given", "original": "original.png", "edited": "edited.png", "remove_point": [70, 160], "add_point": [250, 180]}""")));
        string output = _folder.File("batch");

        async Task<Dictionary<string, string>> Batch(params string[] options)
        {
            CliRunner.Outcome batch = await CliRunner.RunAsync(["batch", manifest, "--out", output, "--embed-only", "--quiet", .. options]);
            Assert.True(batch.ExitCode == 0, batch.Error + batch.Output);
            return File.ReadLines(Path.Combine(output, "results.jsonl")).Select(line => JsonDocument.Parse(line).RootElement)
                .ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("status").GetString()!);
        }

        Assert.Equal(["ok", "ok"], (await Batch()).OrderBy(r => r.Key).Select(r => r.Value));
        Assert.Equal(["skipped", "skipped"], (await Batch()).OrderBy(r => r.Key).Select(r => r.Value));
        // Other settings of the change detector may find other objects: the found item is redone, the given one is not.
        Dictionary<string, string> changed = await Batch("--min-region", "0.01");
        Assert.Equal("ok", changed["found"]);
        Assert.Equal("skipped", changed["given"]);
        using JsonDocument record = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "found", "run.json")));
        Assert.Equal(0.01, record.RootElement.GetProperty("parameters").GetProperty("change_detection").GetProperty("min_region").GetDouble());
        Assert.Equal("skipped", (await Batch("--change-threshold", "20", "--min-region", "0.01"))["given"]);
    }

    [Fact]
    public async Task Batch_prompts_are_checked_up_front_with_their_line()
    {
        Scene scene = AllScenes().First();
        Save(scene);
        string manifest = _folder.Write("bad.jsonl", System.Text.Encoding.UTF8.GetBytes(string.Join("\n",
            """{"id": "a", "original": "original.png", "edited": "edited.png", "remove": [{"mask": "missing.png"}], "add": "auto"}""",
            """{"id": "b", "original": "original.png", "edited": "edited.png", "remove": [{"points": [10, 20]}]}""",
            """{"id": "c", "original": "original.png", "edited": "edited.png", "add": "everything"}""")));

        CliRunner.Outcome batch = await CliRunner.RunAsync(["batch", manifest, "--out", _folder.File("out"), "--quiet"]);

        Assert.Equal(2, batch.ExitCode);
        Assert.Contains("line 1: the mask file", batch.Error, StringComparison.Ordinal);
        Assert.Contains("line 2: remove[0].points is a list of points", batch.Error, StringComparison.Ordinal);
        Assert.Contains("line 3: 'add' must be \"auto\" or a list of objects", batch.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.File("out")));
    }

    private (string Original, string Edited) Save(Scene scene) =>
        (Save("original.png", Draw("original", scene.Original)), Save("edited.png", Draw("edited", scene.Edited)));

    private string Save(string name, RgbImage image) => _folder.Write(name, image.EncodePng());

    /// <summary>Each object's mask of a side as written: <c>side_object_masks.npy</c> for several, the side's mask for one.</summary>
    private static byte[][] ObjectMasks(string folder, string side, int count)
    {
        if (count == 0)
        {
            Assert.False(File.Exists(Path.Combine(folder, $"{side}_object_masks.npy")));
            Assert.DoesNotContain(Npy.Read(Path.Combine(folder, $"{side}_mask.npy")).ToBytes(), v => v != 0);
            return [];
        }
        if (count == 1)
        {
            return [Npy.Read(Path.Combine(folder, $"{side}_mask.npy")).ToBytes()];
        }
        NpyArray masks = Npy.Read(Path.Combine(folder, $"{side}_object_masks.npy"));
        Assert.Equal([count, Height, Width], masks.Shape);
        byte[] all = masks.ToBytes();
        return [.. Enumerable.Range(0, count).Select(i => all[(i * Width * Height)..((i + 1) * Width * Height)])];
    }

    /// <summary>Writes each mask as a .npy file and returns the prompt file's objects naming them.</summary>
    private string MaskObjects(byte[][] masks, string side) => string.Join(", ", masks.Select((mask, i) =>
    {
        string path = _folder.File($"{side}-{i}.npy");
        Npy.Write(path, NpyArray.FromBytes(mask, NpyDType.UInt8, Height, Width));
        return $$"""{"mask": {{JsonSerializer.Serialize(path)}}}""";
    }));

    /// <summary>Every drawn shape has one mask of IoU ≥ 0.9, and there are as many masks as shapes.</summary>
    private static void AssertMatches(byte[][] masks, Shape[] shapes, string side)
    {
        Assert.Equal(shapes.Length, masks.Length);
        foreach (Shape shape in shapes)
        {
            byte[] truth = Truth(shape);
            double best = masks.Max(m => MaskMetrics.IoU(m, truth));
            Assert.True(best >= 0.9, string.Create(CultureInfo.InvariantCulture, $"{side} {shape.Name}: best IoU {best:F3} < 0.9"));
        }
    }

    private static (byte, byte, byte) Pixel(RgbImage image, int x, int y)
    {
        int i = 3 * (y * image.Width + x);
        return (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }
}
