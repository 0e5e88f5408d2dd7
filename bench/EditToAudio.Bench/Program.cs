using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(EditToAudio.Bench.EditPairBenchmarks).Assembly).Run(args);
