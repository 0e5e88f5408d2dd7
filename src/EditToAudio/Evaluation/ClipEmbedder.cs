using System.Globalization;
using System.Security.Cryptography;
using EditToAudio.Audio;
using EditToAudio.Batch;
using EditToAudio.Networks;

namespace EditToAudio.Evaluation;

/// <summary>The CLAP audio embeddings of a set of clip files.</summary>
internal sealed class ClipEmbeddings
{
    /// <summary>Row of each readable file's embedding in <see cref="Values"/>; files with equal bytes share a row.</summary>
    public Dictionary<string, int> RowOf { get; } = new(StringComparer.Ordinal);

    /// <summary>The distinct clips' embeddings, row-major [rows, 512].</summary>
    public List<float> Values { get; } = [];

    /// <summary>The files of each row, in the order they were met.</summary>
    public List<List<string>> FilesOf { get; } = [];

    /// <summary>Why each unusable file could not be embedded.</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>CLAP audio network calls made.</summary>
    public int Calls { get; set; }

    /// <summary>Most clips in one call.</summary>
    public int ClipsPerCall { get; set; }

    /// <summary>Seconds spent reading and decoding files.</summary>
    public double ReadSeconds { get; set; }

    /// <summary>Seconds spent in the network.</summary>
    public double NetworkSeconds { get; set; }

    /// <summary>The embedding of <paramref name="file"/>.</summary>
    public ReadOnlySpan<float> Of(string file) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Values).Slice(RowOf[file] * ClapAudioEncoder.Width, ClapAudioEncoder.Width);
}

/// <summary>
/// Turns clip files into CLAP audio embeddings with the model set's <c>clap_audio</c> network, many
/// clips per call: files are read (in parallel, the next chunk while the network runs on this one),
/// files with identical bytes (a sweep's copies of one baseline) are embedded once, and clips of
/// equal length go through the network together.
/// </summary>
internal sealed class ClipEmbedder(NetworkSet networks, int? clipsPerCall = null)
{
    /// <summary>Bytes one clip is assumed to take in a call: its samples, weighted 256× for the network's activations.</summary>
    public static long BytesPerClip(long samples) => samples * sizeof(float) * 256;

    public ClipEmbeddings Embed(IReadOnlyList<string> files, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var result = new ClipEmbeddings();
        if (files.Count == 0)
        {
            return result;
        }
        int sampleRate = networks.Models.Constants.SampleRate;
        int perCall = clipsPerCall ?? BatchSizing.ItemsPerBatch(BytesPerClip(EstimatedSamples(files[0])), EvaluationOptions.MaxClipsPerCall);
        var byHash = new Dictionary<string, int>(StringComparer.Ordinal);
        string[][] chunks = [.. files.Chunk(perCall)];
        Task<Decoded[]> next = Task.Run(() => Read(chunks[0], sampleRate, cancellationToken), cancellationToken);
        int done = 0;
        for (int c = 0; c < chunks.Length; c++)
        {
            Decoded[] chunk = next.GetAwaiter().GetResult();
            if (c + 1 < chunks.Length)
            {
                string[] following = chunks[c + 1];
                next = Task.Run(() => Read(following, sampleRate, cancellationToken), cancellationToken);
            }
            result.ReadSeconds += chunk.Sum(d => d.Seconds);
            var fresh = new List<Decoded>();
            foreach (Decoded clip in chunk)
            {
                if (clip.Error is not null)
                {
                    result.Errors[clip.File] = clip.Error;
                }
                else if (byHash.TryGetValue(clip.Sha256!, out int row))
                {
                    result.RowOf[clip.File] = row;
                    result.FilesOf[row].Add(clip.File);
                }
                else if (fresh.FirstOrDefault(f => f.Sha256 == clip.Sha256) is { } twin)
                {
                    twin.Twins.Add(clip.File);
                }
                else
                {
                    fresh.Add(clip);
                }
            }
            foreach (var group in fresh.GroupBy(f => f.Samples!.Length))
            {
                Decoded[] members = [.. group];
                var started = System.Diagnostics.Stopwatch.StartNew();
                float[] embeddings = ClapAudioEncoder.Embed(networks, [.. members.SelectMany(m => m.Samples!)], members.Length, group.Key, cancellationToken);
                result.NetworkSeconds += started.Elapsed.TotalSeconds;
                result.Calls++;
                result.ClipsPerCall = Math.Max(result.ClipsPerCall, members.Length);
                for (int m = 0; m < members.Length; m++)
                {
                    ReadOnlySpan<float> embedding = embeddings.AsSpan(m * ClapAudioEncoder.Width, ClapAudioEncoder.Width);
                    int bad = FirstNonFinite(embedding);
                    if (bad >= 0)
                    {
                        foreach (string file in members[m].Twins.Prepend(members[m].File))
                        {
                            result.Errors[file] = string.Create(CultureInfo.InvariantCulture, $"the clap_audio network returned {embedding[bad]} for {file} (element {bad})");
                        }
                        continue;
                    }
                    int row = result.FilesOf.Count;
                    result.Values.AddRange(embedding);
                    result.FilesOf.Add([members[m].File, .. members[m].Twins]);
                    byHash[members[m].Sha256!] = row;
                    foreach (string file in result.FilesOf[row])
                    {
                        result.RowOf[file] = row;
                    }
                }
            }
            done += chunk.Length;
            progress?.Report(done);
        }
        return result;
    }

    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Samples of a mono WAV of the first file's size, at 16 bits a sample (the most a file of that size can hold): an estimate for sizing the calls.</summary>
    private static long EstimatedSamples(string file)
    {
        try
        {
            return Math.Max(new FileInfo(file).Length / sizeof(short), 1);
        }
        catch (IOException)
        {
            return 1;
        }
    }

    private static Decoded[] Read(string[] files, int sampleRate, CancellationToken cancellationToken)
    {
        var decoded = new Decoded[files.Length];
        Parallel.For(0, files.Length, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            string file = files[i];
            try
            {
                byte[] bytes = File.ReadAllBytes(file);
                (float[] samples, int rate) = WaveFile.Read(new MemoryStream(bytes, writable: false), file);
                decoded[i] = rate != sampleRate
                    ? new Decoded(file, null, null, string.Create(CultureInfo.InvariantCulture, $"{file} is sampled at {rate} Hz; the model set's clap_audio network takes {sampleRate} Hz"))
                    : samples.Length == 0
                        ? new Decoded(file, null, null, $"{file} holds no samples")
                        : new Decoded(file, Convert.ToHexStringLower(SHA256.HashData(bytes)), samples, null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                decoded[i] = new Decoded(file, null, null, e is FileNotFoundException or DirectoryNotFoundException ? $"{file} is missing" : e.Message);
            }
            decoded[i].Seconds = started.Elapsed.TotalSeconds;
        });
        return decoded;
    }

    private sealed class Decoded(string file, string? sha256, float[]? samples, string? error)
    {
        public string File { get; } = file;

        public string? Sha256 { get; } = sha256;

        public float[]? Samples { get; } = samples;

        public string? Error { get; } = error;

        public List<string> Twins { get; } = [];

        public double Seconds { get; set; }
    }
}
