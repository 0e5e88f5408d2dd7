using EditToAudio.Batch;

namespace EditToAudio.Tests.Batch;

public class ShardTests
{
    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    [InlineData(" 1 / 2 ", 1, 2)]
    public void Slices_parse_zero_based(string text, int index, int count) =>
        Assert.Equal(new ShardSpec(index, count), ShardSpec.Parse(text));

    [Theory]
    [InlineData("4/4")]
    [InlineData("1/0")]
    [InlineData("-1/3")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    public void Bad_slices_are_refused(string text) => Assert.Throws<FormatException>(() => ShardSpec.Parse(text));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void The_slices_cover_every_id_exactly_once_and_do_not_depend_on_order(int count)
    {
        string[] ids = [.. Enumerable.Range(0, 500).Select(i => $"pair-{i:D4}")];
        int[] owners = [.. ids.Select(id => Enumerable.Range(0, count).Count(i => new ShardSpec(i, count).Contains(id)))];
        Assert.All(owners, o => Assert.Equal(1, o));
        // Deterministic and reasonably balanced: no slice gets less than half its share.
        int[] sizes = [.. Enumerable.Range(0, count).Select(i => ids.Count(id => ShardSpec.SliceOf(id, count) == i))];
        Assert.All(sizes, size => Assert.True(size >= ids.Length / count / 2, $"slice sizes {string.Join(", ", sizes)}"));
        Assert.Equal(ids.Select(id => ShardSpec.SliceOf(id, count)), ids.Reverse().Select(id => ShardSpec.SliceOf(id, count)).Reverse());
    }

    // Computed outside .NET: int.from_bytes(sha256(id)[:8], "little") % N, so any node, any platform cuts the same slices.
    [Theory]
    [InlineData("pair-0001", 7, 2)]
    [InlineData("pair-0001", 1000, 627)]
    [InlineData("a", 1000, 690)]
    [InlineData("cat.duck", 1000, 449)]
    public void The_slice_is_the_documented_hash_of_the_id(string id, int count, int expected) =>
        Assert.Equal(expected, ShardSpec.SliceOf(id, count));
}
