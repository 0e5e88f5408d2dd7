using System.Text;
using EditToAudio.Networks;
using EditToAudio.Prompts;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Prompts;

public sealed class PromptJsonTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private EditPrompts Parse(string json) => PromptJson.Parse(Encoding.UTF8.GetBytes(json), _folder.File("prompts.json"));

    private PromptFormatException Refuse(string json) => Assert.Throws<PromptFormatException>(() => Parse(json));

    [Fact]
    public void Several_objects_with_points_boxes_and_masks_are_read_in_order()
    {
        EditPrompts prompts = Parse("""
            {"remove": [{"points": [[120, 80], [140, 95]], "negative_points": [[300, 40]], "name": "cat"},
                        {"box": [400, 60, 520, 200]}],
             "add": [{"mask": "masks/duck.png"}, {"box": [10, 10, 50, 60], "points": [[30, 30]]}]}
            """);
        Assert.False(prompts.NeedsDetection);
        Assert.Equal(2, prompts.Remove.Objects.Count);
        ObjectPrompt cat = prompts.Remove.Objects[0];
        Assert.Equal([new PromptPoint(120, 80), new PromptPoint(140, 95), new PromptPoint(300, 40, PromptLabel.Negative)], cat.Points);
        Assert.Equal("cat", cat.Name);
        Assert.Equal(new PromptBox(400, 60, 520, 200), prompts.Remove.Objects[1].Box);
        Assert.Equal(Path.Combine(_folder.Path, "masks", "duck.png"), prompts.Add.Objects[0].MaskPath);
        Assert.Equal(
            [new PromptPoint(10, 10, PromptLabel.BoxTopLeft), new PromptPoint(50, 60, PromptLabel.BoxBottomRight), new PromptPoint(30, 30)],
            prompts.Add.Objects[1].Sam2Points);
    }

    [Fact]
    public void Auto_and_missing_sides_are_found_and_an_empty_list_is_no_object()
    {
        Assert.Equal(EditPrompts.Auto, Parse("{}"));
        EditPrompts prompts = Parse("""{"remove": "auto", "add": []}""");
        Assert.True(prompts.Remove.IsAuto);
        Assert.False(prompts.Add.IsAuto);
        Assert.Empty(prompts.Add.Objects);
        Assert.Equal(prompts, Parse("""{"add": [], "remove": "auto"}"""));
    }

    [Fact]
    public void Equal_prompts_are_equal_values()
    {
        const string Json = """{"remove": [{"points": [[1, 2]], "box": [0, 0, 5, 5]}], "add": [{"points": [[3, 4]]}]}""";
        Assert.Equal(Parse(Json), Parse(Json));
        Assert.Equal(Parse(Json).GetHashCode(), Parse(Json).GetHashCode());
        Assert.NotEqual(Parse(Json), Parse("""{"remove": [{"points": [[1, 2]]}], "add": [{"points": [[3, 4]]}]}"""));
        Assert.Equal(EditPrompts.FromPoints(new PromptPoint(1, 2), new PromptPoint(3, 4)), Parse("""{"remove": [{"points": [[1, 2]]}], "add": [{"points": [[3, 4]]}]}"""));
    }

    [Fact]
    public void Every_problem_is_listed_with_its_key()
    {
        PromptFormatException error = Refuse("""
            {"remove": [{"points": [120, 80]}, {"box": [5, 5, 1, 9]}, {"negative_points": [[1, 2]]}, {"mask": "m.png", "points": [[1, 1]]}, {}],
             "add": [{"pointz": [[1, 2]]}, {"box": [1, 2, 3]}, 7], "extra": 1}
            """);
        string[] expected =
        [
            "unknown key 'extra'",
            "remove[0].points is a list of points: write [[x, y]] for one point",
            "remove[1]: the box [5, 5, 1, 9] is empty",
            "remove[2]: only negative points",
            "remove[3]: a mask is the object itself; it cannot be combined with points or a box",
            "remove[4]: no point, box or mask",
            "add[0]: unknown key 'pointz'",
            "add[1].box must be [x0, y0, x1, y1]",
            "add[2] must be an object",
        ];
        foreach (string problem in expected)
        {
            Assert.Contains(error.Problems, p => p.StartsWith(problem, StringComparison.Ordinal));
        }
        Assert.Contains("prompts.json", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"remove": "everything"}""", "'remove' must be \"auto\" or a list of objects")]
    [InlineData("""{"remove": [{"points": [[1, "a"]]}]}""", "remove[0].points[0] must be [x, y]")]
    [InlineData("""{"add": [{"mask": ""}]}""", "add[0].mask must be a mask file path")]
    [InlineData("""{"add": [{"name": 3, "points": [[1, 1]]}]}""", "add[0].name must be a string")]
    [InlineData("""[1, 2]""", "expected a JSON object")]
    [InlineData("""{"remove": """, "invalid JSON")]
    [InlineData("""{"remove": "auto", "remove": "auto"}""", "the key 'remove' appears twice")]
    public void A_bad_value_is_named(string json, string problem)
    {
        PromptFormatException error = Refuse(json);
        Assert.Contains(error.Problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Invalid_json_names_its_line_and_column_from_one()
    {
        PromptFormatException error = Refuse("{\n  \"remove\": [\n    {\"points\": [[1, 2]],}\n  ]\n}\n");
        string problem = Assert.Single(error.Problems);
        Assert.StartsWith("invalid JSON at line 3, column 25: ", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var error = Assert.Throws<FileNotFoundException>(() => PromptJson.Load(_folder.File("none.json")));
        Assert.Contains("none.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Points_and_boxes_outside_the_image_are_named_with_the_image_size()
    {
        var prompt = new ObjectPrompt { Points = [new PromptPoint(10, 10), new PromptPoint(640, 5, PromptLabel.Negative)], Box = new PromptBox(0, 0, 641, 480) };
        string[] problems = [.. prompt.OutsideProblems("remove object 1", 640, 480, "dog_cat.jpg")];
        Assert.Equal(
        [
            "remove object 1: the negative point (640, 5) lies outside dog_cat.jpg, which is 640×480 pixels",
            "remove object 1: the box [0, 0, 641, 480] reaches outside dog_cat.jpg, which is 640×480 pixels",
        ], problems);
        Assert.Empty(new ObjectPrompt { Box = new PromptBox(0, 0, 640, 480) }.OutsideProblems("x", 640, 480, "i"));
    }

    [Theory]
    [InlineData("10,20,30,40", 10, 20, 30, 40)]
    [InlineData(" 0.5, 1 ,2.5,3 ", 0.5, 1, 2.5, 3)]
    public void Boxes_parse_from_text(string text, double x0, double y0, double x1, double y1) =>
        Assert.Equal(new PromptBox(x0, y0, x1, y1), PromptBox.Parse(text));

    [Theory]
    [InlineData("10,20,30", "expected X0,Y0,X1,Y1")]
    [InlineData("10,20,5,40", "is empty")]
    [InlineData("a,b,c,d", "expected X0,Y0,X1,Y1")]
    [InlineData("1,2,NaN,4", "expected X0,Y0,X1,Y1")]
    public void Bad_boxes_are_refused(string text, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => PromptBox.Parse(text)).Message, StringComparison.Ordinal);

    private EditPrompts ReadLine(string json, List<string> errors)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return PromptJson.ReadManifestLine(document.RootElement, _folder.Path, errors);
    }

    [Fact]
    public void A_manifest_line_takes_the_short_points_the_full_lists_or_nothing()
    {
        var errors = new List<string>();
        Assert.Equal(EditPrompts.FromPoints(new PromptPoint(1, 2), new PromptPoint(3, 4)), ReadLine("""{"remove_point": [1, 2], "add_point": [3, 4]}""", errors));
        EditPrompts mixed = ReadLine("""{"remove": [{"box": [0, 0, 9, 9]}, {"mask": "m.npy"}], "add": "auto"}""", errors);
        Assert.Equal(2, mixed.Remove.Objects.Count);
        Assert.Equal(Path.Combine(_folder.Path, "m.npy"), mixed.Remove.Objects[1].MaskPath);
        Assert.True(mixed.Add.IsAuto);
        Assert.Equal(EditPrompts.Auto, ReadLine("{}", errors));
        Assert.Empty(errors);
    }

    [Fact]
    public void A_manifest_lines_prompt_problems_name_their_key()
    {
        var errors = new List<string>();
        ReadLine("""{"remove_point": [1, 2], "remove": "auto", "add_point": [-1, 3]}""", errors);
        ReadLine("""{"add_point": "1,2", "remove": [{"points": [[1, 2]], "mask": "m.png"}]}""", errors);
        Assert.Equal(
        [
            "'remove' and 'remove_point' both give the remove side's prompts; keep one",
            "'add_point' [-1, 3] is negative (expected pixel coordinates ≥ 0)",
            "remove[0]: a mask is the object itself; it cannot be combined with points or a box (give either)",
            "'add_point' must be [x, y] (two finite numbers, in image pixels), got \"1,2\"",
        ], errors);
    }
}
