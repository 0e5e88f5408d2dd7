using System.CommandLine;
using System.Globalization;

namespace EditToAudio.Cli;

/// <summary>Range checks reported by the parser, naming the option.</summary>
internal static class OptionRules
{
    public static Option<int> AtLeast(this Option<int> option, int minimum)
    {
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < minimum)
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
            int value = result.GetValueOrDefault<int>();
            if (value < minimum || value > maximum)
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
            double value = result.GetValueOrDefault<double>();
            if (!double.IsFinite(value) || value < minimum || value > maximum)
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
            double value = result.GetValueOrDefault<double>();
            if (!double.IsFinite(value) || value < minimum)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be a finite number ≥ {minimum}, got {value}."));
            }
        });
        return option;
    }
}
