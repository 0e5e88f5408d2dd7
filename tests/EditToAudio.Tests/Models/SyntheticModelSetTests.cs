using EditToAudio.Models;
using EditToAudio.SyntheticModels;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Models;

public class SyntheticModelSetTests
{
    [Fact]
    public void Every_synthetic_network_satisfies_its_contract()
    {
        var set = SyntheticSet.Load();
        Assert.True(set.IsSynthetic);
        Assert.All(NetworkContracts.All, c => Assert.True(set.Has(c.Kind), $"synthetic set lacks {c.Key}"));
        var problems = ContractChecker.CheckSet(set, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Generation_is_deterministic_byte_for_byte_and_matches_the_bundled_set()
    {
        using var first = new TemporaryFolder();
        using var second = new TemporaryFolder();
        SyntheticModelSet.Generate(first.Path, cancellationToken: TestContext.Current.CancellationToken);
        SyntheticModelSet.Generate(second.Path, cancellationToken: TestContext.Current.CancellationToken);
        var bundled = SyntheticSet.Load().Folder;
        string[] names = [.. Directory.GetFiles(first.Path).Select(Path.GetFileName).Order()!];
        Assert.Equal(names, Directory.GetFiles(second.Path).Select(Path.GetFileName).Order());
        foreach (string name in names)
        {
            byte[] a = File.ReadAllBytes(Path.Combine(first.Path, name));
            Assert.True(a.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(second.Path, name))), $"{name} differs between two generations");
            Assert.True(a.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(bundled, name))), $"{name} differs from the bundled models/synthetic (regenerate it with `dotnet pwsh build.ps1 models`)");
        }
        long total = names.Sum(n => new FileInfo(Path.Combine(first.Path, n)).Length);
        Assert.InRange(total, 100_000, 8_000_000);
    }

    [Fact]
    public void Different_seeds_give_different_weights()
    {
        using var a = new TemporaryFolder();
        using var b = new TemporaryFolder();
        SyntheticModelSet.Generate(a.Path, seed: 1, cancellationToken: TestContext.Current.CancellationToken);
        SyntheticModelSet.Generate(b.Path, seed: 2, cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(File.ReadAllBytes(Path.Combine(a.Path, "clip_tokens.onnx")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b.Path, "clip_tokens.onnx"))));
    }
}
