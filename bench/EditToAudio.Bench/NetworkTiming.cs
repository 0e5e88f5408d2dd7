using System.Diagnostics;
using System.Globalization;
using EditToAudio.IO;
using EditToAudio.Models;
using EditToAudio.Networks;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Bench;

/// <summary>
/// Times one network of a model set through the engine's own session options (what `run` uses),
/// after one warm-up call, on the inputs a PyTorch timing script saved (<c>--inputs DIR</c>:
/// DIR/&lt;input&gt;.npy; integer timesteps are (137·i) mod 1000 on both sides) or on seeded random
/// inputs of the sizes given. With <c>--serve</c> it times one call per line "run" on standard input
/// and answers with its wall and CPU seconds, so a driver can alternate it with another implementation call by
/// call (bench/python/compare_networks.py does, against the upstream PyTorch module). With
/// <c>--profile PREFIX</c> ONNX Runtime writes its per-node trace of the warm-up and the rounds (PREFIX_*.json).
/// <c>--memory-pattern</c> turns ONNX Runtime's memory pattern back on (the engine leaves it off), to measure that choice.
/// Each round also reports the process's CPU time: on a machine shared with other jobs the wall time
/// grows with their load, while CPU time divided by the threads estimates the call on idle cores.
/// usage: network-time MODELS_DIR KEY [SYMBOL=SIZE ...] [--inputs DIR] [--rounds N] [--threads N] [--profile PREFIX] [--memory-pattern] [--serve]
/// </summary>
internal static class NetworkTiming
{
    private const string Usage = "usage: network-time MODELS_DIR KEY [SYMBOL=SIZE ...] [--inputs DIR] [--rounds 5] [--threads 0] [--profile PREFIX] [--memory-pattern] [--serve]";

    public static int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine(Usage);
            return 1;
        }
        ModelSet models = ModelSet.Load(args[0]);
        NetworkContract contract = NetworkContracts.ForKey(args[1]) ?? throw new ArgumentException($"unknown network key '{args[1]}'");
        var sizes = new Dictionary<string, long>();
        string? inputFolder = null, profile = null;
        int rounds = 5, threads = 0;
        bool serve = false, memoryPattern = false;
        for (int i = 2; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--inputs": inputFolder = args[++i]; break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--profile": profile = args[++i]; break;
                case "--serve": serve = true; break;
                case "--memory-pattern": memoryPattern = true; break;
                default:
                    string[] pair = args[i].Split('=');
                    if (pair.Length != 2)
                    {
                        throw new ArgumentException($"{args[i]}: expected SYMBOL=SIZE. {Usage}");
                    }
                    sizes[pair[0]] = long.Parse(pair[1], CultureInfo.InvariantCulture);
                    break;
            }
        }

        using SessionOptions options = NetworkSet.CreateSessionOptions(new NetworkOptions(IntraOpThreads: threads));
        options.EnableMemoryPattern = memoryPattern;
        if (profile is not null)
        {
            // The prefix first: setting EnableProfiling hands ONNX Runtime the prefix as it is then.
            options.ProfileOutputPathPrefix = profile;
            options.EnableProfiling = true;
        }
        long loadStart = Stopwatch.GetTimestamp();
        using ModelSession session = ModelSession.Open(contract, models.PathOf(contract.Kind), options, ExecutionProvider.Cpu);
        double loadSeconds = Stopwatch.GetElapsedTime(loadStart).TotalSeconds;
        Dictionary<string, OrtValue> inputs = contract.Inputs.ToDictionary(t => t.Name, t => Input(t, sizes, inputFolder));
        try
        {
            string shapes = string.Join(", ", inputs.Select(p => $"{p.Key} [{string.Join(",", p.Value.GetTensorTypeAndShape().Shape)}]"));
            double warmUp = Time(session, inputs, out _);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{contract.Key}: {shapes}; load {loadSeconds:F1} s, warm-up {warmUp:F3} s"));
            if (serve)
            {
                Console.WriteLine("ready");
                while (Console.ReadLine() is { } line && line.Trim() == "run")
                {
                    double seconds = Time(session, inputs, out double cpu);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{seconds:R} {cpu:R}"));
                }
                return 0;
            }
            var times = new List<double>();
            var cpuTimes = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                times.Add(Time(session, inputs, out double cpu));
                cpuTimes.Add(cpu);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: {times[^1]:F3} s, CPU {cpu:F3} s"));
            }
            double[] sorted = [.. times.Order()];
            double[] sortedCpu = [.. cpuTimes.Order()];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{contract.Key}: median {sorted[sorted.Length / 2]:F3} s, min {sorted[0]:F3} s, median CPU {sortedCpu[sortedCpu.Length / 2]:F3} s over {rounds} rounds"));
            if (profile is not null)
            {
                Console.WriteLine($"profile: {session.EndProfiling()}");
            }
            return 0;
        }
        finally
        {
            foreach (OrtValue value in inputs.Values)
            {
                value.Dispose();
            }
        }
    }

    private static OrtValue Input(TensorContract tensor, Dictionary<string, long> sizes, string? folder)
    {
        string? file = folder is null ? null : Path.Combine(folder, tensor.Name + ".npy");
        if (tensor.DataType == TensorDataType.Float32 && file is not null && File.Exists(file))
        {
            NpyArray array = Npy.Read(file);
            return OrtValue.CreateTensorValueFromMemory(array.ToSingle(), [.. array.Shape.Select(d => (long)d)]);
        }
        return NetworkInputs.Seeded(tensor, sizes);
    }

    private static double Time(ModelSession session, Dictionary<string, OrtValue> inputs, out double cpuSeconds)
    {
        TimeSpan cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        // Calls back to back, as the sampler's steps: the working memory stays from call to call.
        using var outputs = session.Run(inputs, keepWorkingMemory: true);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        return seconds;
    }
}
