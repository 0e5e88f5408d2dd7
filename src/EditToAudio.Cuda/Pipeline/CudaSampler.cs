using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.Cuda.Devices;
using EditToAudio.Cuda.Kernels;
using EditToAudio.Cuda.Onnx;
using EditToAudio.Models;
using EditToAudio.Networks;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Cuda.Pipeline;

/// <summary>
/// The sampler on the GPU: the latents stay in device memory from the first draw to the waveform.
/// Each step is one bound UNet run (ONNX Runtime's CUDA provider on the engine's stream, reading and
/// writing the engine's buffers) and one <c>ddim_step_rows</c> launch for every candidate of every
/// job; then the clip, the scale, VAE decoder → transpose → vocoder → CLAP audio encoder, all bound
/// the same way. The host receives the CLAP embeddings and clip flags, and reads back only the
/// waveforms it keeps. Draws are the CPU sampler's (Philox by seed, candidate and step), so the two
/// backends agree up to float rounding. Not thread-safe: the backend calls it under its lock.
/// </summary>
internal sealed class CudaSampler(EngineKernels kernels, DeviceTensors tensors)
{
    private CudaContext Context => kernels.Library.Context;

    public DecodedCandidates Sample(NetworkSet networks, DiffusionJob job, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        SamplerLayout layout = job.Layout();
        using ContextScope scope = Context.Bind();
        var work = new SamplerBuffers(Context, layout, job.Shape);
        try
        {
            Sample(networks.Get(NetworkKind.UNet), job, work, progress, cancellationToken);
            return Decode(networks, job, work, progress, cancellationToken);
        }
        finally
        {
            work.Dispose();
        }
    }

    private void Sample(ModelSession unet, DiffusionJob job, SamplerBuffers work, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        LatentShape shape = job.Shape;
        int rows = job.Rows, batch = work.Batch;
        kernels.PhiloxNormalRows(work.Sample, rows, shape.Size, work.Halves, work.Seeds, work.InitialStreams, 0);
        using OrtValue sample = tensors.Wrap(work.Sample, 0, batch, shape.Channels, shape.Frames, shape.Bins);
        using OrtValue epsilon = tensors.Wrap(work.Epsilon, 0, batch, shape.Channels, shape.Frames, shape.Bins);
        using OrtValue conditioning = tensors.Wrap(work.Conditioning, 0, batch, job.Unconditional.Length);
        UNetContract contract = NetworkContracts.UNet;
        DdimSchedule schedule = job.Schedule;
        for (int i = 0; i < schedule.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using OrtValue timestep = tensors.Wrap(work.Timesteps, (long)i * batch, batch);
            unet.RunBound(binding =>
            {
                binding.BindInput(contract.Sample.Name, sample);
                binding.BindInput(contract.Timestep.Name, timestep);
                binding.BindInput(contract.Y.Name, conditioning);
                binding.BindOutput(contract.Eps.Name, epsilon);
            }, keepWorkingMemory: i + 1 < schedule.Count, cancellationToken);
            kernels.DdimStep(work.Sample, work.Epsilon, rows, shape.Size, work.Halves == 2, job.Guidance,
                schedule.Coefficients(schedule.Count - 1 - i), work.Seeds, work.StepStreams, (ulong)i);
            progress?.Report(i + 1);
        }
        kernels.ClipJobsOver(work.Sample, work.LatentOffset, (long)job.Candidates * shape.Size, job.Jobs, DdimSampler.ClipTrigger, DdimSampler.ClipRange, work.Clipped);
    }

    private DeviceCandidates Decode(NetworkSet networks, DiffusionJob job, SamplerBuffers work, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        int steps = job.Schedule.Count;
        ModelSetConstants constants = networks.Models.Constants;
        LatentShape shape = job.Shape;
        int rows = job.Rows;
        int melFrames = shape.Frames * AudioGenerator.MelFramesPerLatentFrame;
        const int melBins = AudioGenerator.MelBins;
        int samples = checked(melFrames * constants.HopLength);
        long melValues = (long)rows * melFrames * melBins;

        using DeviceBuffer<float> latents = Context.Allocate<float>((long)rows * shape.Size);
        using DeviceBuffer<float> mel = Context.Allocate<float>(melValues);
        using DeviceBuffer<float> melByBin = Context.Allocate<float>(melValues);
        DeviceBuffer<float> waves = Context.Allocate<float>((long)rows * samples);
        try
        {
            kernels.Divide(work.Sample, work.LatentOffset, latents, (long)rows * shape.Size, constants.VaeScaleFactor);
            Bound(networks.Get(NetworkKind.VaeDecoder), NetworkContracts.VaeDecoder.Latent, tensors.Wrap(latents, 0, rows, shape.Channels, shape.Frames, shape.Bins),
                NetworkContracts.VaeDecoder.Mel, tensors.Wrap(mel, 0, rows, 1, melFrames, melBins), cancellationToken);
            progress?.Report(steps + 1);
            kernels.TransposeLastTwo(mel, melByBin, rows, melFrames, melBins);
            Bound(networks.Get(NetworkKind.Vocoder), NetworkContracts.Vocoder.Mel, tensors.Wrap(melByBin, 0, rows, melBins, melFrames),
                NetworkContracts.Vocoder.Wave, tensors.Wrap(waves, 0, rows, samples), cancellationToken);
            progress?.Report(steps + 2);

            float[] embeddings = [];
            if (networks.Models.Has(NetworkKind.ClapAudio))
            {
                int width = job.Unconditional.Length;
                ModelSession encoder = networks.Get(NetworkKind.ClapAudio);
                ClapAudioWindow window = ClapAudioWindow.Of(encoder);
                int windowLength = window.InputLength(samples);
                using DeviceBuffer<float>? fitted = window.Passes(samples) ? null : FitWindows(window, waves, rows, samples);
                using DeviceBuffer<float> clap = Context.Allocate<float>((long)rows * width);
                Bound(encoder, NetworkContracts.ClapAudio.Wave, tensors.Wrap(fitted ?? waves, 0, rows, windowLength),
                    NetworkContracts.ClapAudio.Embedding, tensors.Wrap(clap, 0, rows, width), cancellationToken);
                embeddings = clap.ToArray(Context.Stream);
                progress?.Report(steps + 3);
            }
            bool[] clipped = [.. work.Clipped.ToArray(Context.Stream).Select(flag => flag != 0)];
            return new DeviceCandidates(waves, rows, samples, clipped, embeddings);
        }
        catch
        {
            waves.Dispose();
            throw;
        }
    }

    /// <summary>Each waveform fitted to the CLAP encoder's window on the device, by the copies <see cref="ClapAudioWindow.Copies"/> plans.</summary>
    private DeviceBuffer<float> FitWindows(ClapAudioWindow window, DeviceBuffer<float> waves, int rows, int samples)
    {
        int length = window.InputLength(samples);
        DeviceBuffer<float> fitted = Context.Allocate<float>((long)rows * length);
        try
        {
            fitted.Clear(Context.Stream);
            for (int row = 0; row < rows; row++)
            {
                foreach (WindowCopy copy in window.Copies(samples))
                {
                    waves.CopyTo((long)row * samples + copy.Source, fitted, (long)row * length + copy.Destination, copy.Count, Context.Stream);
                }
            }
            return fitted;
        }
        catch
        {
            fitted.Dispose();
            throw;
        }
    }

    /// <summary>One bound run with one input and one output (both disposed here, before their buffers).</summary>
    private static void Bound(ModelSession session, TensorContract input, OrtValue inputValue, TensorContract output, OrtValue outputValue, CancellationToken cancellationToken)
    {
        using (inputValue)
        using (outputValue)
        {
            session.RunBound(binding =>
            {
                binding.BindInput(input.Name, inputValue);
                binding.BindOutput(output.Name, outputValue);
            }, cancellationToken);
        }
    }

    /// <summary>The sampler's device memory for one call: <see cref="SamplerLayout"/>'s arrays and the UNet's input and output.</summary>
    private sealed class SamplerBuffers : IDisposable
    {
        private readonly OwnedResources _owned = new();

        public SamplerBuffers(CudaContext context, SamplerLayout layout, LatentShape shape)
        {
            Halves = layout.Halves;
            Batch = layout.Batch;
            // The latents follow the unconditional copy.
            LatentOffset = (long)(Halves - 1) * layout.Rows * shape.Size;
            try
            {
                long values = (long)Batch * shape.Size;
                Sample = _owned.Own(context.Allocate<float>(values));
                Epsilon = _owned.Own(context.Allocate<float>(values));
                Clipped = _owned.Own(context.Allocate<int>(layout.Jobs));
                Conditioning = _owned.Own(context.Upload<float>(layout.Conditioning));
                Timesteps = _owned.Own(context.Upload<long>(layout.Timesteps));
                Seeds = _owned.Own(context.Upload<ulong>(layout.Seeds));
                InitialStreams = _owned.Own(context.Upload<ulong>(layout.InitialStreams));
                StepStreams = _owned.Own(context.Upload<ulong>(layout.StepStreams));
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public int Halves { get; }

        public int Batch { get; }

        public long LatentOffset { get; }

        public DeviceBuffer<float> Sample { get; } = null!;

        public DeviceBuffer<float> Epsilon { get; } = null!;

        public DeviceBuffer<float> Conditioning { get; } = null!;

        public DeviceBuffer<long> Timesteps { get; } = null!;

        public DeviceBuffer<ulong> Seeds { get; } = null!;

        public DeviceBuffer<ulong> InitialStreams { get; } = null!;

        public DeviceBuffer<ulong> StepStreams { get; } = null!;

        public DeviceBuffer<int> Clipped { get; } = null!;

        public void Dispose() => _owned.Dispose();
    }

    /// <summary>The decoded candidates in device memory; a waveform crosses to the host only when read.</summary>
    private sealed class DeviceCandidates(DeviceBuffer<float> waves, int rows, int samples, bool[] clipped, float[] embeddings)
        : DecodedCandidates(rows, samples, clipped, embeddings)
    {
        public override void ReadWave(int row, Span<float> destination)
        {
            CheckRead(row, destination.Length);
            waves.CopyTo((long)row * Samples, destination, waves.Context.Stream);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                waves.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
