using System.CommandLine;
using EditToAudio.Editing;

namespace EditToAudio.Cli;

/// <summary>The edit hyperparameter options shared by every command that edits (edit, embed, run, batch).</summary>
internal sealed class EditOptions
{
    private readonly Option<int> _k = new Option<int>("--k") { Description = "Top singular values to scale.", DefaultValueFactory = _ => 10 }.AtLeast(1);
    private readonly Option<double> _alpha = new Option<double>("--alpha") { Description = "Suppression factor for the removed object.", DefaultValueFactory = _ => 0.1 }.FiniteAtLeast(0);
    private readonly Option<double> _beta = new Option<double>("--beta") { Description = "Boost factor for the added object.", DefaultValueFactory = _ => 2.0 }.FiniteAtLeast(0);
    private readonly Option<MixWeights> _mix = new("--mix")
    {
        Description = "Weights a,b,g of the suppressed, boosted and background embeddings.",
        DefaultValueFactory = _ => MixWeights.Default,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(",", result.Tokens.Select(t => t.Value));
            try
            {
                return MixWeights.Parse(text);
            }
            catch (FormatException error)
            {
                result.AddError($"--mix: {error.Message}.");
                return default;
            }
        },
    };
    private readonly Option<MaskAlignment> _alignment = new("--mask-align")
    {
        Description = "stretch (the research code, default) or crop (the pixels CLIP actually saw).",
        DefaultValueFactory = _ => MaskAlignment.Stretch,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_k);
        command.Options.Add(_alpha);
        command.Options.Add(_beta);
        command.Options.Add(_mix);
        command.Options.Add(_alignment);
    }

    public EditParameters Read(ParseResult result) => new()
    {
        K = result.GetValue(_k),
        Alpha = result.GetValue(_alpha),
        Beta = result.GetValue(_beta),
        Mix = result.GetValue(_mix),
        MaskAlignment = result.GetValue(_alignment),
    };
}
