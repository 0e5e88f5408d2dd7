using System.Globalization;
using System.Text.Json;

namespace EditToAudio.Models;

/// <summary>
/// The content of <c>models.json</c>: which ONNX file implements each network and the set's
/// constants. Parsed by hand (no reflection) so errors name the exact missing or invalid field.
/// </summary>
/// <param name="Name">Short name of the set.</param>
/// <param name="Description">One line about where the weights come from.</param>
/// <param name="IsSynthetic">True for the generated analytic models (not real weights).</param>
/// <param name="Networks">File name, relative to the set's folder, per network.</param>
/// <param name="Constants">The set's constants.</param>
/// <param name="Precision">The precision of the networks' weights and arithmetic (their inputs and outputs are float32 either way).</param>
/// <param name="Labels">The set's label table (CLAP text embeddings of sound labels), when it has one.</param>
public sealed record ModelSetManifest(
    string Name,
    string Description,
    bool IsSynthetic,
    IReadOnlyDictionary<NetworkKind, string> Networks,
    ModelSetConstants Constants,
    ModelPrecision Precision = ModelPrecision.Fp32,
    ModelLabels? Labels = null)
{
    /// <summary>The manifest's file name inside a model set folder.</summary>
    public const string FileName = "models.json";

    /// <summary>The manifest format this engine reads and writes.</summary>
    public const int FormatVersion = 1;

    /// <summary>The spelling of each precision in <c>models.json</c> (absent means fp32).</summary>
    public static IReadOnlyDictionary<ModelPrecision, string> PrecisionNames { get; } =
        new Dictionary<ModelPrecision, string> { [ModelPrecision.Fp32] = "fp32", [ModelPrecision.Fp16] = "fp16" };

    /// <summary>Serializes the manifest as indented UTF-8 JSON (floats in round-trip form, so it is byte-for-byte reproducible).</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("format_version", FormatVersion);
            json.WriteString("name", Name);
            json.WriteString("description", Description);
            json.WriteBoolean("synthetic", IsSynthetic);
            if (Precision != ModelPrecision.Fp32)
            {
                json.WriteString("precision", PrecisionNames[Precision]);
            }
            json.WriteStartObject("networks");
            foreach (var contract in NetworkContracts.All)
            {
                if (Networks.TryGetValue(contract.Kind, out string? file))
                {
                    json.WriteString(contract.Key, file);
                }
            }
            json.WriteEndObject();
            if (Labels is not null)
            {
                json.WriteStartObject("labels");
                json.WriteString("file", Labels.File);
                json.WriteStartArray("names");
                foreach (string label in Labels.Names)
                {
                    json.WriteStringValue(label);
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }

            var c = Constants;
            json.WriteStartObject("constants");
            json.WriteNumber("sample_rate", c.SampleRate);
            json.WriteNumber("hop_length", c.HopLength);
            json.WriteNumber("vae_scale_factor", c.VaeScaleFactor);
            json.WriteStartObject("beta_schedule");
            json.WriteString("kind", BetaSchedule.ScaledLinear);
            json.WriteNumber("steps", c.BetaSchedule.Steps);
            json.WriteNumber("beta_start", c.BetaSchedule.BetaStart);
            json.WriteNumber("beta_end", c.BetaSchedule.BetaEnd);
            json.WriteEndObject();
            WriteNormalization(json, "clip_normalization", c.Clip);
            WriteNormalization(json, "sam2_normalization", c.Sam2);
            json.WriteStartObject("token_layout");
            json.WriteNumber("tokens", c.Tokens.Tokens);
            json.WriteNumber("grid", c.Tokens.Grid);
            json.WriteNumber("patch_size", c.Tokens.PatchSize);
            json.WriteNumber("width", c.Tokens.Width);
            json.WriteNumber("cls_index", c.Tokens.ClsIndex);
            json.WriteEndObject();
            json.WriteStartArray("unconditional_embedding");
            foreach (float value in c.UnconditionalEmbedding)
            {
                json.WriteNumberValue(value);
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>Parses manifest JSON; <paramref name="source"/> names the file in error messages.</summary>
    /// <exception cref="ModelSetException">When the JSON is invalid or a field is missing or out of range.</exception>
    public static ModelSetManifest Parse(ReadOnlySpan<byte> utf8Json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ModelSetException($"{source}: not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            var reader = new FieldReader(source);
            JsonElement root = document.RootElement;
            int version = reader.Int(root, "format_version", "");
            if (version != FormatVersion)
            {
                throw new ModelSetException($"{source}: format_version is {version}; this engine reads version {FormatVersion}.");
            }
            string name = reader.String(root, "name", "");
            string description = root.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
            bool synthetic = reader.Bool(root, "synthetic", "");
            var precision = ModelPrecision.Fp32;
            if (root.TryGetProperty("precision", out JsonElement precisionElement))
            {
                string? text = precisionElement.ValueKind == JsonValueKind.String ? precisionElement.GetString() : null;
                precision = PrecisionNames.Where(p => p.Value == text).Select(p => (ModelPrecision?)p.Key).FirstOrDefault()
                    ?? throw new ModelSetException($"{source}: precision must be one of {string.Join(", ", PrecisionNames.Values.Select(v => $"\"{v}\""))}.");
            }

            var networks = new Dictionary<NetworkKind, string>();
            JsonElement networksElement = reader.Object(root, "networks", "");
            foreach (var property in networksElement.EnumerateObject())
            {
                var contract = NetworkContracts.ForKey(property.Name)
                    ?? throw new ModelSetException($"{source}: networks.{property.Name} is not a known network (expected one of {string.Join(", ", NetworkContracts.All.Select(c => c.Key))}).");
                if (property.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(property.Value.GetString()))
                {
                    throw new ModelSetException($"{source}: networks.{property.Name} must be a file name.");
                }
                networks[contract.Kind] = property.Value.GetString()!;
            }
            foreach (var contract in NetworkContracts.All.Where(c => !c.IsOptional && !networks.ContainsKey(c.Kind)))
            {
                throw new ModelSetException($"{source}: networks.{contract.Key} is missing (every set needs {string.Join(", ", NetworkContracts.All.Where(c => !c.IsOptional).Select(c => c.Key))}).");
            }

            JsonElement constants = reader.Object(root, "constants", "");
            const string at = "constants.";
            int sampleRate = reader.Int(constants, "sample_rate", at, min: 1);
            int hop = reader.Int(constants, "hop_length", at, min: 1);
            double scale = reader.Double(constants, "vae_scale_factor", at);
            if (!(scale > 0))
            {
                throw new ModelSetException($"{source}: constants.vae_scale_factor must be positive, found {scale.ToString(CultureInfo.InvariantCulture)}.");
            }

            JsonElement schedule = reader.Object(constants, "beta_schedule", at);
            const string sat = "constants.beta_schedule.";
            string kind = reader.String(schedule, "kind", sat);
            if (kind != BetaSchedule.ScaledLinear)
            {
                throw new ModelSetException($"{source}: constants.beta_schedule.kind is '{kind}'; only '{BetaSchedule.ScaledLinear}' is implemented.");
            }
            var betaSchedule = new BetaSchedule(reader.Int(schedule, "steps", sat, min: 1), reader.Double(schedule, "beta_start", sat), reader.Double(schedule, "beta_end", sat));
            if (!(betaSchedule.BetaStart > 0 && betaSchedule.BetaEnd < 1 && betaSchedule.BetaStart <= betaSchedule.BetaEnd))
            {
                throw new ModelSetException($"{source}: constants.beta_schedule needs 0 < beta_start <= beta_end < 1.");
            }

            var clip = ReadNormalization(reader, constants, "clip_normalization");
            var sam2 = ReadNormalization(reader, constants, "sam2_normalization");
            JsonElement layout = reader.Object(constants, "token_layout", at);
            const string lat = "constants.token_layout.";
            var tokens = new TokenLayout(
                reader.Int(layout, "tokens", lat, min: 1), reader.Int(layout, "grid", lat, min: 1), reader.Int(layout, "patch_size", lat, min: 1),
                reader.Int(layout, "width", lat, min: 1), reader.Int(layout, "cls_index", lat, min: 0));
            if (tokens.Tokens != tokens.Grid * tokens.Grid + 1 || tokens.ClsIndex != 0)
            {
                throw new ModelSetException($"{source}: constants.token_layout must be CLS at index 0 followed by grid² patch tokens (tokens = grid² + 1).");
            }
            if (tokens.Grid * tokens.PatchSize != clip.ImageSize)
            {
                throw new ModelSetException($"{source}: constants.token_layout grid × patch_size ({tokens.Grid}×{tokens.PatchSize}) must equal clip_normalization.image_size ({clip.ImageSize}).");
            }
            // The preprocessing and the edit math implement exactly these constants; a set that
            // declares others would otherwise be run with the engine's values without a word.
            RequireImplemented(source, clip, ImageNormalization.Clip, "clip_normalization");
            RequireImplemented(source, sam2, ImageNormalization.Sam2, "sam2_normalization");
            if (tokens != TokenLayout.ClipVitL14)
            {
                TokenLayout expected = TokenLayout.ClipVitL14;
                throw new ModelSetException(string.Create(CultureInfo.InvariantCulture,
                    $"{source}: constants.token_layout is {tokens.Tokens} tokens, grid {tokens.Grid}, patch {tokens.PatchSize}, width {tokens.Width}; this engine implements only CLIP ViT-L/14 ({expected.Tokens} tokens, grid {expected.Grid}, patch {expected.PatchSize}, width {expected.Width})."));
            }
            float[] unconditional = reader.FloatArray(constants, "unconditional_embedding", at, expectedLength: 512);

            return new ModelSetManifest(name, description, synthetic, networks,
                new ModelSetConstants(sampleRate, hop, scale, betaSchedule, unconditional, clip, sam2, tokens), precision, ReadLabels(reader, root));
        }
    }

    /// <summary>The optional <c>labels</c> object: <c>file</c> (a .npy of float32 [L, 512]) and <c>names</c> (L distinct, non-empty strings).</summary>
    private static ModelLabels? ReadLabels(FieldReader reader, JsonElement root)
    {
        if (!root.TryGetProperty("labels", out _))
        {
            return null;
        }
        JsonElement labels = reader.Object(root, "labels", "");
        string file = reader.String(labels, "file", "labels.");
        JsonElement names = reader.Get(labels, "names", "labels.");
        if (string.IsNullOrWhiteSpace(file) || names.ValueKind != JsonValueKind.Array || names.GetArrayLength() == 0
            || names.EnumerateArray().Any(n => n.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(n.GetString())))
        {
            throw new ModelSetException($"{reader.Source}: labels needs \"file\" (the .npy of their embeddings) and \"names\" (a non-empty array of non-empty strings).");
        }
        string[] list = [.. names.EnumerateArray().Select(n => n.GetString()!)];
        string? repeated = list.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (repeated is not null)
        {
            throw new ModelSetException($"{reader.Source}: labels.names lists '{repeated}' more than once.");
        }
        return new ModelLabels(file, list);
    }

    private static void WriteNormalization(Utf8JsonWriter json, string name, ImageNormalization normalization)
    {
        json.WriteStartObject(name);
        json.WriteStartArray("mean");
        foreach (double v in normalization.Mean)
        {
            json.WriteNumberValue(v);
        }
        json.WriteEndArray();
        json.WriteStartArray("std");
        foreach (double v in normalization.Std)
        {
            json.WriteNumberValue(v);
        }
        json.WriteEndArray();
        json.WriteNumber("image_size", normalization.ImageSize);
        json.WriteEndObject();
    }

    private static ImageNormalization ReadNormalization(FieldReader reader, JsonElement constants, string name)
    {
        JsonElement element = reader.Object(constants, name, "constants.");
        string at = $"constants.{name}.";
        double[] mean = reader.DoubleArray(element, "mean", at);
        double[] std = reader.DoubleArray(element, "std", at);
        if (mean.Length != 3 || std.Length != 3 || std.Any(s => !(s > 0)))
        {
            throw new ModelSetException($"{reader.Source}: {at}mean and {at}std must be three numbers each (one per RGB channel), std positive.");
        }
        return new ImageNormalization(mean, std, reader.Int(element, "image_size", at, min: 1));
    }

    /// <summary>Refuses normalization constants other than the ones the engine's preprocessing applies (compared in float32, the precision it uses).</summary>
    private static void RequireImplemented(string source, ImageNormalization found, ImageNormalization implemented, string name)
    {
        bool same = found.ImageSize == implemented.ImageSize
            && found.Mean.Select(v => (float)v).SequenceEqual(implemented.Mean.Select(v => (float)v))
            && found.Std.Select(v => (float)v).SequenceEqual(implemented.Std.Select(v => (float)v));
        if (!same)
        {
            throw new ModelSetException(string.Create(CultureInfo.InvariantCulture,
                $"{source}: constants.{name} is {Describe(found)}; this engine's preprocessing implements only {Describe(implemented)}."));
        }

        static string Describe(ImageNormalization n) => string.Create(CultureInfo.InvariantCulture,
            $"mean ({List(n.Mean)}), std ({List(n.Std)}), size {n.ImageSize}");

        static string List(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
    }

    /// <summary>Reads typed fields and throws errors that name the file and the field path.</summary>
    private sealed class FieldReader(string source)
    {
        public string Source => source;

        public JsonElement Get(JsonElement parent, string name, string at)
        {
            if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out JsonElement value))
            {
                throw new ModelSetException($"{source}: {at}{name} is missing.");
            }
            return value;
        }

        public JsonElement Object(JsonElement parent, string name, string at)
        {
            JsonElement value = Get(parent, name, at);
            return value.ValueKind == JsonValueKind.Object ? value : throw new ModelSetException($"{source}: {at}{name} must be an object.");
        }

        public string String(JsonElement parent, string name, string at)
        {
            JsonElement value = Get(parent, name, at);
            return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new ModelSetException($"{source}: {at}{name} must be a string.");
        }

        public bool Bool(JsonElement parent, string name, string at)
        {
            JsonElement value = Get(parent, name, at);
            return value.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? value.GetBoolean()
                : throw new ModelSetException($"{source}: {at}{name} must be true or false.");
        }

        public int Int(JsonElement parent, string name, string at, int min = int.MinValue)
        {
            JsonElement value = Get(parent, name, at);
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int result))
            {
                throw new ModelSetException($"{source}: {at}{name} must be an integer.");
            }
            return result >= min ? result : throw new ModelSetException($"{source}: {at}{name} must be at least {min}, found {result}.");
        }

        public double Double(JsonElement parent, string name, string at)
        {
            JsonElement value = Get(parent, name, at);
            return value.ValueKind == JsonValueKind.Number && double.IsFinite(value.GetDouble())
                ? value.GetDouble()
                : throw new ModelSetException($"{source}: {at}{name} must be a finite number.");
        }

        public double[] DoubleArray(JsonElement parent, string name, string at)
        {
            JsonElement value = Get(parent, name, at);
            if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Number))
            {
                throw new ModelSetException($"{source}: {at}{name} must be an array of numbers.");
            }
            return [.. value.EnumerateArray().Select(e => e.GetDouble())];
        }

        public float[] FloatArray(JsonElement parent, string name, string at, int expectedLength)
        {
            double[] values = DoubleArray(parent, name, at);
            if (values.Length != expectedLength)
            {
                throw new ModelSetException($"{source}: {at}{name} must have {expectedLength} numbers, found {values.Length}.");
            }
            if (values.Any(v => !double.IsFinite(v)))
            {
                throw new ModelSetException($"{source}: {at}{name} must hold finite numbers.");
            }
            return [.. values.Select(v => (float)v)];
        }
    }
}

/// <summary>A model set's label table: the file of the embeddings and the label of each row.</summary>
/// <param name="File">A .npy of float32 [L, 512], relative to the set's folder: row i is the L2-normalized CLAP text embedding of <paramref name="Names"/>[i].</param>
/// <param name="Names">The labels, in row order.</param>
public sealed record ModelLabels(string File, IReadOnlyList<string> Names);
