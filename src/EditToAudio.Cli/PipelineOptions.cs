using System.CommandLine;
using System.Globalization;
using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.Cuda;
using EditToAudio.Cuda.Devices;
using EditToAudio.Images;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Pipeline;
using EditToAudio.Prompts;

namespace EditToAudio.Cli;

/// <summary>Where the stages run, as <c>--device</c> spells it.</summary>
internal enum Device
{
    Cpu,
    Cuda,
    Auto,
}

/// <summary>
/// <c>--device cpu|cuda|auto</c> and <c>--device-index N</c>: every command that runs stages selects its
/// device with these two options, and opens its backend through <see cref="ComputeBackends"/>.
/// </summary>
internal sealed class DeviceOptions(string description)
{
    public Option<Device> Device { get; } = new("--device") { Description = description, DefaultValueFactory = _ => Cli.Device.Cpu };
    public Option<int> Index { get; } = new Option<int>("--device-index") { Description = "CUDA device ordinal.", DefaultValueFactory = _ => 0 }.AtLeast(0);

    public DeviceOptions() : this("cpu, cuda (an error if CUDA cannot be used) or auto (cuda when a CUDA device is present).")
    {
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Device);
        command.Options.Add(Index);
    }

    /// <summary>Auto picks CUDA only when a device is there, and says which it picked; an explicit choice is never replaced.</summary>
    public ComputeDevice Resolve(ParseResult result, TextWriter error)
    {
        Device device = result.GetValue(Device);
        if (device != Cli.Device.Auto)
        {
            return device == Cli.Device.Cuda ? ComputeDevice.Cuda : ComputeDevice.Cpu;
        }
        CudaSupport support = CudaSupport.Detect();
        error.WriteLine(support.IsSupported ? "device auto: a CUDA device is present; using cuda." : $"device auto: using cpu ({support.Reason}).");
        return support.IsSupported ? ComputeDevice.Cuda : ComputeDevice.Cpu;
    }

    /// <summary>Opens the backend of <paramref name="device"/> on the chosen index; the caller disposes it.</summary>
    public ComputeBackend Open(ParseResult result, ComputeDevice device, int? cpuThreads = null) =>
        ComputeBackends.Open(device, result.GetValue(Index), cpuThreads);
}

/// <summary>The options of the commands that run the networks (embed, run, demo).</summary>
internal sealed class PipelineOptions
{
    public Option<DirectoryInfo?> Models { get; } = new("--models") { Description = "Model set folder (default: the bundled synthetic set, models/synthetic)." };
    public DeviceOptions Device { get; } = new();
    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of the mapping's and the sampler's draws.", DefaultValueFactory = _ => 42UL };
    public Option<int> VarSamples { get; } = new Option<int>("--var-samples") { Description = "Draws averaged by each SSV2A stage.", DefaultValueFactory = _ => Ssv2aMapper.DefaultVarSamples }.AtLeast(1);
    public Option<MaskSelection> MaskSelection { get; } = new("--mask-selection") { Description = "SAM2's SingleMask (the seed's setting) or BestOfThree.", DefaultValueFactory = _ => Networks.MaskSelection.SingleMask };
    public Option<bool> Quiet { get; } = new("--quiet") { Description = "No progress output." };
    public EditOptions Edit { get; } = new();
    public ObjectOptions Objects { get; } = new();

    public void AddTo(Command command)
    {
        command.Options.Add(Models);
        Device.AddTo(command);
        command.Options.Add(Seed);
        command.Options.Add(VarSamples);
        command.Options.Add(MaskSelection);
        command.Options.Add(Quiet);
        Edit.AddTo(command);
        Objects.AddTo(command);
    }

    /// <summary>
    /// Opens the engine on the chosen device's backend: on CUDA every stage runs there, the glue as the
    /// engine's kernels and the networks on ONNX Runtime bound to their device buffers on the same stream.
    /// </summary>
    public OpenedEngine OpenEngine(ParseResult result, TextWriter error)
    {
        ComputeBackend backend = Device.Open(result, Device.Resolve(result, error));
        try
        {
            return new OpenedEngine(EditToAudioEngine.Open(new EngineOptions { ModelFolder = result.GetValue(Models)?.FullName, Backend = backend }), backend);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    public EmbedRequest Request(ParseResult result, RgbImage original, RgbImage edited, EditPrompts prompts) =>
        new(original, edited, prompts)
        {
            Edit = Edit.Read(result),
            MaskSelection = result.GetValue(MaskSelection),
            Objects = result.GetValue(Objects.Combination),
            Detection = Objects.Detection(result),
            Seed = result.GetValue(Seed),
            VarSamples = result.GetValue(VarSamples),
        };
}

/// <summary>The options of the commands that generate audio (run, demo).</summary>
internal sealed class AudioCliOptions
{
    public Option<int> Steps { get; } = new Option<int>("--steps") { Description = "DDIM steps.", DefaultValueFactory = _ => 200 }.AtLeast(1);
    public Option<double> Guidance { get; } = new Option<double>("--guidance") { Description = "Classifier-free guidance scale.", DefaultValueFactory = _ => 2.5 }.FiniteAtLeast(0);
    public Option<double> Eta { get; } = new Option<double>("--eta") { Description = "DDIM eta: 1 stochastic (the research code), 0 deterministic.", DefaultValueFactory = _ => 1.0 }.FiniteAtLeast(0);
    public Option<int> Candidates { get; } = new Option<int>("--candidates") { Description = "Candidates per clip; the best by CLAP similarity is kept.", DefaultValueFactory = _ => 3 }.InRange(1, AudioOptions.MaxCandidates);
    public Option<double> Duration { get; } = new Option<double>("--duration") { Description = "Clip length in seconds (at most 60).", DefaultValueFactory = _ => 10.24 }.FiniteInRange(0.01, AudioOptions.MaxDuration);
    public Option<RankTarget> RankAgainst { get; } = new("--rank-against") { Description = "Rank candidates against the Conditioning embedding or, as the research code, the Empty string.", DefaultValueFactory = _ => RankTarget.Conditioning };
    public Option<bool> Baselines { get; } = new("--baselines") { Description = "Also generate audio from the plain CLIP embedding of each image." };
    public Option<bool> Pcm16 { get; } = new("--pcm16") { Description = "Write 16-bit PCM WAV instead of 32-bit float." };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Steps, Guidance, Eta, Candidates, Duration, RankAgainst, Baselines, Pcm16 })
        {
            command.Options.Add(option);
        }
    }

    public RunRequest Request(ParseResult result, EmbedRequest embed) => new(embed)
    {
        Audio = Read(result, embed.Seed),
        Baselines = result.GetValue(Baselines),
    };

    /// <summary>The sampler, candidate, duration and ranking options, with <paramref name="seed"/> as the sampler's seed.</summary>
    public AudioOptions Read(ParseResult result, ulong seed) => new()
    {
        Sampler = new SamplerOptions
        {
            Steps = result.GetValue(Steps),
            Guidance = result.GetValue(Guidance),
            Eta = result.GetValue(Eta),
            Seed = seed,
        },
        Candidates = result.GetValue(Candidates),
        Duration = result.GetValue(Duration),
        RankAgainst = result.GetValue(RankAgainst),
    };

    /// <summary>Refuses, as a usage error, a --steps beyond the model set's training schedule (the parser cannot know it).</summary>
    public void CheckAgainst(ParseResult result, ModelSet models)
    {
        int steps = result.GetValue(Steps), trainingSteps = models.Constants.BetaSchedule.Steps;
        if (steps > trainingSteps)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--steps must be at most the {trainingSteps} training steps of the model set {models.Name}, got {steps}."));
        }
    }

    public WaveSampleFormat Format(ParseResult result) => result.GetValue(Pcm16) ? WaveSampleFormat.Pcm16 : WaveSampleFormat.Float32;
}

/// <summary>An engine and the backend it runs on, disposed together.</summary>
internal sealed class OpenedEngine(EditToAudioEngine engine, ComputeBackend backend) : IDisposable
{
    public EditToAudioEngine Engine { get; } = engine;

    public void Dispose()
    {
        Engine.Dispose();
        backend.Dispose();
    }
}
