using System.Buffers.Binary;
using EditToAudio.IO;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.IO;

/// <summary>
/// NumPy cannot run in CI, so "NumPy reads what we write" is checked by writing the same data
/// NumPy wrote into the fixtures and comparing every byte.
/// </summary>
public sealed class NpyWriteTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Builds, from the script's formulas alone, the array NumPy saved into a fixture.</summary>
    private static NpyArray FromFormula(NpyDType dtype, int[] shape, string family)
    {
        long count = shape.Aggregate(1L, (product, d) => product * d);
        double[] values = NpyFixtures.ExpectedValues(family, count);
        return dtype switch
        {
            NpyDType.Float32 => NpyArray.FromSingle(values.Select(v => (float)v).ToArray(), shape),
            NpyDType.Float64 => NpyArray.FromDouble(values, shape),
            NpyDType.Float16 => NpyArray.FromHalf(values.Select(v => (Half)v).ToArray(), shape),
            NpyDType.Int64 => NpyArray.FromInt64(values.Select(v => (long)v).ToArray(), shape),
            _ => NpyArray.FromBytes(values.Select(v => (byte)v).ToArray(), dtype, shape),
        };
    }

    [Theory]
    [InlineData("f4_2x3.npy", NpyDType.Float32, new[] { 2, 3 }, "ramp")]
    [InlineData("f2_3x4.npy", NpyDType.Float16, new[] { 3, 4 }, "ramp")]
    [InlineData("f8_2x3.npy", NpyDType.Float64, new[] { 2, 3 }, "thirds")]
    [InlineData("b1_3x4.npy", NpyDType.Bool, new[] { 3, 4 }, "mask")]
    [InlineData("u1_10.npy", NpyDType.UInt8, new[] { 10 }, "u1")]
    [InlineData("i8_3.npy", NpyDType.Int64, new[] { 3 }, "count")]
    [InlineData("f4_scalar.npy", NpyDType.Float32, new int[0], "scalar")]
    [InlineData("f4_2x0x3.npy", NpyDType.Float32, new[] { 2, 0, 3 }, "ramp")]
    [InlineData("f4_0.npy", NpyDType.Float32, new[] { 0 }, "ramp")]
    [InlineData("f4_batch_2x4x5.npy", NpyDType.Float32, new[] { 2, 4, 5 }, "ramp")]
    [InlineData("b1_batch_2x4x5.npy", NpyDType.Bool, new[] { 2, 4, 5 }, "mask")]
    [InlineData("f4_3x1x15.npy", NpyDType.Float32, new[] { 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, "ramp")]
    public void Written_bytes_equal_what_numpy_saved(string name, NpyDType dtype, int[] shape, string family)
    {
        string path = _folder.File(name);

        Npy.Write(path, FromFormula(dtype, shape, family));

        ExactAssert.SameBytes(NpyFixtures.Bytes(name), File.ReadAllBytes(path), name);
    }

    [Theory]
    [InlineData("f4_2x3.npy", new[] { 2, 3 })]
    [InlineData("f4_scalar.npy", new int[0])]
    [InlineData("f4_2x0x3.npy", new[] { 2, 0, 3 })]
    [InlineData("f4_batch_2x4x5.npy", new[] { 2, 4, 5 })]
    public void Span_overload_writes_the_same_bytes_as_numpy(string name, int[] shape)
    {
        float[] data = Npy.Read(NpyFixtures.PathOf(name)).ToSingle();
        string path = _folder.File(name);

        Npy.Write(path, data, shape);

        ExactAssert.SameBytes(NpyFixtures.Bytes(name), File.ReadAllBytes(path), name);
    }

    [Theory]
    [InlineData("f4_2x3_v2.npy", "f4_2x3.npy")]
    [InlineData("f4_2x3_v3.npy", "f4_2x3.npy")]
    [InlineData("f4be_2x3.npy", "f4_2x3.npy")]
    [InlineData("f8be_2x3.npy", "f8_2x3.npy")]
    [InlineData("f2be_3x4.npy", "f2_3x4.npy")]
    public void Other_versions_and_byte_orders_are_rewritten_as_numpy_default_files(string input, string canonical)
    {
        var written = new MemoryStream();

        Npy.Write(written, Npy.Read(NpyFixtures.PathOf(input)));

        ExactAssert.SameBytes(NpyFixtures.Bytes(canonical), written.ToArray(), $"{input} rewritten");
    }

    [Fact]
    public void Fortran_order_is_rewritten_in_c_order()
    {
        NpyArray fortran = Npy.Read(NpyFixtures.PathOf("f4_fortran_2x3x4.npy"));
        var written = new MemoryStream();

        Npy.Write(written, fortran);

        var expected = new MemoryStream();
        Npy.Write(expected, FromFormula(NpyDType.Float32, [2, 3, 4], "ramp"));
        ExactAssert.SameBytes(expected.ToArray(), written.ToArray(), "Fortran fixture rewritten");
        Assert.Contains("'fortran_order': False", System.Text.Encoding.ASCII.GetString(written.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_too_long_for_format_1_is_written_as_format_2_and_reads_back()
    {
        // 30 000 unit axes make a header of about 90 kB, more than format 1.0's 65535 bytes.
        int[] shape = Enumerable.Repeat(1, 30_000).ToArray();
        var written = new MemoryStream();

        Npy.Write(written, NpyArray.FromSingle([2.5f], shape));

        byte[] bytes = written.ToArray();
        Assert.Equal(2, bytes[6]);
        Assert.Equal(0, bytes[7]);
        uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0u, (12 + headerLength) % 64);
        NpyArray back = Npy.Read(new MemoryStream(bytes), "long-header");
        Assert.Equal(shape, back.Shape);
        Assert.Equal([2.5f], back.ToSingle());
    }

    [Fact]
    public void Arrays_spanning_several_write_windows_are_written_whole()
    {
        const int Count = 2 * (1 << 20) + 7;
        double[] data = Enumerable.Range(0, Count).Select(i => i / 3.0).ToArray();
        string path = _folder.File("large.npy");

        Npy.Write(path, NpyArray.FromDouble(data, Count));

        Assert.Equal(128 + Count * 8L, new FileInfo(path).Length);
        ExactAssert.Equal(data, Npy.Read(path).ToDouble(), "large.npy");
    }

    [Fact]
    public void Writing_replaces_an_existing_file()
    {
        string path = _folder.File("out.npy");
        Npy.Write(path, NpyArray.FromSingle([1f, 2f], 2));

        Npy.Write(path, [3f], [1]);

        Assert.Equal([3f], Npy.Read(path).ToSingle());
        Assert.Equal(["out.npy"], _folder.Files());
    }

    [Fact]
    public void A_shape_that_does_not_match_the_data_leaves_no_file()
    {
        string path = _folder.File("out.npy");

        var error = Assert.Throws<ArgumentException>(() => Npy.Write(path, [1f, 2f, 3f], [2, 2]));

        Assert.Contains("Shape (2, 2) holds 4 elements but the data has 3", error.Message, StringComparison.Ordinal);
        Assert.Empty(_folder.Files());
    }

    [Fact]
    public void A_write_that_fails_at_the_rename_leaves_no_file_behind()
    {
        // The target is a folder, so the final rename fails after the data was written to the temporary file.
        string target = _folder.File("taken.npy");
        Directory.CreateDirectory(target);

        Assert.ThrowsAny<IOException>(() => Npy.Write(target, NpyArray.FromSingle([1f, 2f], 2)));

        Assert.Empty(_folder.Files()); // no temporary file beside the folder …
        Assert.Empty(Directory.GetFileSystemEntries(target)); // … nor inside it
    }

    [Fact]
    public void In_memory_arrays_check_their_arguments()
    {
        Assert.Throws<ArgumentException>(() => NpyArray.FromSingle([1f, 2f], 3));
        Assert.Throws<ArgumentException>(() => NpyArray.FromSingle([], -1));
        Assert.Throws<ArgumentException>(() => NpyArray.FromBytes([0, 2], NpyDType.Bool, 2));
        Assert.Throws<ArgumentException>(() => NpyArray.FromBytes([0, 1], NpyDType.Float32, 2));
        Assert.Throws<ArgumentException>(() => NpyArray.FromSingle([], 65536, 65536, 0, -1));
        Assert.Equal(NpyArray.InMemorySource, NpyArray.FromSingle([1f]).Source);
    }

    [Fact]
    public void In_memory_arrays_copy_their_input()
    {
        float[] data = [1f, 2f];
        NpyArray array = NpyArray.FromSingle(data, 2);

        data[0] = 42;

        Assert.Equal([1f, 2f], array.ToSingle());
    }
}
