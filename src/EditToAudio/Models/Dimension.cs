using System.Globalization;

namespace EditToAudio.Models;

/// <summary>
/// One dimension of a contract shape: a fixed size (<c>224</c>), a symbol (<c>B</c>) or a
/// multiple of a symbol (<c>4T</c>). Symbols with the same name are the same size across the
/// inputs and outputs of one network.
/// </summary>
public readonly record struct Dimension
{
    private Dimension(long value, string? symbol, long multiplier)
    {
        Value = value;
        Symbol = symbol;
        Multiplier = multiplier;
    }

    /// <summary>The size when fixed; 0 for a symbolic dimension.</summary>
    public long Value { get; }

    /// <summary>The symbol name, or null when fixed.</summary>
    public string? Symbol { get; }

    /// <summary>The factor in front of the symbol (4 in <c>4T</c>); 1 when fixed.</summary>
    public long Multiplier { get; }

    /// <summary>True when the size is a number, not a symbol.</summary>
    public bool IsFixed => Symbol is null;

    /// <summary>A fixed dimension.</summary>
    public static Dimension Fixed(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
        return new Dimension(value, null, 1);
    }

    /// <summary>A symbolic dimension, optionally a multiple of the symbol.</summary>
    public static Dimension Symbolic(string symbol, long multiplier = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(multiplier);
        return new Dimension(0, symbol, multiplier);
    }

    /// <summary>Parses <c>224</c>, <c>B</c> or <c>4T</c>.</summary>
    /// <exception cref="FormatException">When the text is none of these.</exception>
    public static Dimension Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        int digits = 0;
        while (digits < trimmed.Length && char.IsAsciiDigit(trimmed[digits]))
        {
            digits++;
        }
        if (digits == trimmed.Length && digits > 0)
        {
            return Fixed(long.Parse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture));
        }
        string symbol = trimmed[digits..];
        if (symbol.Length == 0 || !char.IsAsciiLetter(symbol[0]) || !symbol.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new FormatException($"'{text}' is not a dimension (expected a number, a symbol like B, or a multiple like 4T).");
        }
        long multiplier = digits == 0 ? 1 : long.Parse(trimmed[..digits], NumberStyles.None, CultureInfo.InvariantCulture);
        return Symbolic(symbol, multiplier);
    }

    /// <summary>The size for a given symbol value.</summary>
    public long Resolve(long symbolValue) => IsFixed ? Value : Multiplier * symbolValue;

    /// <inheritdoc/>
    public override string ToString() => IsFixed
        ? Value.ToString(CultureInfo.InvariantCulture)
        : Multiplier == 1 ? Symbol! : string.Create(CultureInfo.InvariantCulture, $"{Multiplier}{Symbol}");
}
