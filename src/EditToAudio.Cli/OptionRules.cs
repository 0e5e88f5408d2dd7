using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace EditToAudio.Cli;

/// <summary>Range checks reported by the parser, naming the option.</summary>
internal static class OptionRules
{
    /// <summary>
    /// The option's value, or null when it did not convert: the parser reports that error itself
    /// (<see cref="CliApp.PlainMessage"/> words it), and a range check has nothing to add.
    /// </summary>
    public static T? Parsed<T>(this OptionResult result)
        where T : struct
    {
        try
        {
            return result.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public static Option<int> AtLeast(this Option<int> option, int minimum)
    {
        option.Validators.Add(result =>
        {
            if (result.Parsed<int>() is { } value && value < minimum)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be at least {minimum}, got {value}."));
            }
        });
        return option;
    }

    public static Option<int> InRange(this Option<int> option, int minimum, int maximum)
    {
        option.Validators.Add(result =>
        {
            if (result.Parsed<int>() is { } value && (value < minimum || value > maximum))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be from {minimum} to {maximum}, got {value}."));
            }
        });
        return option;
    }

    public static Option<double> FiniteInRange(this Option<double> option, double minimum, double maximum)
    {
        option.Validators.Add(result =>
        {
            if (result.Parsed<double>() is { } value && (!double.IsFinite(value) || value < minimum || value > maximum))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be a number from {minimum} to {maximum}, got {value}."));
            }
        });
        return option;
    }

    public static Option<double> FiniteAtLeast(this Option<double> option, double minimum)
    {
        option.Validators.Add(result =>
        {
            if (result.Parsed<double>() is { } value && (!double.IsFinite(value) || value < minimum))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be a finite number ≥ {minimum}, got {value}."));
            }
        });
        return option;
    }
}
