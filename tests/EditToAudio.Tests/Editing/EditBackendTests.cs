using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Networks;
using EditToAudio.Pipeline;
using EditToAudio.Samples;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Editing;

public class EditBackendTests
{
    private const int D = TokenFactory.Dimension;

    public static TheoryData<string, int, int, double, double> Cases() => new()
    {
        { "ordinary", 40, 30, 0.1, 0.3 },
        { "empty removed region", 0, 30, 0.1, 0.3 },
        { "empty added region", 40, 0, 0.1, 0.3 },
        { "no background", 256, 256, 0.1, 0.3 },
        { "factor 0 on a small region", 3, 30, 0.0, 0.3 },
        { "weights off by 0.5", 40, 30, 0.1, 0.8 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parts_from_another_backend_get_the_cpu_warnings(string name, int removed, int added, double alpha, double background)
    {
        var parameters = new EditParameters { Alpha = alpha, Mix = new MixWeights(0.2, 0.5, background) };
        EditResult cpu = EmbeddingEditor.Edit(new ImageTokens(TokenFactory.Random(1), D), new ImageTokens(TokenFactory.Random(2), D),
            TokenFactory.PatchWeights(3, removed), TokenFactory.PatchWeights(4, added), parameters);

        EditResult rebuilt = EmbeddingEditor.FromParts(cpu.Embedding, cpu.Suppressed, cpu.Boosted, cpu.Background, cpu.RemovePatchWeights, cpu.AddPatchWeights, parameters.Mix);

        Assert.Equal(cpu.Warnings, rebuilt.Warnings);
        Assert.True(name == "ordinary" ? cpu.Warnings.Count == 0 : cpu.Warnings.Count > 0, $"{name}: {string.Join(" | ", cpu.Warnings)}");
    }

    [Fact]
    public async Task The_engine_edits_through_its_backend_and_records_which()
    {
        var backend = new RecordingBackend();
        DemoImages scene = DemoScene.Create();
        using EditToAudioEngine engine = EditToAudioEngine.Open(new EngineOptions { Backend = backend });
        var request = new EmbedRequest(new RgbImage(scene.Width, scene.Height, scene.OriginalRgb, "original"), new RgbImage(scene.Width, scene.Height, scene.EditedRgb, "edited"),
            new PromptPoint(scene.RemovePoint.X, scene.RemovePoint.Y), new PromptPoint(scene.AddPoint.X, scene.AddPoint.Y));

        EmbedResult result = await engine.EmbedAsync(request, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, backend.CallsOf("edit"));
        Assert.Equal("recording", result.EditBackend);
        Assert.Equal("recording", engine.Backend);
    }
}
