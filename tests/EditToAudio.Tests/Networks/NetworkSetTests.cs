using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Tests.Models;
using EditToAudio.Tests.Support;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Tests.Networks;

public class NetworkSetTests
{
    [Fact]
    public void Sessions_are_created_once_on_the_cpu_by_default()
    {
        using var networks = new NetworkSet(SyntheticSet.Load());
        Assert.Equal(ExecutionProvider.Cpu, networks.Provider);
        var first = networks.Get(NetworkKind.Vocoder);
        Assert.Same(first, networks.Get(NetworkKind.Vocoder));
        Assert.Equal(ExecutionProvider.Cpu, first.Provider);
        networks.Dispose();
        Assert.Throws<ObjectDisposedException>(() => networks.Get(NetworkKind.Vocoder));
    }

    [Fact]
    public void Threads_asking_at_once_share_one_session_per_network()
    {
        using var networks = new NetworkSet(SyntheticSet.Load());
        NetworkKind[] kinds = [NetworkKind.Vocoder, NetworkKind.VaeDecoder, NetworkKind.Ssv2aGenerator];
        var got = new ModelSession[24];
        Parallel.For(0, got.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => got[i] = networks.Get(kinds[i % kinds.Length]));
        for (int i = 0; i < got.Length; i++)
        {
            Assert.Same(networks.Get(kinds[i % kinds.Length]), got[i]);
        }
        Assert.Equal(kinds.Length, got.Distinct().Count());
    }

    [Fact]
    public void Asking_for_cuda_either_gets_cuda_or_says_why_not()
    {
        NetworkSet? networks = null;
        try
        {
            networks = new NetworkSet(SyntheticSet.Load(), new NetworkOptions(ExecutionProvider.Cuda));
            // A machine with the CUDA 13 libraries: the provider asked for is the one used.
            Assert.Equal(ExecutionProvider.Cuda, networks.Provider);
        }
        catch (ExecutionProviderException e)
        {
            Assert.Contains("CUDA execution provider", e.Message, StringComparison.Ordinal);
            Assert.Contains("no automatic fallback", e.Message, StringComparison.Ordinal);
            Assert.NotNull(e.InnerException);
            Assert.Contains(e.InnerException.Message, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            networks?.Dispose();
        }
    }

    [Fact]
    public void A_network_that_breaks_its_contract_is_refused_when_opened()
    {
        using var folder = new TemporaryFolder();
        foreach (string file in Directory.GetFiles(SyntheticSet.Load().Folder))
        {
            File.Copy(file, Path.Combine(folder.Path, Path.GetFileName(file)));
        }
        // The vocoder's file now holds the VAE decoder: names and shapes are wrong.
        File.Copy(Path.Combine(folder.Path, "vae_decoder.onnx"), Path.Combine(folder.Path, "vocoder.onnx"), overwrite: true);
        using var networks = new NetworkSet(ModelSet.Load(folder.Path));
        var error = Assert.Throws<ModelSetException>(() => networks.Get(NetworkKind.Vocoder));
        Assert.Contains("vocoder: input mel: expected float [N,64,4T]", error.Message, StringComparison.Ordinal);
    }
}

public class CancellationTests
{
    [Fact]
    public void Stages_stop_on_a_cancelled_token()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var networks = SyntheticSet.Networks;
        Assert.ThrowsAny<OperationCanceledException>(() => new ClipTokenEncoder(networks).Encode(new float[ClipTokenEncoder.PixelsPerImage], cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => new Ssv2aMapper(networks).Map(new float[768], 42, cancellationToken: cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => new Segmenter(networks).Encode(new float[3 * 1024 * 1024], 10, 10, cancelled.Token));
    }

    /// <summary>A generator that takes a minute or more (<see cref="SlowNetwork"/>), opened with the engine's session options.</summary>
    private static ModelSession OpenSlowGenerator(TemporaryFolder folder, SessionOptions options)
    {
        string path = folder.File("slow_generator.onnx");
        SlowNetwork.Write(SyntheticSet.Load().PathOf(NetworkKind.Ssv2aGenerator), path, "mu");
        return ModelSession.Open(NetworkContracts.Ssv2aGenerator, path, options, ExecutionProvider.Cpu);
    }

    // Without ONNX Runtime's terminate flag the call would run to its end and return normally, so no
    // exception means the cancellation did not reach the running network.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_long_network_call_stops_when_cancelled_while_it_runs(bool bound)
    {
        using var folder = new TemporaryFolder();
        using SessionOptions options = NetworkSet.CreateSessionOptions(new NetworkOptions());
        using ModelSession slow = OpenSlowGenerator(folder, options);
        using var input = OrtValue.CreateTensorValueFromMemory(new float[768], [1, 768]);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        if (bound)
        {
            Assert.ThrowsAny<OperationCanceledException>(() => slow.RunBound(binding =>
            {
                binding.BindInput("x", input);
                binding.BindOutputToDevice("mu", OrtMemoryInfo.DefaultInstance);
                binding.BindOutputToDevice("log_sigma", OrtMemoryInfo.DefaultInstance);
            }, cancellation.Token));
        }
        else
        {
            Assert.ThrowsAny<OperationCanceledException>(() => slow.Run(new Dictionary<string, OrtValue> { ["x"] = input }, cancellation.Token));
        }
        Assert.Equal(1, slow.Calls);
    }
}
