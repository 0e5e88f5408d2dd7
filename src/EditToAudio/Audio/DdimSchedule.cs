using EditToAudio.Models;

namespace EditToAudio.Audio;

/// <summary>
/// The DDIM timesteps and coefficients exactly as AudioLDM v1 (latent-diffusion) builds them:
/// stride c = ⌊T_train / steps⌋, timesteps {0, c, 2c, …} + 1, ᾱ at those timesteps, ᾱ_prev of the
/// first step = ᾱ[0], σ = η·√((1−ᾱ_prev)/(1−ᾱ)·(1−ᾱ/ᾱ_prev)). Everything in float64.
/// </summary>
/// <remarks>
/// When <c>steps</c> does not divide the training steps, the stride rounds down and the sampler
/// runs more steps than asked, as the reference does (1000/300 → stride 3). Where the reference's
/// last timestep would fall past the schedule (it indexes ᾱ[1000] and fails, for 300 or 1000
/// steps), that timestep is left out: 300 requested steps run 333. <see cref="Count"/> is the
/// number actually run.
/// </remarks>
public sealed class DdimSchedule
{
    private DdimSchedule(int[] timesteps, double[] alphas, double[] alphasPrevious, double[] sigmas, double eta)
    {
        Timesteps = timesteps;
        Alphas = alphas;
        AlphasPrevious = alphasPrevious;
        Sigmas = sigmas;
        Eta = eta;
    }

    /// <summary>Training timesteps visited, ascending (1, 6, …, 996 for 200 of 1000).</summary>
    public IReadOnlyList<int> Timesteps { get; }

    /// <summary>ᾱ at each timestep.</summary>
    public IReadOnlyList<double> Alphas { get; }

    /// <summary>ᾱ of the previous (less noisy) timestep; ᾱ[0] for the first.</summary>
    public IReadOnlyList<double> AlphasPrevious { get; }

    /// <summary>Standard deviation of the fresh noise added at each step.</summary>
    public IReadOnlyList<double> Sigmas { get; }

    /// <summary>η: 0 is deterministic DDIM, 1 the research code's stochastic setting.</summary>
    public double Eta { get; }

    /// <summary>Number of sampling steps actually run.</summary>
    public int Count => Timesteps.Count;

    /// <summary>
    /// The float64 factors of the step at schedule <paramref name="index"/> (0 = least noisy), the one
    /// set every sampler backend applies, so the CPU and the GPU differ only in rounding order.
    /// </summary>
    public DdimStepCoefficients Coefficients(int index)
    {
        double alpha = Alphas[index], previous = AlphasPrevious[index], sigma = Sigmas[index];
        return new DdimStepCoefficients(Math.Sqrt(alpha), Math.Sqrt(1 - alpha), Math.Sqrt(previous), Math.Sqrt(Math.Max(1 - previous - sigma * sigma, 0)), sigma);
    }

    /// <summary>Builds the schedule for <paramref name="steps"/> requested steps.</summary>
    public static DdimSchedule Create(BetaSchedule betas, int steps, double eta)
    {
        ArgumentNullException.ThrowIfNull(betas);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        if (steps > betas.Steps)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps must be at most the model set's {betas.Steps} training steps.");
        }
        if (!double.IsFinite(eta) || eta < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(eta), eta, "eta must be a finite number ≥ 0.");
        }
        double[] alphaBar = betas.AlphasCumulative();
        int stride = betas.Steps / steps;
        int count = (betas.Steps - 2) / stride + 1; // every i with i·stride + 1 ≤ Steps − 1
        var timesteps = new int[count];
        var alphas = new double[count];
        var previous = new double[count];
        var sigmas = new double[count];
        for (int i = 0; i < count; i++)
        {
            timesteps[i] = i * stride + 1;
            alphas[i] = alphaBar[timesteps[i]];
            previous[i] = i == 0 ? alphaBar[0] : alphaBar[timesteps[i - 1]];
            sigmas[i] = eta * Math.Sqrt((1 - previous[i]) / (1 - alphas[i]) * (1 - alphas[i] / previous[i]));
        }
        return new DdimSchedule(timesteps, alphas, previous, sigmas, eta);
    }
}

/// <summary>
/// One DDIM step as factors: x̂₀ = (x − <paramref name="SqrtOneMinusAlpha"/>·ε)/<paramref name="SqrtAlpha"/>,
/// x' = <paramref name="SqrtAlphaPrevious"/>·x̂₀ + <paramref name="Direction"/>·ε + <paramref name="Sigma"/>·z.
/// </summary>
/// <param name="SqrtAlpha">√ᾱ.</param>
/// <param name="SqrtOneMinusAlpha">√(1−ᾱ).</param>
/// <param name="SqrtAlphaPrevious">√ᾱ_prev.</param>
/// <param name="Direction">√(1−ᾱ_prev−σ²), floored at 0.</param>
/// <param name="Sigma">σ, the fresh noise's standard deviation.</param>
public readonly record struct DdimStepCoefficients(double SqrtAlpha, double SqrtOneMinusAlpha, double SqrtAlphaPrevious, double Direction, double Sigma);
