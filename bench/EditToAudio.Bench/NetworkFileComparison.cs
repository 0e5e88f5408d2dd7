using System.Diagnostics;
using System.Globalization;
using EditToAudio.Models;
using EditToAudio.Networks;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Bench;

/// <summary>
/// Two exports of one network (say, AudioLDM's UNet with its upstream attention and with the plain
/// softmax drop-in) timed through the engine's own session options, alternating A and B in one run
/// so machine load hits both alike, on identical seeded inputs; reports each round, the medians and
/// their ratio, and the largest difference between the two outputs.
/// usage: network-ab KEY A.onnx B.onnx [SYMBOL=SIZE ...] [--rounds N] [--threads N]
/// </summary>
internal static class NetworkFileComparison
{
    public static int Run(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: network-ab KEY A.onnx B.onnx [N=6 T=256 ...] [--rounds 5] [--threads 0]");
            return 1;
        }
        var contract = NetworkContracts.ForKey(args[0]) ?? throw new ArgumentException($"unknown network key '{args[0]}'");
        var sizes = new Dictionary<string, long>();
        int rounds = 5, threads = 0;
        for (int i = 3; i < args.Length; i++)
        {
            if (args[i] == "--rounds")
            {
                rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--threads")
            {
                threads = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else
            {
                string[] pair = args[i].Split('=');
                sizes[pair[0]] = long.Parse(pair[1], CultureInfo.InvariantCulture);
            }
        }
        using var options = NetworkSet.CreateSessionOptions(new NetworkOptions(IntraOpThreads: threads));
        using var a = ModelSession.Open(contract, args[1], options, ExecutionProvider.Cpu);
        using var b = ModelSession.Open(contract, args[2], options, ExecutionProvider.Cpu);
        var inputs = contract.Inputs.ToDictionary(t => t.Name, t => NetworkInputs.Seeded(t, sizes));
        try
        {
            float[] first = Time(a, inputs, out _), second = Time(b, inputs, out _); // warm-up, and the outputs to compare
            double difference = first.Zip(second, (x, y) => (double)Math.Abs(x - y)).Max();
            var timesA = new List<double>();
            var timesB = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                Time(a, inputs, out double secondsA);
                Time(b, inputs, out double secondsB);
                timesA.Add(secondsA);
                timesB.Add(secondsB);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: A {secondsA:F3} s, B {secondsB:F3} s"));
            }
            double medianA = Median(timesA), medianB = Median(timesB);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{contract.Key} ({string.Join(", ", sizes.Select(p => $"{p.Key}={p.Value}"))}): median A {medianA:F3} s, B {medianB:F3} s, A/B {medianA / medianB:F2}; max |A - B| on the output {difference:E2}"));
            return 0;
        }
        finally
        {
            foreach (var value in inputs.Values)
            {
                value.Dispose();
            }
        }
    }

    private static float[] Time(ModelSession session, Dictionary<string, OrtValue> inputs, out double seconds)
    {
        var watch = Stopwatch.StartNew();
        using var outputs = session.Run(inputs);
        seconds = watch.Elapsed.TotalSeconds;
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
