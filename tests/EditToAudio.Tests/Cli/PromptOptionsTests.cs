using System.CommandLine;
using EditToAudio.Cli;
using EditToAudio.Networks;
using EditToAudio.Prompts;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Cli;

public sealed class PromptOptionsTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static (ParseResult Result, PromptOptions Options) Parse(params string[] args)
    {
        var options = new PromptOptions();
        var command = new RootCommand();
        options.AddTo(command);
        ParseResult result = command.Parse(args);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors.Select(e => e.Message)));
        return (result, options);
    }

    private static EditPrompts Read(params string[] args)
    {
        (ParseResult result, PromptOptions options) = Parse(args);
        return options.Read(result);
    }

    private static string Refuse(params string[] args) =>
        Assert.Throws<UsageException>(() => Read(args)).Message;

    [Fact]
    public void One_point_per_side_is_the_research_workflows_prompt()
    {
        Assert.Equal(EditPrompts.FromPoints(new PromptPoint(120, 80), new PromptPoint(40, 50.5)),
            Read("--remove-point", "120,80", "--add-point", "40,50.5"));
    }

    [Fact]
    public void Points_negative_points_and_a_box_without_markers_are_one_object()
    {
        EditPrompts prompts = Read("--remove-point", "120,80", "--remove-point", "140,95", "--remove-negative-point", "300,40", "--remove-box", "100,60,200,150");
        ObjectPrompt cat = Assert.Single(prompts.Remove.Objects);
        Assert.Equal([new PromptPoint(120, 80), new PromptPoint(140, 95), new PromptPoint(300, 40, PromptLabel.Negative)], cat.Points);
        Assert.Equal(new PromptBox(100, 60, 200, 150), cat.Box);
        Assert.True(prompts.Add.IsAuto);
    }

    [Fact]
    public void Each_object_marker_starts_an_object_in_command_line_order()
    {
        EditPrompts prompts = Read(
            "--remove-object", "--remove-point", "10,10", "--add-point", "5,5",
            "--remove-object", "--remove-box", "0,0,20,20", "--remove-negative-point", "3,3",
            "--add-object", "--add-mask", "duck.png",
            "--remove-object", "--remove-mask", "dog.npy");
        Assert.Equal(3, prompts.Remove.Objects.Count);
        Assert.Equal([new PromptPoint(10, 10)], prompts.Remove.Objects[0].Points);
        Assert.Equal(new PromptBox(0, 0, 20, 20), prompts.Remove.Objects[1].Box);
        Assert.Equal([new PromptPoint(3, 3, PromptLabel.Negative)], prompts.Remove.Objects[1].Points);
        Assert.Equal(Path.GetFullPath("dog.npy"), prompts.Remove.Objects[2].MaskPath);
        Assert.Equal(2, prompts.Add.Objects.Count);
        Assert.Equal([new PromptPoint(5, 5)], prompts.Add.Objects[0].Points);
        Assert.Equal(Path.GetFullPath("duck.png"), prompts.Add.Objects[1].MaskPath);
    }

    [Fact]
    public void No_prompt_or_auto_finds_both_sides()
    {
        Assert.Equal(EditPrompts.Auto, Read());
        Assert.Equal(EditPrompts.Auto, Read("--auto"));
    }

    [Fact]
    public void A_prompt_file_gives_both_sides()
    {
        string file = _folder.Write("p.json", "{\"remove\": [{\"points\": [[1, 2]]}], \"add\": []}"u8.ToArray());
        EditPrompts prompts = Read("--prompts", file);
        Assert.Equal([new PromptPoint(1, 2)], Assert.Single(prompts.Remove.Objects).Points);
        Assert.Empty(prompts.Add.Objects);
        Assert.False(prompts.Add.IsAuto);
    }

    [Theory]
    [InlineData(new[] { "--remove-negative-point", "3,3" }, "remove object 1: only negative points")]
    [InlineData(new[] { "--remove-object", "--remove-object", "--remove-point", "1,1" }, "remove object 1: no point, box or mask")]
    [InlineData(new[] { "--add-box", "0,0,5,5", "--add-box", "1,1,6,6" }, "add object 1: 2 boxes; SAM2 takes one box per object (start another object with --add-object)")]
    [InlineData(new[] { "--add-mask", "a.png", "--add-mask", "b.png" }, "add object 1: 2 masks")]
    [InlineData(new[] { "--add-mask", "a.png", "--add-point", "1,1" }, "add object 1: a mask is the object itself")]
    [InlineData(new[] { "--auto", "--remove-point", "1,1" }, "--auto finds both sides by itself: leave out --remove-point")]
    [InlineData(new[] { "--prompts", "p.json", "--add-box", "0,0,5,5" }, "--prompts gives the prompts of both sides: leave out --add-box")]
    public void Prompts_that_do_not_go_together_are_refused_naming_the_object(string[] args, string message) =>
        Assert.Contains(message, Refuse(args), StringComparison.Ordinal);

    [Theory]
    [InlineData("--remove-point", "1;2", "--remove-point: expected X,Y in image pixels, got '1;2'")]
    [InlineData("--add-box", "5,5,1,9", "--add-box: the box [5, 5, 1, 9] is empty")]
    [InlineData("--add-negative-point", "x,1", "--add-negative-point: expected X,Y")]
    public void Values_that_do_not_parse_are_parse_errors(string option, string value, string message)
    {
        var options = new PromptOptions();
        var command = new RootCommand();
        options.AddTo(command);
        ParseResult result = command.Parse([option, value]);
        Assert.Contains(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Detection_settings_default_to_the_detectors_and_take_the_options()
    {
        var options = new ObjectOptions();
        var command = new RootCommand();
        options.AddTo(command);
        ParseResult plain = command.Parse([]), given = command.Parse(["--change-threshold", "12.5", "--min-region", "0.01", "--objects", "union"]);
        Assert.Equal(new EditToAudio.ChangeDetection.ChangeDetectionOptions(), options.Detection(plain));
        Assert.Equal(ObjectCombination.Each, plain.GetValue(options.Combination));
        Assert.Equal((12.5, 0.01), (options.Detection(given).Threshold, options.Detection(given).MinRegionFraction));
        Assert.Equal(ObjectCombination.Union, given.GetValue(options.Combination));
    }

    [Theory]
    [InlineData("--change-threshold", "0", "--change-threshold must be a ΔE00 above 0, got 0.")]
    [InlineData("--min-region", "2", "--min-region must be a number from 0 to 1, got 2.")]
    public void Detection_settings_out_of_range_are_parse_errors(string option, string value, string message)
    {
        var options = new ObjectOptions();
        var command = new RootCommand();
        options.AddTo(command);
        Assert.Contains(command.Parse([option, value]).Errors, e => e.Message == message);
    }
}
