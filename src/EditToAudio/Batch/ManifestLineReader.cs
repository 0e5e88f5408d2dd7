using System.Text.Json;
using EditToAudio.Audio;
using EditToAudio.Editing;
using EditToAudio.Evaluation;
using EditToAudio.Networks;
using EditToAudio.Prompts;

namespace EditToAudio.Batch;

/// <summary>Reads the typed values of one line, adding a message per bad value.</summary>
internal sealed class ManifestLineReader(JsonElement root, List<string> errors)
{
    public string Id()
    {
        string? id = String("id");
        if (id is null)
        {
            return "";
        }
        bool valid = id.Length is > 0 and <= BatchManifest.MaxIdLength && char.IsAsciiLetterOrDigit(id[0])
            && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
        if (!valid)
        {
            errors.Add($"id '{id}' is not a folder name: 1 to {BatchManifest.MaxIdLength} characters from A-Z a-z 0-9 . _ -, starting with a letter or digit");
        }
        return id;
    }

    public string ImagePath(string key, string folder)
    {
        string? path = String(key);
        if (path is null)
        {
            return "";
        }
        if (path.Length == 0)
        {
            errors.Add($"'{key}' is empty (expected an image path, relative to the manifest's folder or absolute)");
            return "";
        }
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, path));
    }

    public ItemParameters Parameters(ItemParameters defaults)
    {
        EditParameters edit = defaults.Edit;
        AudioOptions audio = defaults.Audio;
        SamplerOptions sampler = audio.Sampler;
        edit = edit with
        {
            K = Int("k") ?? edit.K,
            Alpha = Double("alpha") ?? edit.Alpha,
            Beta = Double("beta") ?? edit.Beta,
            Mix = Mix("mix") ?? edit.Mix,
            MaskAlignment = Enum<MaskAlignment>("mask_align") ?? edit.MaskAlignment,
        };
        sampler = sampler with
        {
            Steps = Int("steps") ?? sampler.Steps,
            Guidance = Double("guidance") ?? sampler.Guidance,
            Eta = Double("eta") ?? sampler.Eta,
        };
        audio = audio with
        {
            Sampler = sampler,
            Candidates = Int("candidates") ?? audio.Candidates,
            Duration = Double("duration") ?? audio.Duration,
            RankAgainst = Enum<RankTarget>("rank_against") ?? audio.RankAgainst,
        };
        return defaults with
        {
            Edit = edit,
            Audio = audio,
            MaskSelection = Enum<MaskSelection>("mask_selection") ?? defaults.MaskSelection,
            Objects = Enum<ObjectCombination>("objects") ?? defaults.Objects,
            Seed = Seed() ?? defaults.Seed,
            VarSamples = Int("var_samples") ?? defaults.VarSamples,
            Baselines = Bool("baselines") ?? defaults.Baselines,
        };
    }

    public SweepGrid? Sweep()
    {
        if (!root.TryGetProperty("sweep", out JsonElement value))
        {
            return null;
        }
        string[]? terms = value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. value.EnumerateArray().Select(e => e.GetString()!)],
            _ => null,
        };
        if (terms is null)
        {
            errors.Add($"'sweep' must be a string like \"k=5,10 alpha=0.05,0.1\" or an array of such terms, got {value.GetRawText()}");
            return null;
        }
        try
        {
            return SweepGrid.Parse(terms);
        }
        catch (FormatException e)
        {
            errors.Add($"sweep: {e.Message}");
            return null;
        }
    }

    public IEnumerable<ObjectLabel> Label(string key, ObjectRole role)
    {
        if (!root.TryGetProperty(key, out JsonElement value))
        {
            return [];
        }
        // One label, or one per object of the side ("removed_label": ["a cat meowing", "birds chirping"]).
        JsonElement[] names = value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : [value];
        if (names.Length == 0 || names.Any(n => n.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(n.GetString())))
        {
            errors.Add($"'{key}' must be a non-empty string (a sound label, e.g. \"a cat meowing\") or a list of them, one per object, got {value.GetRawText()}");
            return [];
        }
        return [.. names.Select(n => new ObjectLabel(role, n.GetString()!.Trim()))];
    }

    private string? String(string key)
    {
        JsonElement value = root.GetProperty(key);
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add($"'{key}' must be a string, got {value.GetRawText()}");
            return null;
        }
        return value.GetString();
    }

    private int? Int(string key)
    {
        if (!root.TryGetProperty(key, out JsonElement value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result))
        {
            return result;
        }
        errors.Add($"'{key}' must be an integer, got {value.GetRawText()}");
        return null;
    }

    private ulong? Seed()
    {
        if (!root.TryGetProperty("seed", out JsonElement value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out ulong result))
        {
            return result;
        }
        errors.Add($"'seed' must be an integer from 0 to {ulong.MaxValue}, got {value.GetRawText()}");
        return null;
    }

    private double? Double(string key)
    {
        if (!root.TryGetProperty(key, out JsonElement value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double result) && double.IsFinite(result))
        {
            return result;
        }
        errors.Add($"'{key}' must be a finite number, got {value.GetRawText()}");
        return null;
    }

    private bool? Bool(string key)
    {
        if (!root.TryGetProperty(key, out JsonElement value))
        {
            return null;
        }
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }
        errors.Add($"'{key}' must be true or false, got {value.GetRawText()}");
        return null;
    }

    private MixWeights? Mix(string key)
    {
        if (!root.TryGetProperty(key, out JsonElement value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 3
            && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double d) && double.IsFinite(d)))
        {
            return new MixWeights(value[0].GetDouble(), value[1].GetDouble(), value[2].GetDouble());
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            try
            {
                return MixWeights.Parse(value.GetString()!);
            }
            catch (FormatException e)
            {
                errors.Add($"'{key}': {e.Message}");
                return null;
            }
        }
        errors.Add($"'{key}' must be [a, b, g] or \"a,b,g\", got {value.GetRawText()}");
        return null;
    }

    private TEnum? Enum<TEnum>(string key) where TEnum : struct, Enum
    {
        if (!root.TryGetProperty(key, out JsonElement value))
        {
            return null;
        }
        string? text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        string names = string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()));
        if (text is not null && !text.Any(char.IsAsciiDigit)
            && System.Enum.TryParse(text.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out TEnum result))
        {
            return result;
        }
        errors.Add($"'{key}' must be one of {names}, got {value.GetRawText()}");
        return null;
    }
}
