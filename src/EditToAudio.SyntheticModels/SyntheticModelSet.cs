using EditToAudio.IO;
using EditToAudio.Models;
using Google.Protobuf;
using Onnx;

namespace EditToAudio.SyntheticModels;

/// <summary>
/// Writes the analytic synthetic model set: one small ONNX file per network and models.json.
/// The output depends only on the seed (the same bytes every time, on any machine).
/// </summary>
public static class SyntheticModelSet
{
    /// <summary>Writes every file of the set into <paramref name="folder"/> (each atomically, the manifest last): one ONNX file per network, the label table and models.json.</summary>
    public static ModelSetManifest Generate(string folder, int seed = SyntheticWeights.DefaultSeed, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var weights = SyntheticWeights.Create(seed);
        var models = new (NetworkKind Kind, Func<ModelProto> Build)[]
        {
            (NetworkKind.Sam2Encoder, SyntheticNetworks.Sam2Encoder),
            (NetworkKind.Sam2Decoder, SyntheticNetworks.Sam2Decoder),
            (NetworkKind.ClipTokens, () => SyntheticNetworks.ClipTokens(weights)),
            (NetworkKind.Ssv2aManifold, () => SyntheticNetworks.Mlp(NetworkContracts.Ssv2aManifold, weights.Manifold, "synthetic_ssv2a_manifold")),
            (NetworkKind.Ssv2aGenerator, () => SyntheticNetworks.Mlp(NetworkContracts.Ssv2aGenerator, weights.Generator, "synthetic_ssv2a_generator")),
            (NetworkKind.UNet, () => SyntheticNetworks.UNet(weights)),
            (NetworkKind.VaeDecoder, () => SyntheticNetworks.VaeDecoder(weights)),
            (NetworkKind.Vocoder, SyntheticNetworks.Vocoder),
            (NetworkKind.ClapAudio, () => SyntheticNetworks.ClapAudio(weights)),
        };
        var files = new Dictionary<NetworkKind, string>();
        foreach (var (kind, build) in models)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string file = NetworkContracts.For(kind).Key + ".onnx";
            progress?.Report(file);
            byte[] bytes = build().ToByteArray();
            AtomicFile.WriteAllBytes(Path.Combine(folder, file), bytes);
            files[kind] = file;
        }
        const string labelsFile = "labels.npy";
        progress?.Report(labelsFile);
        Npy.Write(Path.Combine(folder, labelsFile), weights.LabelEmbeddings, [SyntheticWeights.LabelNames.Count, 512]);
        var manifest = new ModelSetManifest(
            "synthetic",
            $"Analytic synthetic models generated from seed {seed}: they satisfy the real networks' contracts and compute known closed forms. Not real weights; outputs are not meaningful sounds.",
            IsSynthetic: true,
            files,
            new ModelSetConstants(
                SyntheticWeights.SampleRate, SyntheticWeights.HopLength, SyntheticWeights.VaeScaleFactor, BetaSchedule.AudioLdm,
                weights.UnconditionalEmbedding, ImageNormalization.Clip, ImageNormalization.Sam2, TokenLayout.ClipVitL14),
            Labels: new ModelLabels(labelsFile, SyntheticWeights.LabelNames));
        progress?.Report(ModelSetManifest.FileName);
        AtomicFile.WriteAllBytes(Path.Combine(folder, ModelSetManifest.FileName), manifest.ToJson());
        return manifest;
    }

    /// <summary>Generates the set into <paramref name="folder"/> unless it already has a manifest.</summary>
    /// <returns>True when the set was generated.</returns>
    public static bool EnsureExists(string folder, int seed = SyntheticWeights.DefaultSeed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (File.Exists(Path.Combine(folder, ModelSetManifest.FileName)))
        {
            return false;
        }
        Generate(folder, seed);
        return true;
    }
}
