using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using EditToAudio.ChangeDetection;
using EditToAudio.Networks;
using EditToAudio.Prompts;

namespace EditToAudio.Cli;

/// <summary>
/// How objects enter the edit and how the change detector finds them, for every command that runs the
/// pipeline (embed, run, demo, batch): <c>--objects each|union</c>, <c>--change-threshold</c>, <c>--min-region</c>.
/// </summary>
internal sealed class ObjectOptions
{
    public Option<ObjectCombination> Combination { get; } = new("--objects")
    {
        Description = "With several objects on a side: each (every object its own edit; E_sup and E_boost are the means) or union (the side's masks edited as one region).",
        DefaultValueFactory = _ => ObjectCombination.Each,
    };

    public Option<double?> ChangeThreshold { get; } = new("--change-threshold")
    {
        Description = "For sides found automatically: the CIEDE2000 colour difference above which a pixel changed (default: Otsu's threshold, at least 8).",
    };

    public Option<double> MinRegion { get; } = new Option<double>("--min-region")
    {
        Description = "For sides found automatically: the smallest changed region kept, as a share of the frame.",
        DefaultValueFactory = _ => new ChangeDetectionOptions().MinRegionFraction,
    }.FiniteInRange(0, 1);

    public void AddTo(Command command)
    {
        command.Options.Add(Combination);
        command.Options.Add(ChangeThreshold);
        command.Options.Add(MinRegion);
        ChangeThreshold.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is double value && !(double.IsFinite(value) && value > 0))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{ChangeThreshold.Name} must be a ΔE00 above 0, got {value}."));
            }
        });
    }

    /// <summary>The change detector's settings of the command line.</summary>
    public ChangeDetectionOptions Detection(ParseResult result) => new()
    {
        Threshold = result.GetValue(ChangeThreshold),
        MinRegionFraction = result.GetValue(MinRegion),
    };
}

/// <summary>
/// The prompt options of the commands that take two images (embed, run): per side, points, negative
/// points, a box and a ready mask; several objects per side, each started by <c>--remove-object</c> /
/// <c>--add-object</c> (the side's options after it describe it); or a whole prompt file
/// (<c>--prompts</c>); or <c>--auto</c>. A side without prompts is found from what changed.
/// </summary>
internal sealed class PromptOptions
{
    public SideOptions Remove { get; } = new(EditSide.Remove);

    public SideOptions Add { get; } = new(EditSide.Add);

    public Option<FileInfo?> PromptFile { get; } = new("--prompts")
    {
        Description = "A JSON prompt file: {\"remove\": [objects] or \"auto\", \"add\": …}, each object with points, negative_points, box or mask (docs/prompts.md).",
    };

    public Option<bool> Auto { get; } = new("--auto")
    {
        Description = "Find the removed and added objects from what changed between the images (a side given no prompt is found so too).",
    };

    public void AddTo(Command command)
    {
        Remove.AddTo(command);
        Add.AddTo(command);
        command.Options.Add(PromptFile);
        command.Options.Add(Auto);
    }

    /// <summary>The prompts of the command line, or of the prompt file it names.</summary>
    /// <exception cref="UsageException">Listing every problem of the prompt options.</exception>
    /// <exception cref="PromptFormatException">The prompt file was refused.</exception>
    public EditPrompts Read(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var problems = new List<string>();
        SidePrompts remove = Remove.Read(result, problems), add = Add.Read(result, problems);
        string[] given = [.. Remove.GivenOptions(result), .. Add.GivenOptions(result)];
        FileInfo? file = result.GetValue(PromptFile);
        if (file is not null && given.Length > 0)
        {
            problems.Add($"--prompts gives the prompts of both sides: leave out {string.Join(", ", given)}, or the prompt file.");
        }
        if (result.GetValue(Auto) && (given.Length > 0 || file is not null))
        {
            problems.Add($"--auto finds both sides by itself: leave out {string.Join(", ", file is null ? given : ["--prompts", .. given])} (a side without prompts is found anyway).");
        }
        if (problems.Count > 0)
        {
            throw new UsageException(string.Join(Environment.NewLine, problems));
        }
        return file is not null ? PromptJson.Load(file.FullName) : new EditPrompts(remove, add);
    }

    /// <summary>The options of one side.</summary>
    internal sealed class SideOptions
    {
        private readonly EditSide _side;

        public SideOptions(EditSide side)
        {
            _side = side;
            string key = side.Key(), image = side.ImageName();
            Point = new($"--{key}-point")
            {
                Description = $"X,Y of a point on the {(side == EditSide.Remove ? "removed" : "added")} object, in {image}-image pixels (repeat for more points).",
                CustomParser = result => Parse(result, PromptLabel.Positive),
            };
            NegativePoint = new($"--{key}-negative-point")
            {
                Description = $"X,Y of a point that is not on the object, in {image}-image pixels (repeat for more).",
                CustomParser = result => Parse(result, PromptLabel.Negative),
            };
            Box = new($"--{key}-box")
            {
                Description = $"X0,Y0,X1,Y1: a box around the object (left, top, right, bottom, in {image}-image pixels); SAM2 takes it as two labelled corners.",
                CustomParser = ParseBoxes,
            };
            Mask = new($"--{key}-mask")
            {
                Description = $"The object's ready mask (PNG: bright pixels; or .npy of 0/1) at the {image} image's size: SAM2 is skipped for it.",
            };
            Object = new($"--{key}-object")
            {
                Description = $"Starts another {(side == EditSide.Remove ? "removed" : "added")} object: the --{key}-* options after it describe it.",
                Arity = ArgumentArity.Zero,
            };
        }

        public Option<PromptPoint[]> Point { get; }

        public Option<PromptPoint[]> NegativePoint { get; }

        public Option<PromptBox[]> Box { get; }

        public Option<FileInfo[]> Mask { get; }

        public Option<bool> Object { get; }

        private IEnumerable<Option> Options => [Point, NegativePoint, Box, Mask, Object];

        public void AddTo(Command command)
        {
            foreach (Option option in Options)
            {
                command.Options.Add(option);
            }
        }

        /// <summary>The names of this side's options on the command line.</summary>
        public IEnumerable<string> GivenOptions(ParseResult result) =>
            Options.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name);

        /// <summary>
        /// The side's objects: the side's options grouped in command-line order, a new object at each
        /// <c>--side-object</c>; <see cref="SidePrompts.Auto"/> when the side has no option.
        /// </summary>
        public SidePrompts Read(ParseResult result, List<string> problems)
        {
            var groups = new List<Group>();
            Group? current = null;
            Option? owner = null;
            foreach (Token token in result.Tokens)
            {
                if (token.Type == TokenType.Option)
                {
                    owner = Options.FirstOrDefault(o => o.Name == token.Value || o.Aliases.Contains(token.Value));
                    if (owner == Object || (owner is not null && current is null))
                    {
                        current = new Group(owner == Object);
                        groups.Add(current);
                    }
                    continue;
                }
                if (token.Type != TokenType.Argument || owner is null || current is null)
                {
                    continue;
                }
                if (owner == Point || owner == NegativePoint)
                {
                    current.Points.Add(ParsePoint(token.Value, owner == Point ? PromptLabel.Positive : PromptLabel.Negative)!.Value);
                }
                else if (owner == Box)
                {
                    current.Boxes.Add(PromptBox.Parse(token.Value));
                }
                else if (owner == Mask)
                {
                    current.Masks.Add(Path.GetFullPath(token.Value));
                }
            }
            if (groups.Count == 0)
            {
                return SidePrompts.Auto;
            }
            var objects = new List<ObjectPrompt>();
            for (int i = 0; i < groups.Count; i++)
            {
                string what = EditPrompts.Describe(_side, i);
                Group group = groups[i];
                if (group.Boxes.Count > 1)
                {
                    problems.Add($"{what}: {group.Boxes.Count} boxes; SAM2 takes one box per object (start another object with {Object.Name}).");
                }
                if (group.Masks.Count > 1)
                {
                    problems.Add($"{what}: {group.Masks.Count} masks; an object has one mask (start another object with {Object.Name}).");
                }
                var prompt = new ObjectPrompt
                {
                    Points = group.Points,
                    Box = group.Boxes.Count > 0 ? group.Boxes[0] : null,
                    MaskPath = group.Masks.Count > 0 ? group.Masks[0] : null,
                };
                int before = problems.Count;
                problems.AddRange(prompt.Problems(what).Select(p => $"{p} ({Point.Name}, {Box.Name} or {Mask.Name} after {(group.Started ? Object.Name : "the start")})."));
                if (problems.Count == before)
                {
                    objects.Add(prompt);
                }
            }
            return SidePrompts.Of(objects);
        }

        private static PromptPoint[] Parse(ArgumentResult result, PromptLabel label)
        {
            var points = new List<PromptPoint>();
            foreach (Token token in result.Tokens)
            {
                if (ParsePoint(token.Value, label) is { } point)
                {
                    points.Add(point);
                }
                else
                {
                    result.AddError($"{OptionName(result)}: expected X,Y in image pixels, got '{token.Value}'.");
                }
            }
            return [.. points];
        }

        private static PromptBox[] ParseBoxes(ArgumentResult result)
        {
            var boxes = new List<PromptBox>();
            foreach (Token token in result.Tokens)
            {
                try
                {
                    boxes.Add(PromptBox.Parse(token.Value));
                }
                catch (FormatException e)
                {
                    result.AddError($"{OptionName(result)}: {e.Message}.");
                }
            }
            return [.. boxes];
        }

        private static PromptPoint? ParsePoint(string text, PromptLabel label)
        {
            string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
            return parts.Length == 2
                && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double x)
                && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double y)
                && double.IsFinite(x) && double.IsFinite(y)
                ? new PromptPoint(x, y, label) : null;
        }

        private static string OptionName(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : "value";

        /// <summary>The options of one object, in command-line order.</summary>
        private sealed class Group(bool started)
        {
            public bool Started { get; } = started;

            public List<PromptPoint> Points { get; } = [];

            public List<PromptBox> Boxes { get; } = [];

            public List<string> Masks { get; } = [];
        }
    }
}
