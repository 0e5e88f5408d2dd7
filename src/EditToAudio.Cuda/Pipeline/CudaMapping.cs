using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Onnx;
using EditToAudio.Models;
using EditToAudio.Networks;
using EditToAudio.Numerics;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Cuda.Pipeline;

/// <summary>
/// SSV2A's mapping on device memory: N CLIP embeddings go up once, both stages run bound to the
/// engine's buffers, the variational sampling (the mean of the draws, keyed per row as
/// <see cref="Ssv2aMapper"/> keys them) runs as a kernel, the CLAP rows are normalized in place and
/// come back. Not thread-safe: the backend calls it under its lock.
/// </summary>
internal sealed class CudaMapping(EngineKernels kernels, DeviceTensors tensors)
{
    private CudaContext Context => kernels.Library.Context;

    public float[] Map(NetworkSet networks, float[] clip, IReadOnlyList<MappingKey> keys, int varSamples, CancellationToken cancellationToken)
    {
        int rows = keys.Count;
        const int clipWidth = Ssv2aMapper.ClipWidth, clapWidth = Ssv2aMapper.ClapWidth;
        using ContextScope scope = Context.Bind();
        // Every buffer lives until the final copy has waited for the stream, so none is freed under a queued kernel.
        using DeviceBuffer<float> embeddings = Context.Upload<float>(clip);
        using DeviceBuffer<ulong> seeds = Context.Upload<ulong>([.. keys.Select(k => k.Seed)]);
        using DeviceBuffer<ulong> manifoldStreams = Context.Upload<ulong>([.. keys.Select(k => NoiseStream.Id(NoiseStage.Ssv2aManifold, 0, k.Index))]);
        using DeviceBuffer<ulong> generatorStreams = Context.Upload<ulong>([.. keys.Select(k => NoiseStream.Id(NoiseStage.Ssv2aGenerator, 0, k.Index))]);
        using DeviceBuffer<float> mu = Context.Allocate<float>((long)rows * clipWidth);
        using DeviceBuffer<float> logVariance = Context.Allocate<float>((long)rows * clipWidth);
        using DeviceBuffer<float> fold = Context.Allocate<float>((long)rows * clipWidth);
        using DeviceBuffer<float> clap = Context.Allocate<float>((long)rows * clapWidth);
        Sample(networks, NetworkContracts.Ssv2aManifold, embeddings, rows, clipWidth, fold, clipWidth, seeds, manifoldStreams, mu, logVariance, varSamples, cancellationToken);
        Sample(networks, NetworkContracts.Ssv2aGenerator, fold, rows, clipWidth, clap, clapWidth, seeds, generatorStreams, mu, logVariance, varSamples, cancellationToken);
        kernels.NormalizeRows(clap, rows, clapWidth);
        return clap.ToArray(Context.Stream);
    }

    /// <summary>
    /// One SSV2A stage: the network's (μ, log σ²) bound to <paramref name="mu"/> and <paramref name="logVariance"/>, then row r's
    /// mean of the draws from (<paramref name="seeds"/>[r], <paramref name="streams"/>[r]) into <paramref name="output"/>.
    /// </summary>
    private void Sample(NetworkSet networks, Ssv2aStageContract contract, DeviceBuffer<float> input, int rows, int inputWidth, DeviceBuffer<float> output,
        int outputWidth, DeviceBuffer<ulong> seeds, DeviceBuffer<ulong> streams, DeviceBuffer<float> mu, DeviceBuffer<float> logVariance,
        int varSamples, CancellationToken cancellationToken)
    {
        using (OrtValue inputValue = tensors.Wrap(input, 0, rows, inputWidth))
        using (OrtValue muValue = tensors.Wrap(mu, 0, rows, outputWidth))
        using (OrtValue logVarianceValue = tensors.Wrap(logVariance, 0, rows, outputWidth))
        {
            networks.Get(contract.Kind).RunBound(binding =>
            {
                binding.BindInput(contract.Clip.Name, inputValue);
                binding.BindOutput(contract.Mu.Name, muValue);
                binding.BindOutput(contract.LogSigma.Name, logVarianceValue);
            }, cancellationToken);
        }
        kernels.VariationalMean(mu, logVariance, output, rows, outputWidth, varSamples, seeds, streams);
    }
}
