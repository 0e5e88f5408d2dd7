using EditToAudio.Models;
using Onnx;

namespace EditToAudio.SyntheticModels;

/// <summary>
/// Builds each analytic network as an ONNX graph (opset 17, ops the CPU provider supports). What
/// each computes is stated on its method; models/README.md repeats it.
/// </summary>
internal static class SyntheticNetworks
{
    /// <summary>
    /// SAM2 encoder: undoes the ImageNet normalization and average-pools the RGB image to each
    /// output's resolution (16×16 → image_embed 64², 4×4 → high_res_feats_0 256², 8×8 →
    /// high_res_feats_1 128²) in channels 0..2; the remaining channels are zero.
    /// </summary>
    public static ModelProto Sam2Encoder()
    {
        var contract = NetworkContracts.Sam2Encoder;
        var g = new GraphBuilder("synthetic_sam2_encoder", contract);
        var norm = ImageNormalization.Sam2;
        string std = g.Floats("std", [.. norm.Std.Select(v => (float)v)], 1, 3, 1, 1);
        string mean = g.Floats("mean", [.. norm.Mean.Select(v => (float)v)], 1, 3, 1, 1);
        string rgb = g.Add(g.Mul(contract.Image.Name, std), mean);
        foreach (var (output, pool, channels) in new[] { (contract.ImageEmbed.Name, 16L, 256L), (contract.HighResFeats0.Name, 4L, 32L), (contract.HighResFeats1.Name, 8L, 64L) })
        {
            string pooled = g.Node("AveragePool", [rgb], null, ("kernel_shape", new[] { pool, pool }), ("strides", new[] { pool, pool }));
            g.Node("Pad", [pooled, g.Int64s(0, 0, 0, 0, 0, channels - 3, 0, 0)], output, ("mode", "constant"));
        }
        return g.ToModel("Synthetic SAM2 encoder: average-pooled RGB copies of the image in channels 0..2.");
    }

    /// <summary>
    /// SAM2 decoder on the 256² RGB copy in high_res_feats_0: for each prompt set l and cell q,
    /// d_p(q) = ‖rgb(q) − rgb(cell of point p)‖² (point cell = floor(coord/4), clamped);
    /// mask i logits = sharpness · (min(τ_i, min over negative points of d) − min over positive
    /// points of d) + has_mask_input[l] · mask_input[l]. Labels: 1 positive, 0 negative; a box
    /// (its corners labelled 2 and 3, as SAM2's predictor passes it) counts as one more positive
    /// point at its centre; anything else is ignored. IoU predictions are constants.
    /// </summary>
    public static ModelProto Sam2Decoder()
    {
        var contract = NetworkContracts.Sam2Decoder;
        var g = new GraphBuilder("synthetic_sam2_decoder", contract);
        const long cells = 256 * 256;

        string rgb = g.Node("Slice", [contract.HighResFeats0.Name, g.Int64s(0), g.Int64s(3), g.Int64s(1)]); // [1,3,256,256]
        string rgbFlat = g.Reshape(rgb, 3, cells);                                                   // [3,Q]

        // A box's corners (labels 2 and 3) add one positive point at the box's centre.
        string isCorner = g.Node("Cast", [g.Node("Or", [g.Node("Equal", [contract.PointLabels.Name, g.Scalar(2f)]), g.Node("Equal", [contract.PointLabels.Name, g.Scalar(3f)])])],
            null, ("to", (long)TensorProto.Types.DataType.Float));                                              // [L,P]
        string corners = g.Node("ReduceSum", [isCorner, g.Int64s(1)], null, ("keepdims", 1L));               // [L,1]
        string cornerSum = g.Node("ReduceSum", [g.Mul(contract.PointCoords.Name, g.Unsqueeze(isCorner, 2)), g.Int64s(1)], null, ("keepdims", 1L)); // [L,1,2]
        string centre = g.Div(cornerSum, g.Unsqueeze(g.Node("Max", [corners, g.Scalar(1f)]), 2));            // [L,1,2]
        string centreLabel = g.Node("Where", [g.Node("Greater", [corners, g.Scalar(0f)]), g.Scalar(1f), g.Scalar(-1f)]); // [L,1]
        string coords = g.Node("Concat", [contract.PointCoords.Name, centre], null, ("axis", 1L));                       // [L,P+1,2]
        string labels = g.Node("Concat", [contract.PointLabels.Name, centreLabel], null, ("axis", 1L));                  // [L,P+1]

        string quarter = g.Scalar(0.25f);
        string Cell(long axis) => g.Node("Clip", [
            g.Node("Floor", [g.Mul(g.Node("Gather", [coords, g.Int64Scalar(axis)], null, ("axis", 2L)), quarter)]),
            g.Scalar(0f), g.Scalar(255f)]);
        string index = g.Node("Cast", [g.Add(g.Mul(Cell(1), g.Scalar(256f)), Cell(0))], null, ("to", (long)TensorProto.Types.DataType.Int64)); // [L,P]
        string colors = g.Unsqueeze(g.Transpose(g.Node("Gather", [rgbFlat, index], null, ("axis", 1L)), 1, 2, 0), 3); // [L,P,3,1]
        string difference = g.Sub(g.Reshape(rgbFlat, 1, 1, 3, cells), colors);                                    // [L,P,3,Q]
        string distance = g.Node("ReduceSum", [g.Mul(difference, difference), g.Int64s(2)], null, ("keepdims", 0L)); // [L,P,Q]

        string NearestWithLabel(float label)
        {
            string isLabel = g.Node("Cast", [g.Node("Equal", [labels, g.Scalar(label)])], null, ("to", (long)TensorProto.Types.DataType.Float));
            string excluded = g.Mul(g.Sub(g.Scalar(1f), isLabel), g.Scalar(SyntheticWeights.Sam2Excluded)); // [L,P]
            return g.Node("ReduceMin", [g.Add(distance, g.Unsqueeze(excluded, 2))], null, ("axes", new long[] { 1 }), ("keepdims", 1L)); // [L,1,Q]
        }
        string nearestPositive = NearestWithLabel(1f);
        string nearestNegative = NearestWithLabel(0f);
        string thresholds = g.Floats("thresholds", [.. SyntheticWeights.Sam2Thresholds], 1, 4, 1);
        string margin = g.Sub(g.Node("Min", [nearestNegative, thresholds]), nearestPositive); // [L,4,Q]
        string logits = g.Reshape(g.Mul(margin, g.Scalar(SyntheticWeights.Sam2Sharpness)), -1, 4, 256, 256);
        string prior = g.Mul(g.Reshape(contract.HasMaskInput.Name, -1, 1, 1, 1), contract.MaskInput.Name); // [L,1,256,256]
        g.Add(logits, prior, contract.Masks.Name);

        string batch = g.Node("Shape", [contract.HasMaskInput.Name]);
        string iouShape = g.Node("Concat", [batch, g.Int64s(4)], null, ("axis", 0L));
        g.Node("Expand", [g.Floats("iou", [.. SyntheticWeights.Sam2IouPredictions], 1, 4), iouShape], contract.IouPredictions.Name);
        return g.ToModel("Synthetic SAM2 decoder: logits high where the color is close to the positive points' colors (a box's centre counts as one) and not closer to a negative point's.");
    }

    /// <summary>
    /// CLIP tokens: per 14×14 patch and channel, the mean and the mean of squares of pixel_values
    /// (6 features) → patch token = f·Wp + bp; CLS = whole-image features · Wc + bc.
    /// </summary>
    public static ModelProto ClipTokens(SyntheticWeights w)
    {
        var contract = NetworkContracts.ClipTokens;
        var g = new GraphBuilder("synthetic_clip_tokens", contract);
        (string, object)[] pool = [("kernel_shape", new long[] { 14, 14 }), ("strides", new long[] { 14, 14 })];
        string mean = g.Node("AveragePool", [contract.PixelValues.Name], null, pool);
        string meanSquare = g.Node("AveragePool", [g.Mul(contract.PixelValues.Name, contract.PixelValues.Name)], null, pool);
        string features = g.Node("Concat", [mean, meanSquare], null, ("axis", 1L)); // [B,6,16,16]
        string patches = g.Transpose(g.Reshape(features, 0, SyntheticWeights.ClipFeatures, 256), 0, 2, 1); // [B,256,6]
        string patchTokens = g.Linear(patches, w.ClipPatchWeight, w.ClipPatchBias, SyntheticWeights.ClipFeatures, 768, "patch");
        string whole = g.Node("ReduceMean", [features], null, ("axes", new long[] { 2, 3 }), ("keepdims", 0L)); // [B,6]
        string cls = g.Unsqueeze(g.Linear(whole, w.ClipClsWeight, w.ClipClsBias, SyntheticWeights.ClipFeatures, 768, "cls"), 1);
        g.Node("Concat", [cls, patchTokens], contract.Tokens.Name, ("axis", 1L));
        return g.ToModel("Synthetic CLIP tokens: fixed projections of each patch's pixel statistics; CLS from the whole image.");
    }

    /// <summary>An SSV2A MLP (<see cref="MlpWeights"/>) with inputs and outputs named by <paramref name="contract"/>.</summary>
    public static ModelProto Mlp(Ssv2aStageContract contract, MlpWeights w, string name)
    {
        var g = new GraphBuilder(name, contract);
        string x = contract.Clip.Name;
        string hidden = g.LayerNormLinearGelu(x, w.LayerNormGamma, w.LayerNormBeta, w.HiddenWeight, w.HiddenBias, w.Inputs, SyntheticWeights.Hidden, "hidden");
        if (w.Residual)
        {
            g.Add(x, g.Linear(hidden, w.MuWeight, w.MuBias, SyntheticWeights.Hidden, w.Outputs, "mu"), contract.Mu.Name);
        }
        else
        {
            g.Linear(hidden, w.MuWeight, w.MuBias, SyntheticWeights.Hidden, w.Outputs, "mu", contract.Mu.Name);
        }
        g.Linear(hidden, w.LogVarWeight, w.LogVarBias, SyntheticWeights.Hidden, w.Outputs, "logvar", contract.LogSigma.Name);
        return g.ToModel($"Synthetic {contract.Key}: LayerNorm → linear → GELU, then μ and log σ² heads.");
    }

    /// <summary>
    /// UNet: the exact ε-predictor for the clean latent x0(y)[c,t,f] = (y·U[:, c·16+f]) ·
    /// (1 + depth·sin(2π t / period)): ε = (x − √ᾱ_t·x0) / √(1 − ᾱ_t), ᾱ gathered by timestep.
    /// x0 is linear in y and U is orthogonal to the unconditional embedding, so guidance scales it.
    /// </summary>
    public static ModelProto UNet(SyntheticWeights w)
    {
        var contract = NetworkContracts.UNet;
        var g = new GraphBuilder("synthetic_unet", contract);
        double[] alphaBar = SyntheticWeights.AlphaBar;
        string sqrtAlphaBar = g.Floats("sqrt_alpha_bar", [.. alphaBar.Select(a => (float)Math.Sqrt(a))], alphaBar.Length);
        string sqrtOneMinus = g.Floats("sqrt_one_minus_alpha_bar", [.. alphaBar.Select(a => (float)Math.Sqrt(1 - a))], alphaBar.Length);

        string spectrum = g.Reshape(g.MatMul(contract.Y.Name, g.Floats("projection", w.UNetProjection, 512, 8 * 16)), -1, 8, 1, 16); // [N,8,1,16]
        string length = g.Node("Gather", [g.Node("Shape", [contract.Sample.Name]), g.Int64Scalar(2)], null, ("axis", 0L));
        string frames = g.Node("Cast", [g.Node("Range", [g.Int64Scalar(0), length, g.Int64Scalar(1)])], null, ("to", (long)TensorProto.Types.DataType.Float));
        string phase = g.Mul(frames, g.Scalar((float)(2 * Math.PI / SyntheticWeights.UNetModulationPeriod)));
        string envelope = g.Add(g.Mul(g.Node("Sin", [phase]), g.Scalar(SyntheticWeights.UNetModulationDepth)), g.Scalar(1f)); // [T]
        string clean = g.Mul(spectrum, g.Reshape(envelope, 1, 1, -1, 1)); // [N,8,T,16]

        string a = g.Reshape(g.Node("Gather", [sqrtAlphaBar, contract.Timestep.Name], null, ("axis", 0L)), -1, 1, 1, 1);
        string s = g.Reshape(g.Node("Gather", [sqrtOneMinus, contract.Timestep.Name], null, ("axis", 0L)), -1, 1, 1, 1);
        g.Div(g.Sub(contract.Sample.Name, g.Mul(a, clean)), s, contract.Eps.Name);
        return g.ToModel("Synthetic AudioLDM UNet: exact noise predictor for a known clean latent x0(y).");
    }

    /// <summary>VAE decoder: mel[4t+i, 4f+j] = Σ_c V[j,c]·latent[c,t,f] + offset (four channel mixes, one per sub-bin, each repeated over 4 frames).</summary>
    public static ModelProto VaeDecoder(SyntheticWeights w)
    {
        var contract = NetworkContracts.VaeDecoder;
        var g = new GraphBuilder("synthetic_vae_decoder", contract);
        const int subBins = SyntheticWeights.SubBins;
        string mixed = g.Node("Conv", [contract.Latent.Name, g.Floats("channel_weights", w.VaeChannelWeights, subBins, 8, 1, 1),
            g.Floats("offset", [.. Enumerable.Repeat(SyntheticWeights.VaeOffset, subBins)], subBins)]); // [N,4,T,16]
        string bins = g.Reshape(g.Transpose(mixed, 0, 2, 3, 1), 0, -1, 1, 16 * subBins); // [N,T,1,64], bin 4f+j
        string frames = g.Node("Expand", [bins, g.Int64s(1, 1, 4, 1)]); // [N,T,4,64]
        g.Node("Reshape", [frames, g.Int64s(0, 1, -1, 64)], contract.Mel.Name);
        return g.ToModel("Synthetic AudioLDM VAE decoder: one channel mix per mel sub-bin plus offset, each latent frame repeated over 4 mel frames.");
    }

    /// <summary>
    /// Vocoder, additive synthesis at a moderate level: wave[160·m + r] = g · Σ_b a_b(m) · sin(2π (b+1) r / 160)
    /// with a(m) = softmax over the bins of mel[·, m], bin b at (b+1)·100 Hz. The weights of a frame sum
    /// to 1, so |wave| ≤ g and nothing saturates, while the spectrum (which partials sound) still follows
    /// the mel, and so the embedding; each partial completes whole periods per hop, so frames join without clicks.
    /// </summary>
    public static ModelProto Vocoder()
    {
        var contract = NetworkContracts.Vocoder;
        var g = new GraphBuilder("synthetic_vocoder", contract);
        string weights = g.Node("Softmax", [g.Transpose(contract.Mel.Name, 0, 2, 1)], null, ("axis", -1L)); // [N,F,64], each frame summing to 1
        string frames = g.MatMul(weights, g.Floats("partials", HarmonicTable(), 64, SyntheticWeights.HopLength)); // [N,F,160]
        g.Mul(g.Reshape(frames, 0, -1), g.Scalar(SyntheticWeights.VocoderGain), contract.Wave.Name);
        return g.ToModel("Synthetic vocoder: additive synthesis of 64 harmonics of 100 Hz, weighted by the softmax of each mel frame, at most ±0.5.");
    }

    /// <summary>
    /// CLAP audio encoder, the vocoder read back: the wave cut into whole hops (a partial hop at the
    /// end is dropped), each partial's amplitude per hop a = (2/hop)·Σ_r wave·sin(2π(b+1)r/hop),
    /// L_b = mean over hops of ½·ln(a² + ε), centred over the 64 partials, then · Aᵀ [64, 512] (the sound
    /// basis). A partial's log amplitude is its mel bin less a constant per frame (the vocoder's softmax
    /// normalizer and gain), which the centring removes, so the embedding is the clip's conditioning
    /// seen in the sound space, whatever the vocoder's level. With <paramref name="window"/> (a multiple
    /// of the hop) the input takes exactly that many samples, as a real encoder exported for a fixed clip length does.
    /// </summary>
    public static ModelProto ClapAudio(SyntheticWeights w, int? window = null)
    {
        var contract = NetworkContracts.ClapAudio;
        var g = new GraphBuilder("synthetic_clap_audio", contract);
        if (window is { } fixedLength)
        {
            if (fixedLength <= 0 || fixedLength % SyntheticWeights.HopLength != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(window), fixedLength, $"The window must be a positive multiple of the hop ({SyntheticWeights.HopLength}).");
            }
            g.FixInputSize(contract.Wave.Name, 1, fixedLength);
        }
        int hop = SyntheticWeights.HopLength;
        float[] table = HarmonicTable();
        var transposed = new float[table.Length];
        for (int b = 0; b < 64; b++)
        {
            for (int r = 0; r < hop; r++)
            {
                transposed[r * 64 + b] = table[b * hop + r] * 2f / hop;
            }
        }
        string samples = g.Node("Gather", [g.Node("Shape", [contract.Wave.Name]), g.Int64Scalar(1)], null, ("axis", 0L));
        string whole = g.Mul(g.Div(samples, g.Int64Scalar(hop)), g.Int64Scalar(hop)); // whole hops, in samples
        string cut = g.Node("Slice", [contract.Wave.Name, g.Int64s(0), g.Unsqueeze(whole, 0), g.Int64s(1)]);
        string hops = g.Reshape(cut, 0, -1, hop); // [N,F,160]
        string amplitude = g.MatMul(hops, g.Floats("partials_t", transposed, hop, 64)); // [N,F,64]
        string logAmplitude = g.Mul(g.Node("Log", [g.Add(g.Mul(amplitude, amplitude), g.Scalar(SyntheticWeights.ClapAudioEpsilon))]), g.Scalar(0.5f));
        string level = g.Node("ReduceMean", [logAmplitude], null, ("axes", new long[] { 1 }), ("keepdims", 0L)); // [N,64]
        string centred = g.Sub(level, g.Node("ReduceMean", [level], null, ("axes", new long[] { 1 }), ("keepdims", 1L)));
        g.MatMul(centred, g.Floats("projection", w.ClapAudioProjection, 64, 512), contract.Embedding.Name);
        return g.ToModel("Synthetic CLAP audio encoder: centred mean log amplitude per vocoder partial, mapped back through the sound basis.");
    }

    /// <summary>sin(2π (b+1) r / hop) for b in 0..63, r in 0..hop−1, row-major [64, hop].</summary>
    public static float[] HarmonicTable()
    {
        int hop = SyntheticWeights.HopLength;
        var table = new float[64 * hop];
        for (int b = 0; b < 64; b++)
        {
            for (int r = 0; r < hop; r++)
            {
                table[b * hop + r] = (float)Math.Sin(2 * Math.PI * (b + 1) * r / hop);
            }
        }
        return table;
    }
}
