using EditToAudio.Cuda.Compilation;

namespace EditToAudio.Cuda.Tests.Compilation;

public sealed class KernelCacheTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "e2a-kernel-cache-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void Second_request_is_a_hit_with_identical_bytes()
    {
        var compiler = new CachedKernelCompiler(Nvrtc.RequireCompiler(), new KernelCache(_folder));
        var target = new KernelTarget(80, KernelImageKind.Ptx);

        KernelImage first = compiler.GetImage(KernelSources.Get("random.cu"), target, null, out bool firstFromCache);
        KernelImage second = compiler.GetImage(KernelSources.Get("random.cu"), target, null, out bool secondFromCache);

        Assert.False(firstFromCache);
        Assert.True(secondFromCache);
        Assert.Equal(first.Data, second.Data);
        Assert.Single(Directory.GetFiles(_folder));
    }

    [Fact]
    public void Changed_options_or_target_are_misses()
    {
        var compiler = new CachedKernelCompiler(Nvrtc.RequireCompiler(), new KernelCache(_folder));
        KernelSource source = KernelSources.Get("diffusion.cu");

        compiler.GetImage(source, new KernelTarget(80, KernelImageKind.Ptx), null, out _);
        compiler.GetImage(source, new KernelTarget(80, KernelImageKind.Ptx), ["--fmad=false"], out bool otherOptions);
        compiler.GetImage(source, new KernelTarget(90, KernelImageKind.Ptx), null, out bool otherTarget);

        Assert.False(otherOptions);
        Assert.False(otherTarget);
        Assert.Equal(3, Directory.GetFiles(_folder).Length);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("flipped payload byte")]
    [InlineData("garbage")]
    [InlineData("empty")]
    public void Damaged_entry_is_a_miss_and_is_replaced(string damage)
    {
        var compiler = new CachedKernelCompiler(Nvrtc.RequireCompiler(), new KernelCache(_folder));
        var target = new KernelTarget(80, KernelImageKind.Ptx);
        // A file whose PTX NVRTC reproduces byte for byte (the Philox files do not), so the replacement can be compared.
        KernelSource source = KernelSources.Get("image.cu");
        KernelImage original = compiler.GetImage(source, target, null, out _);
        string file = Assert.Single(Directory.GetFiles(_folder));
        byte[] bytes = File.ReadAllBytes(file);
        byte[] damaged = damage switch
        {
            "truncated" => bytes[..(bytes.Length / 2)],
            "flipped payload byte" => Flip(bytes, bytes.Length - 10),
            "garbage" => [.. Enumerable.Range(0, 300).Select(i => (byte)i)],
            _ => [],
        };
        File.WriteAllBytes(file, damaged);

        KernelImage again = compiler.GetImage(source, target, null, out bool fromCache);
        KernelImage third = compiler.GetImage(source, target, null, out bool thirdFromCache);

        Assert.False(fromCache);
        Assert.Equal(original.Data, again.Data);
        Assert.True(thirdFromCache);
        Assert.Equal(original.Data, third.Data);
    }

    [Fact]
    public void Unreadable_entry_is_a_miss()
    {
        var cache = new KernelCache(_folder);
        // A folder where the entry's file should be: reading it fails with an I/O error, not "not found".
        Directory.CreateDirectory(cache.PathFor("abcd"));

        Assert.Null(cache.TryRead("abcd"));
    }

    [Fact]
    public void Unwritable_cache_still_returns_the_compiled_image_and_says_why()
    {
        // The cache folder's path is taken by a file, so no entry can be stored.
        File.WriteAllText(_folder, "not a folder");
        try
        {
            var compiler = new CachedKernelCompiler(Nvrtc.RequireCompiler(), new KernelCache(_folder));

            KernelImage image = compiler.GetImage(KernelSources.Get("random.cu"), new KernelTarget(80, KernelImageKind.Ptx), null, out bool fromCache);

            Assert.False(fromCache);
            Assert.Equal(0, image.Data[^1]);
            Assert.Contains("random.cu", compiler.CacheWriteError, StringComparison.Ordinal);
            Assert.Contains(_folder, compiler.CacheWriteError, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(_folder);
        }
    }

    [Fact]
    public void Entry_stored_under_another_key_is_a_miss()
    {
        var cache = new KernelCache(_folder);
        cache.Write("aaaa", [1, 2, 3]);
        File.Copy(cache.PathFor("aaaa"), cache.PathFor("bbbb"));

        Assert.Equal([1, 2, 3], cache.TryRead("aaaa"));
        Assert.Null(cache.TryRead("bbbb"));
        Assert.Null(cache.TryRead("cccc"));
    }

    [Fact]
    public void Key_changes_with_each_input()
    {
        var source = new KernelSource("a.cu", "x");
        var header = new KernelSource("h.cuh", "y");
        var target = new KernelTarget(80, KernelImageKind.Cubin);
        string baseline = KernelCache.Key(source, [header], ["-a"], "11.8", target, "0.1.0");

        string[] variants =
        [
            KernelCache.Key(source with { Text = "x " }, [header], ["-a"], "11.8", target, "0.1.0"),
            KernelCache.Key(source, [header with { Text = "z" }], ["-a"], "11.8", target, "0.1.0"),
            KernelCache.Key(source, [header], ["-b"], "11.8", target, "0.1.0"),
            KernelCache.Key(source, [header], ["-a"], "12.0", target, "0.1.0"),
            KernelCache.Key(source, [header], ["-a"], "11.8", target with { Architecture = 90 }, "0.1.0"),
            KernelCache.Key(source, [header], ["-a"], "11.8", target with { Kind = KernelImageKind.Ptx }, "0.1.0"),
            KernelCache.Key(source, [header], ["-a"], "11.8", target, "0.2.0"),
        ];

        Assert.Equal(baseline, KernelCache.Key(source, [header], ["-a"], "11.8", target, "0.1.0"));
        // A header's two fields must not read as two options.
        Assert.NotEqual(KernelCache.Key(source, [header], [], "11.8", target, "0.1.0"),
            KernelCache.Key(source, [], [header.Name, header.Text], "11.8", target, "0.1.0"));
        Assert.Equal(variants.Length + 1, variants.Append(baseline).Distinct().Count());
    }

    private static byte[] Flip(byte[] bytes, int index)
    {
        byte[] copy = [.. bytes];
        copy[index] ^= 0x5a;
        return copy;
    }
}
