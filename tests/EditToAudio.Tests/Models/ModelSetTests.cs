using System.Text.Json.Nodes;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Models;

public class ModelSetTests
{
    [Fact]
    public void Synthetic_manifest_round_trips_and_holds_the_brief_constants()
    {
        var set = SyntheticSet.Load();
        var c = set.Constants;
        Assert.Equal(16000, c.SampleRate);
        Assert.Equal(160, c.HopLength);
        Assert.Equal(new BetaSchedule(1000, 0.0015, 0.0195), c.BetaSchedule);
        Assert.Equal(512, c.UnconditionalEmbedding.Count);
        Assert.Equal(1.0, Math.Sqrt(c.UnconditionalEmbedding.Sum(v => (double)v * v)), 6);
        Assert.Equal([0.48145466, 0.4578275, 0.40821073], c.Clip.Mean);
        Assert.Equal([0.229, 0.224, 0.225], c.Sam2.Std);
        Assert.Equal(new TokenLayout(257, 16, 14, 768, 0), c.Tokens);

        var reparsed = ModelSetManifest.Parse(set.Manifest.ToJson(), "round trip");
        Assert.Equal(set.Manifest.ToJson(), reparsed.ToJson());
        Assert.Equal(c.UnconditionalEmbedding, reparsed.Constants.UnconditionalEmbedding);
    }

    [Fact]
    public void Beta_schedule_matches_a_direct_float64_computation()
    {
        double[] alphaBar = BetaSchedule.AudioLdm.AlphasCumulative();
        double product = 1;
        for (int t = 0; t < 1000; t++)
        {
            double root = Math.Sqrt(0.0015) + t * (Math.Sqrt(0.0195) - Math.Sqrt(0.0015)) / 999;
            product *= 1 - root * root;
            Assert.Equal(product, alphaBar[t], 14);
        }
        Assert.Equal(0.0015, BetaSchedule.AudioLdm.Betas()[0], 15);
        Assert.Equal(0.0195, BetaSchedule.AudioLdm.Betas()[999], 15);
    }

    [Fact]
    public void Missing_folder_and_manifest_are_named()
    {
        using var folder = new TemporaryFolder();
        var missingFolder = Assert.Throws<ModelSetException>(() => ModelSet.Load(Path.Combine(folder.Path, "nope")));
        Assert.Contains("nope", missingFolder.Message, StringComparison.Ordinal);
        var missingManifest = Assert.Throws<ModelSetException>(() => ModelSet.Load(folder.Path));
        Assert.Contains("models.json", missingManifest.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_network_file_is_named()
    {
        using var folder = CopyOfSyntheticSet();
        File.Delete(Path.Combine(folder.Path, "unet.onnx"));
        var error = Assert.Throws<ModelSetException>(() => ModelSet.Load(folder.Path));
        Assert.Contains("networks.unet names 'unet.onnx', which does not exist", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("constants.vae_scale_factor", "constants.vae_scale_factor is missing")]
    [InlineData("constants.unconditional_embedding", "constants.unconditional_embedding is missing")]
    [InlineData("constants.beta_schedule.beta_end", "constants.beta_schedule.beta_end is missing")]
    [InlineData("networks.vocoder", "networks.vocoder is missing")]
    [InlineData("synthetic", "synthetic is missing")]
    public void Missing_manifest_fields_are_named(string field, string expected)
    {
        var error = Assert.Throws<ModelSetException>(() => ModelSet.Load(WithManifestEdit(json =>
        {
            string[] path = field.Split('.');
            JsonNode node = json;
            foreach (string part in path[..^1])
            {
                node = node[part]!;
            }
            node.AsObject().Remove(path[^1]);
        }).Path));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("models.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_manifest_values_are_explained()
    {
        Assert.Contains("must have 512 numbers, found 3", Assert.Throws<ModelSetException>(() => ModelSet.Load(WithManifestEdit(json =>
            json["constants"]!["unconditional_embedding"] = new JsonArray(1, 2, 3)).Path)).Message, StringComparison.Ordinal);
        Assert.Contains("networks.clip_large is not a known network", Assert.Throws<ModelSetException>(() => ModelSet.Load(WithManifestEdit(json =>
            json["networks"]!["clip_large"] = "x.onnx").Path)).Message, StringComparison.Ordinal);
        Assert.Contains("only 'scaled_linear' is implemented", Assert.Throws<ModelSetException>(() => ModelSet.Load(WithManifestEdit(json =>
            json["constants"]!["beta_schedule"]!["kind"] = "cosine").Path)).Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", Assert.Throws<ModelSetException>(() =>
        {
            using var folder = CopyOfSyntheticSet();
            File.WriteAllText(Path.Combine(folder.Path, "models.json"), "{ \"format_version\": ");
            ModelSet.Load(folder.Path);
        }).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Precision_is_fp32_unless_the_manifest_says_fp16()
    {
        Assert.Equal(ModelPrecision.Fp32, SyntheticSet.Load().Manifest.Precision);
        using var fp16 = WithManifestEdit(json => json["precision"] = "fp16");
        var set = ModelSet.Load(fp16.Path);
        Assert.Equal(ModelPrecision.Fp16, set.Manifest.Precision);
        Assert.Equal(ModelPrecision.Fp16, ModelSetManifest.Parse(set.Manifest.ToJson(), "round trip").Precision);
        Assert.Equal(EditToAudio.Networks.VerificationTolerance.Fp16, EditToAudio.Networks.VerificationTolerance.For(set.Manifest.Precision));
        Assert.Contains("precision must be one of \"fp32\", \"fp16\"", Assert.Throws<ModelSetException>(() => ModelSet.Load(WithManifestEdit(json =>
            json["precision"] = "bf16").Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constants_the_engine_does_not_implement_are_refused()
    {
        Assert.Contains("constants.clip_normalization is mean (0.5, 0.4578275, 0.40821073)", Assert.Throws<ModelSetException>(() => ModelSet.Load(WithManifestEdit(json =>
            json["constants"]!["clip_normalization"]!["mean"]![0] = 0.5).Path)).Message, StringComparison.Ordinal);
        Assert.Contains("constants.sam2_normalization is", Assert.Throws<ModelSetException>(() => ModelSet.Load(WithManifestEdit(json =>
            json["constants"]!["sam2_normalization"]!["image_size"] = 512).Path)).Message, StringComparison.Ordinal);
        Assert.Contains("width 512; this engine implements only CLIP ViT-L/14", Assert.Throws<ModelSetException>(() => ModelSet.Load(WithManifestEdit(json =>
            json["constants"]!["token_layout"]!["width"] = 512).Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_preprocessors_apply_the_normalization_the_manifest_declares()
    {
        Assert.Equal(ImageNormalization.Clip.Mean.Select(v => (float)v), ClipPreprocessor.Mean.ToArray());
        Assert.Equal(ImageNormalization.Clip.Std.Select(v => (float)v), ClipPreprocessor.Std.ToArray());
        Assert.Equal(ClipGeometry.InputSize, ImageNormalization.Clip.ImageSize);
        Assert.Equal(ImageNormalization.Sam2.Mean.Select(v => (float)v), Sam2Preprocessor.Mean.ToArray());
        Assert.Equal(ImageNormalization.Sam2.Std.Select(v => (float)v), Sam2Preprocessor.Std.ToArray());
        Assert.Equal(Sam2Preprocessor.InputSize, ImageNormalization.Sam2.ImageSize);
    }

    private static TemporaryFolder CopyOfSyntheticSet()
    {
        var folder = new TemporaryFolder();
        foreach (string file in Directory.GetFiles(SyntheticSet.Load().Folder))
        {
            File.Copy(file, Path.Combine(folder.Path, Path.GetFileName(file)));
        }
        return folder;
    }

    private static TemporaryFolder WithManifestEdit(Action<JsonNode> edit)
    {
        var folder = CopyOfSyntheticSet();
        string path = Path.Combine(folder.Path, "models.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
        return folder;
    }
}
