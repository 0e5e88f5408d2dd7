using System.Text;
using EditToAudio.IO;

namespace EditToAudio.Tests.IO;

public class NpyReadTests
{
    [Theory]
    [InlineData("f4_2x3.npy", NpyDType.Float32, new[] { 2, 3 }, "ramp")]
    [InlineData("f2_3x4.npy", NpyDType.Float16, new[] { 3, 4 }, "ramp")]
    [InlineData("f8_2x3.npy", NpyDType.Float64, new[] { 2, 3 }, "thirds")]
    [InlineData("b1_3x4.npy", NpyDType.Bool, new[] { 3, 4 }, "mask")]
    [InlineData("u1_10.npy", NpyDType.UInt8, new[] { 10 }, "u1")]
    [InlineData("f4_2x3_v2.npy", NpyDType.Float32, new[] { 2, 3 }, "ramp")]
    [InlineData("f4_2x3_v3.npy", NpyDType.Float32, new[] { 2, 3 }, "ramp")]
    [InlineData("f4be_2x3.npy", NpyDType.Float32, new[] { 2, 3 }, "ramp")]
    [InlineData("f8be_2x3.npy", NpyDType.Float64, new[] { 2, 3 }, "thirds")]
    [InlineData("f2be_3x4.npy", NpyDType.Float16, new[] { 3, 4 }, "ramp")]
    [InlineData("f4_fortran_2x3x4.npy", NpyDType.Float32, new[] { 2, 3, 4 }, "ramp")]
    [InlineData("f8be_fortran_3x2.npy", NpyDType.Float64, new[] { 3, 2 }, "thirds")]
    [InlineData("f4_scalar.npy", NpyDType.Float32, new int[0], "scalar")]
    [InlineData("f4_2x0x3.npy", NpyDType.Float32, new[] { 2, 0, 3 }, "ramp")]
    [InlineData("f4_0.npy", NpyDType.Float32, new[] { 0 }, "ramp")]
    [InlineData("f4_batch_2x4x5.npy", NpyDType.Float32, new[] { 2, 4, 5 }, "ramp")]
    [InlineData("b1_batch_2x4x5.npy", NpyDType.Bool, new[] { 2, 4, 5 }, "mask")]
    [InlineData("f4_3x1x15.npy", NpyDType.Float32, new[] { 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, "ramp")]
    public void Reads_numpy_fixture_with_exact_values(string name, NpyDType dtype, int[] shape, string family)
    {
        string path = NpyFixtures.PathOf(name);

        NpyArray array = Npy.Read(path);

        Assert.Equal(dtype, array.DType);
        Assert.Equal(shape, array.Shape);
        long count = shape.Aggregate(1L, (product, d) => product * d);
        Assert.Equal(count, array.Length);
        Assert.Equal(path, array.Source);
        double[] expected = NpyFixtures.ExpectedValues(family, count);
        ExactAssert.Equal(expected, array.ToDouble(), $"{name} as float64");
        ExactAssert.Equal(expected.Select(v => (float)v).ToArray(), array.ToSingle(), $"{name} as float32");
    }

    [Theory]
    [InlineData("b1_3x4.npy", "mask")]
    [InlineData("b1_batch_2x4x5.npy", "mask")]
    [InlineData("u1_10.npy", "u1")]
    public void Byte_arrays_convert_to_bytes(string name, string family)
    {
        NpyArray array = Npy.Read(NpyFixtures.PathOf(name));

        byte[] expected = NpyFixtures.ExpectedValues(family, array.Length).Select(v => (byte)v).ToArray();
        Assert.Equal(expected, array.ToBytes());
    }

    [Fact]
    public void Int64_arrays_are_read_as_integers()
    {
        NpyArray array = Npy.Read(NpyFixtures.PathOf("i8_3.npy"));

        Assert.Equal(NpyDType.Int64, array.DType);
        Assert.Equal([0L, 1, 2], array.ToInt64());
        ExactAssert.Equal([0f, 1, 2], array.ToSingle(), "i8_3.npy as float32");
        Assert.Throws<NpyFormatException>(() => Npy.Read(NpyFixtures.PathOf("f4_2x3.npy")).ToInt64());
    }

    [Fact]
    public void Big_endian_int64_is_byte_swapped()
    {
        byte[] data = [0, 0, 0, 0, 0, 0, 0, 7, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE];
        NpyArray array = Npy.Read(new MemoryStream(NpyBytes.Build(NpyBytes.Header(">i8", "(2,)"), data)), "be.npy");

        Assert.Equal([7L, -2], array.ToInt64());
    }

    [Fact]
    public void Float64_rounds_to_nearest_float32()
    {
        NpyArray array = Npy.Read(NpyFixtures.PathOf("f8_2x3.npy"));

        float[] expected = NpyFixtures.ExpectedValues("thirds", 6).Select(v => (float)v).ToArray();
        ExactAssert.Equal(expected, array.ToSingle(), "thirds as float32");
        Assert.NotEqual(1.0 / 3.0, array.ToSingle()[1]); // float32 really is narrower, so the test above means something
    }

    [Fact]
    public void Header_keys_in_any_order_with_other_quotes_and_spacing_are_read()
    {
        string header = "{ \"shape\" : ( 2 ,\n 3 ) ,'fortran_order':False,\t'descr':\"<f4\"}";
        byte[] file = NpyBytes.Build(header, NpyBytes.Floats(1, 2, 3, 4, 5, 6));

        NpyArray array = Npy.Read(new MemoryStream(file), "hand.npy");

        Assert.Equal([2, 3], array.Shape);
        ExactAssert.Equal([1f, 2, 3, 4, 5, 6], array.ToSingle(), "hand.npy");
    }

    [Fact]
    public void Python2_long_integers_in_a_format_1_header_are_read()
    {
        byte[] file = NpyBytes.Build(NpyBytes.Header("<f4", "(1L, 2L)"), NpyBytes.Floats(7, 8));

        NpyArray array = Npy.Read(new MemoryStream(file), "py2.npy");

        Assert.Equal([1, 2], array.Shape);
        ExactAssert.Equal([7f, 8], array.ToSingle(), "py2.npy");
    }

    [Theory]
    [InlineData("<u1", NpyDType.UInt8)]
    [InlineData(">u1", NpyDType.UInt8)]
    [InlineData("<b1", NpyDType.Bool)]
    public void One_byte_types_accept_any_stated_byte_order(string descr, NpyDType dtype)
    {
        byte[] file = NpyBytes.Build(NpyBytes.Header(descr, "(3,)"), [0, 1, 1]);

        NpyArray array = Npy.Read(new MemoryStream(file), "other-writer.npy");

        Assert.Equal(dtype, array.DType);
        Assert.Equal([0, 1, 1], array.ToBytes());
    }

    [Fact]
    public void Nonzero_bool_bytes_read_as_true()
    {
        // NumPy treats any non-zero byte of a bool array as True.
        byte[] file = NpyBytes.Build(NpyBytes.Header("|b1", "(4,)"), [0, 1, 2, 255]);

        NpyArray array = Npy.Read(new MemoryStream(file), "loose-bools.npy");

        Assert.Equal([0, 1, 1, 1], array.ToBytes());
    }

    [Fact]
    public void Bytes_after_the_data_are_ignored_and_arrays_saved_in_sequence_read_in_turn()
    {
        var stream = new MemoryStream();
        stream.Write(NpyFixtures.Bytes("f4_2x3.npy"));
        stream.Write(NpyFixtures.Bytes("u1_10.npy"));
        stream.Write("trailing"u8);
        stream.Position = 0;

        NpyArray first = Npy.Read(stream, "joined");
        NpyArray second = Npy.Read(stream, "joined");

        ExactAssert.Equal(NpyFixtures.ExpectedValues("ramp", 6), first.ToDouble(), "first array");
        ExactAssert.Equal(NpyFixtures.ExpectedValues("u1", 10), second.ToDouble(), "second array");
        Assert.Equal("trailing", Encoding.ASCII.GetString(stream.ToArray().AsSpan((int)stream.Position)));
    }

    [Theory]
    [InlineData("f4_fortran_2x3x4.npy")]
    [InlineData("f8be_fortran_3x2.npy")]
    [InlineData("f4be_2x3.npy")]
    public void Streams_that_cannot_seek_and_return_few_bytes_per_read_give_the_same_array(string name)
    {
        NpyArray fromFile = Npy.Read(NpyFixtures.PathOf(name));

        NpyArray fromPipe = Npy.Read(new TricklingStream(NpyFixtures.Bytes(name)), "pipe");

        Assert.Equal(fromFile.Shape, fromPipe.Shape);
        ExactAssert.Equal(fromFile.ToDouble(), fromPipe.ToDouble(), name);
        Assert.Equal("pipe", fromPipe.Source);
    }

    [Fact]
    public void Arrays_spanning_several_read_windows_and_buffer_growths_read_exactly()
    {
        // Enough elements for several of the reader's 2^20-element windows and, from a pipe,
        // several doublings of its first 1 MiB buffer; odd read sizes split elements across reads.
        const int Count = 3 * (1 << 20) + 3;
        byte[] data = new byte[Count * 4];
        for (int i = 0; i < Count; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleBigEndian(data.AsSpan(i * 4), i);
        }
        byte[] file = NpyBytes.Build(NpyBytes.Header(">f4", $"({Count},)"), data);
        float[] expected = Enumerable.Range(0, Count).Select(i => (float)i).ToArray();

        foreach ((string name, Stream stream) in new[] { ("memory", (Stream)new MemoryStream(file)), ("pipe", new TricklingStream(file, 65_537)) })
        {
            NpyArray array = Npy.Read(stream, name);

            ExactAssert.Equal(expected, array.ToSingle(), name);
        }
    }

    [Fact]
    public void Float_arrays_refuse_ToBytes_naming_the_file_and_dtype()
    {
        string path = NpyFixtures.PathOf("f4_2x3.npy");
        NpyArray array = Npy.Read(path);

        var error = Assert.Throws<NpyFormatException>(array.ToBytes);

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("Float32", error.Message, StringComparison.Ordinal);
        Assert.Contains("'|b1' or '|u1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conversions_return_copies_that_do_not_change_the_array()
    {
        NpyArray array = Npy.Read(NpyFixtures.PathOf("f4_2x3.npy"));

        array.ToSingle()[0] = 42;
        array.ToDouble()[0] = 42;

        Assert.Equal(-1f, array.ToSingle()[0]);
    }

    [Fact]
    public void ShapeText_reads_like_numpy()
    {
        Assert.Equal("(2, 3)", Npy.Read(NpyFixtures.PathOf("f4_2x3.npy")).ShapeText);
        Assert.Equal("(10,)", Npy.Read(NpyFixtures.PathOf("u1_10.npy")).ShapeText);
        Assert.Equal("()", Npy.Read(NpyFixtures.PathOf("f4_scalar.npy")).ShapeText);
    }
}
