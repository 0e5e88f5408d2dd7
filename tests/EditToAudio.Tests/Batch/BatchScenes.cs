using System.Globalization;
using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.Batch;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Samples;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Batch;

/// <summary>Two generated image pairs of different sizes, manifests over them and fast batch settings.</summary>
internal sealed class BatchScenes : IDisposable
{
    public static readonly string[] FastArguments = ["--steps", "5", "--candidates", "1", "--duration", "0.5", "--quiet"];

    public BatchScenes()
    {
        SceneA = DemoScene.Create(160, 120);
        SceneB = DemoScene.Create(128, 128);
        DemoScene.SavePngs(Folder.File("a"), SceneA);
        DemoScene.SavePngs(Folder.File("b"), SceneB);
        // Its own sessions, so the call counts of one test are not mixed with another's.
        Stages = new CpuBackend().Open(EditToAudio.Tests.Models.SyntheticSet.Load());
    }

    public TemporaryFolder Folder { get; } = new();

    public DemoImages SceneA { get; }

    public DemoImages SceneB { get; }

    public PipelineStages Stages { get; }

    public NetworkSet Networks => Stages.Networks;

    /// <summary>Steps 5, one candidate, half a second: the pipeline in milliseconds.</summary>
    public static ItemParameters Fast { get; } = new()
    {
        Audio = new AudioOptions { Sampler = new SamplerOptions { Steps = 5 }, Candidates = 1, Duration = 0.5 },
    };

    /// <summary>A manifest line on scene A ("a") or B ("b"), prompts at the scene's points unless given.</summary>
    public string Line(string id, string scene, string extra = "", (int X, int Y)? remove = null)
    {
        DemoImages images = scene == "a" ? SceneA : SceneB;
        (int x, int y) = remove ?? images.RemovePoint;
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"id": "{{id}}", "original": "{{scene}}/original.png", "edited": "{{scene}}/edited.png", "remove_point": [{{x}}, {{y}}], "add_point": [{{images.AddPoint.X}}, {{images.AddPoint.Y}}]{{extra}}}""");
    }

    public string WriteManifest(params string[] lines)
    {
        string path = Folder.File("manifest.jsonl");
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    public BatchManifest Manifest(params string[] lines) => BatchManifest.Load(WriteManifest(lines), Fast);

    public Task<BatchSummary> RunAsync(BatchManifest manifest, string output, bool embedOnly = false, string? cache = null, ShardSpec? shard = null, long? memoryBytes = null,
        string memorySource = PlanningMemorySource.Option) =>
        new BatchRunner(Stages).RunAsync(manifest, new BatchOptions
        {
            OutputFolder = Folder.File(output),
            EmbedOnly = embedOnly,
            CacheFolder = cache is null ? null : Folder.File(cache),
            Shard = shard ?? ShardSpec.All,
            Workers = 2,
            MemoryBytes = memoryBytes,
            MemorySource = memorySource,
        }, cancellationToken: TestContext.Current.CancellationToken);

    public BatchItemResult[] Results(string output, ShardSpec? shard = null) =>
        [.. File.ReadAllLines(Folder.File(Path.Combine(output, BatchRunner.ResultsFileName(shard ?? ShardSpec.All))))
            .Select(line => System.Text.Json.JsonSerializer.Deserialize(line, BatchLineJson.Default.BatchItemResult)!)];

    public static long Calls(BatchSummary summary, NetworkKind kind) => summary.NetworkCalls[NetworkContracts.For(kind).Key];

    public void Dispose()
    {
        Stages.Dispose();
        Folder.Dispose();
    }
}
