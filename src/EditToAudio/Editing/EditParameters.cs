using System.Globalization;

namespace EditToAudio.Editing;

/// <summary>Weights of the final combination E = L2(a·E_sup + b·E_boost + g·E_bg).</summary>
/// <param name="Suppressed">a: weight of the suppressed (removed-object) embedding.</param>
/// <param name="Boosted">b: weight of the boosted (added-object) embedding.</param>
/// <param name="Background">g: weight of the background embedding.</param>
public readonly record struct MixWeights(double Suppressed, double Boosted, double Background)
{
    /// <summary>The research defaults: 0.2, 0.5, 0.3.</summary>
    public static MixWeights Default { get; } = new(0.2, 0.5, 0.3);

    /// <summary>Parses "a,b,g" (the CLI's form); the message names what was expected.</summary>
    /// <exception cref="FormatException">Not three finite numbers.</exception>
    public static MixWeights Parse(string text, char separator = ',')
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(separator, StringSplitOptions.TrimEntries);
        if (parts.Length != 3)
        {
            throw new FormatException($"expected three weights a{separator}b{separator}g (suppressed, boosted, background), got {parts.Length} in '{text}'");
        }
        var values = new double[3];
        for (int i = 0; i < 3; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
            {
                throw new FormatException($"weight {i + 1} of '{text}' is not a finite number: '{parts[i]}'");
            }
        }
        return new MixWeights(values[0], values[1], values[2]);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Suppressed},{Boosted},{Background}");
}

/// <summary>Hyperparameters of the edit, with the research code's defaults.</summary>
public sealed record EditParameters
{
    /// <summary>Number of top singular values to scale.</summary>
    public int K { get; init; } = 10;

    /// <summary>Suppression factor applied to the removed object's top singular values.</summary>
    public double Alpha { get; init; } = 0.1;

    /// <summary>Boost factor applied to the added object's top singular values.</summary>
    public double Beta { get; init; } = 2.0;

    /// <summary>Combination weights.</summary>
    public MixWeights Mix { get; init; } = MixWeights.Default;

    /// <summary>How masks are mapped onto the patch grid.</summary>
    public MaskAlignment MaskAlignment { get; init; } = MaskAlignment.Stretch;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid parameter.</summary>
    public void Validate()
    {
        if (K < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(K), K, "k must be at least 1.");
        }
        CheckFactor(Alpha, nameof(Alpha));
        CheckFactor(Beta, nameof(Beta));
        if (!double.IsFinite(Mix.Suppressed) || !double.IsFinite(Mix.Boosted) || !double.IsFinite(Mix.Background))
        {
            throw new ArgumentOutOfRangeException(nameof(Mix), Mix, "Mix weights must be finite.");
        }
        if (!Enum.IsDefined(MaskAlignment))
        {
            throw new ArgumentOutOfRangeException(nameof(MaskAlignment), MaskAlignment, "Unknown mask alignment.");
        }
    }

    private static void CheckFactor(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name.ToLowerInvariant()} must be a finite number ≥ 0.");
        }
    }
}
