using EditToAudio.Audio;
using EditToAudio.Backends;
using EditToAudio.Editing;
using EditToAudio.Images;
using EditToAudio.Networks;

namespace EditToAudio.Tests.Support;

/// <summary>
/// The CPU backend under another name, counting every stage call and the items it was given, and the
/// waveforms read back: with host memory, it shows which work goes through a backend.
/// </summary>
internal sealed class RecordingBackend(string name = "recording") : ComputeBackend
{
    private readonly CpuBackend _cpu = new();
    private readonly Lock _gate = new();

    public override string Name => name;

    /// <summary>Calls per stage: "segment", "encode", "edit", "map", "sample".</summary>
    public Dictionary<string, int> Calls { get; } = [];

    /// <summary>Items per stage: prompts, images, edit jobs, mapping rows, clips.</summary>
    public Dictionary<string, int> Items { get; } = [];

    /// <summary>The candidate rows whose waveforms were read back.</summary>
    public List<int> RowsRead { get; } = [];

    /// <summary>Whether every sampled result was disposed.</summary>
    public bool CandidatesDisposed { get; private set; }

    public override IReadOnlyList<EditResult[]> Edit(IReadOnlyList<EditJob> jobs, CancellationToken cancellationToken = default)
    {
        Count("edit", jobs.Count);
        return _cpu.Edit(jobs, cancellationToken);
    }

    protected override NetworkOptions NetworkOptions(int intraOpThreads) => new(ExecutionProvider.Cpu, IntraOpThreads: intraOpThreads);

    protected internal override IReadOnlyList<SegmentationResult> Segment(NetworkSet networks, RgbImage image, IReadOnlyList<SegmentationPrompt> prompts, CancellationToken cancellationToken)
    {
        Count("segment", prompts.Count);
        return _cpu.Segment(networks, image, prompts, cancellationToken);
    }

    protected internal override float[] EncodeImages(NetworkSet networks, IReadOnlyList<RgbImage> images, CancellationToken cancellationToken)
    {
        Count("encode", images.Count);
        return _cpu.EncodeImages(networks, images, cancellationToken);
    }

    protected internal override float[] Map(NetworkSet networks, float[] clip, IReadOnlyList<MappingKey> keys, int varSamples, CancellationToken cancellationToken)
    {
        Count("map", keys.Count);
        return _cpu.Map(networks, clip, keys, varSamples, cancellationToken);
    }

    protected internal override DecodedCandidates Sample(NetworkSet networks, DiffusionJob job, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        Count("sample", job.Jobs);
        return new Recorded(_cpu.Sample(networks, job, progress, cancellationToken), this);
    }

    public int CallsOf(string stage)
    {
        lock (_gate)
        {
            return Calls.GetValueOrDefault(stage);
        }
    }

    public int ItemsOf(string stage)
    {
        lock (_gate)
        {
            return Items.GetValueOrDefault(stage);
        }
    }

    private void Count(string stage, int items)
    {
        lock (_gate)
        {
            Calls[stage] = Calls.GetValueOrDefault(stage) + 1;
            Items[stage] = Items.GetValueOrDefault(stage) + items;
        }
    }

    private sealed class Recorded(DecodedCandidates inner, RecordingBackend owner) : DecodedCandidates(inner.Rows, inner.Samples, [.. inner.Clipped], inner.ClapEmbeddings)
    {
        public override void ReadWave(int row, Span<float> destination)
        {
            lock (owner._gate)
            {
                owner.RowsRead.Add(row);
            }
            inner.ReadWave(row, destination);
        }

        protected override void Dispose(bool disposing)
        {
            inner.Dispose();
            owner.CandidatesDisposed = true;
            base.Dispose(disposing);
        }
    }
}
