using System.Diagnostics;
using EditToAudio.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace EditToAudio.Tests.Images;

/// <summary>
/// Bounded-time mutation fuzzing of the image entry point: seeded random mutations of small valid
/// PNG, JPEG, GIF, BMP and WebP files. Every outcome must be a loaded image within the limits or an
/// <see cref="ImageLoadException"/>; any other exception, or a case that does not finish, fails.
/// </summary>
public class ImageLoaderFuzzTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);
    private static readonly ImageLimits Limits = new(MaxPixels: 1_000_000, MaxFileBytes: 1_000_000);

    [Fact]
    public async Task Mutated_images_load_or_fail_with_ImageLoadException()
    {
        List<(string Name, byte[] Bytes)> seeds = Seeds();
        const int seed = 20260425;
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        int cases = 0, loaded = 0;
        var refusals = new Dictionary<ImageLoadFailure, int>();
        var decoderErrors = new Dictionary<string, int>(StringComparer.Ordinal);
        while (clock.Elapsed < Budget || cases < seeds.Count * 4)
        {
            (string name, byte[] original) = seeds[cases % seeds.Count];
            byte[] mutated = Mutate(random, original, out string mutation);
            string label = $"case {cases} (seed {seed}): {mutation} of {name}";
            Task<RgbImage> run = Task.Run(() => ImageLoader.Load(new MemoryStream(mutated), label, Limits), TestContext.Current.CancellationToken);
            try
            {
                RgbImage image = await run.WaitAsync(CaseTimeout, TestContext.Current.CancellationToken);
                Assert.True((long)image.Width * image.Height <= Limits.MaxPixels, $"{label}: {image} is above the pixel limit");
                Assert.Equal(3L * image.Width * image.Height, image.Pixels.LongLength);
                loaded++;
            }
            catch (TimeoutException)
            {
                Assert.Fail($"{label}: no result after {CaseTimeout.TotalSeconds} s (hang)");
            }
            catch (ImageLoadException refused)
            {
                Assert.Contains(label, refused.Message, StringComparison.Ordinal);
                refusals[refused.Failure] = refusals.GetValueOrDefault(refused.Failure) + 1;
                string cause = refused.InnerException?.GetType().Name ?? "(checked before decoding)";
                decoderErrors[cause] = decoderErrors.GetValueOrDefault(cause) + 1;
            }
            catch (Exception error) when (error is not Xunit.Sdk.IAssertionException)
            {
                Assert.Fail($"{label}: {error.GetType().FullName}: {error.Message}");
            }
            cases++;
        }
        string summary = $"{cases} cases: {loaded} loaded, refused " +
            string.Join(", ", refusals.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}")) +
            "; causes: " + string.Join(", ", decoderErrors.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value}"));
        TestContext.Current.SendDiagnosticMessage(summary);
        // A fuzzer that only ever hits one outcome is not exploring the decoders.
        Assert.True(loaded > 0 && refusals.Count > 0, summary);
    }

    private static List<(string, byte[])> Seeds()
    {
        var seeds = new List<(string, byte[])>();
        using var image = Image.LoadPixelData<Rgb24>(TestImages.Formula(24, 16).Pixels, 24, 16);
        void Encode(string name, Action<Stream> save)
        {
            using var stream = new MemoryStream();
            save(stream);
            seeds.Add((name, stream.ToArray()));
        }
        Encode("png", s => image.Save(s, new PngEncoder()));
        Encode("interlaced png", s => image.Save(s, new PngEncoder { InterlaceMethod = PngInterlaceMode.Adam7 }));
        Encode("jpeg", s => image.Save(s, new JpegEncoder { Quality = 80 }));
        Encode("gif", s => image.Save(s, new GifEncoder()));
        Encode("bmp", s => image.Save(s, new BmpEncoder()));
        Encode("lossy webp", s => image.Save(s, new WebpEncoder { FileFormat = WebpFileFormatType.Lossy }));
        Encode("lossless webp", s => image.Save(s, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }));
        foreach (string file in new[] { "two_frames_64x48.gif", "orientation6_96x64.jpg", "lossless_40x30.webp", "plain_50x40.bmp" })
        {
            seeds.Add((file, File.ReadAllBytes(TestImages.DataFile(file))));
        }
        return seeds;
    }

    private static readonly uint[] Interesting = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];

    private static byte[] Mutate(Random random, byte[] original, out string mutation)
    {
        byte[] bytes = (byte[])original.Clone();
        // Headers hold the sizes and lengths decoders trust: aim there more often.
        int Position(byte[] b) => random.Next(2) == 0 ? random.Next(Math.Min(b.Length, 64)) : random.Next(b.Length);
        switch (random.Next(6))
        {
            case 0:
                int flips = random.Next(1, 9);
                for (int i = 0; i < flips; i++)
                {
                    int at = Position(bytes);
                    bytes[at] ^= (byte)(1 << random.Next(8));
                }
                mutation = $"{flips} bit flips";
                return bytes;
            case 1:
                int count = random.Next(1, 9);
                for (int i = 0; i < count; i++)
                {
                    bytes[Position(bytes)] = (byte)random.Next(256);
                }
                mutation = $"{count} random bytes";
                return bytes;
            case 2:
                int field = Position(bytes);
                uint value = Interesting[random.Next(Interesting.Length)];
                for (int i = 0; i < 4 && field + i < bytes.Length; i++)
                {
                    bytes[field + i] = (byte)(value >> (8 * (random.Next(2) == 0 ? i : 3 - i)));
                }
                mutation = $"value 0x{value:X} at byte {field}";
                return bytes;
            case 3:
                int keep = random.Next(bytes.Length);
                mutation = $"truncation to {keep} bytes";
                return bytes[..keep];
            case 4:
                int from = random.Next(bytes.Length);
                int length = random.Next(1, Math.Min(64, bytes.Length - from) + 1);
                int to = random.Next(bytes.Length);
                mutation = $"{length} bytes from {from} repeated at {to}";
                return [.. bytes[..to], .. bytes.AsSpan(from, length), .. bytes[to..]];
            default:
                int start = random.Next(bytes.Length);
                int remove = random.Next(1, Math.Min(32, bytes.Length - start) + 1);
                mutation = $"{remove} bytes removed at {start}";
                return [.. bytes[..start], .. bytes[(start + remove)..]];
        }
    }
}
