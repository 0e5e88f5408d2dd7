using BenchmarkDotNet.Running;

// `network-time` times one network of a model set (see NetworkTiming), `network-ab` two exports of
// one network against each other (see NetworkFileComparison); everything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "network-time")
{
    return EditToAudio.Bench.NetworkTiming.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "network-ab")
{
    return EditToAudio.Bench.NetworkFileComparison.Run(args[1..]);
}
BenchmarkSwitcher.FromAssembly(typeof(EditToAudio.Bench.EditPairBenchmarks).Assembly).Run(args);
return 0;
