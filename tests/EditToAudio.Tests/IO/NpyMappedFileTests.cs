using EditToAudio.IO;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.IO;

/// <summary>
/// The memory-mapped reader against <see cref="Npy.Read(string)"/>: the same elements for every fixture,
/// used in place exactly where the layout is the machine's, converted everywhere else.
/// </summary>
public class NpyMappedFileTests
{
    [Theory]
    [InlineData("f4_2x3.npy", true)]
    [InlineData("f4_2x3_v2.npy", true)]
    [InlineData("f4_2x3_v3.npy", true)]
    [InlineData("f4_batch_2x4x5.npy", true)]
    [InlineData("f4_scalar.npy", true)]
    [InlineData("b1_3x4.npy", true)]
    [InlineData("b1_batch_2x4x5.npy", true)]
    [InlineData("u1_10.npy", true)]
    [InlineData("f4be_2x3.npy", false)]          // byte order: swapped on reading
    [InlineData("f4_fortran_2x3x4.npy", false)]  // Fortran order: reordered
    [InlineData("f2_3x4.npy", false)]            // float16: widened
    [InlineData("f8be_fortran_3x2.npy", false)]
    [InlineData("f4_2x0x3.npy", false)]          // no data to map
    public void Gives_the_elements_npy_read_gives_in_place_only_for_the_native_layout(string name, bool inPlace)
    {
        string path = NpyFixtures.PathOf(name);
        NpyArray expected = Npy.Read(path);
        using NpyMappedFile mapped = NpyMappedFile.Open(path);

        Assert.Equal(inPlace, mapped.InPlace);
        Assert.Equal(expected.DType, mapped.DType);
        Assert.Equal(expected.Shape, mapped.Shape);
        Assert.Equal(expected.ShapeText, mapped.ShapeText);
        Assert.Equal(expected.ToSingle(), mapped.AsSingles().ToArray());
        if (expected.DType is NpyDType.Bool or NpyDType.UInt8)
        {
            Assert.Equal(expected.ToBytes(), mapped.AsBytes().ToArray());
        }
        else
        {
            Assert.Throws<NpyFormatException>(() => mapped.AsBytes());
        }
    }

    [Fact]
    public void A_bool_array_with_other_nonzero_bytes_is_read_as_numpy_does()
    {
        // NumPy reads any non-zero byte as True; the mapped bytes would not be 0/1, so they are converted.
        using var folder = new TemporaryFolder();
        byte[] bytes = NpyFixtures.Bytes("b1_3x4.npy");
        bytes[^1] = 7;
        File.WriteAllBytes(folder.File("b.npy"), bytes);

        using NpyMappedFile mapped = NpyMappedFile.Open(folder.File("b.npy"));
        Assert.False(mapped.InPlace);
        Assert.Equal(1, mapped.AsBytes().Span[^1]);
        Assert.Equal(Npy.Read(folder.File("b.npy")).ToBytes(), mapped.AsBytes().ToArray());
    }

    [Fact]
    public void A_truncated_file_is_refused_with_its_path()
    {
        using var folder = new TemporaryFolder();
        byte[] bytes = NpyFixtures.Bytes("f4_batch_2x4x5.npy");
        File.WriteAllBytes(folder.File("cut.npy"), bytes[..^4]);

        var error = Assert.Throws<NpyFormatException>(() => NpyMappedFile.Open(folder.File("cut.npy")));
        Assert.Contains("cut.npy", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mapped_memory_is_not_handed_out_after_disposal()
    {
        NpyMappedFile mapped = NpyMappedFile.Open(NpyFixtures.PathOf("f4_2x3.npy"));
        Assert.Equal(6, mapped.AsSingles().Length);
        mapped.Dispose();
        Assert.Throws<ObjectDisposedException>(() => mapped.AsSingles());
        mapped.Dispose();
    }
}
