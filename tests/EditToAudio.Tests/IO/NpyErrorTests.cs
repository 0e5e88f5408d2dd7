using System.Text;
using EditToAudio.IO;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.IO;

/// <summary>Every refusal names the file and says what was expected and what was found.</summary>
public sealed class NpyErrorTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_element_limit_is_the_longest_array()
    {
        Assert.Equal(NpyHeader.MaxElements, Array.MaxLength);
    }

    /// <summary>Reads <paramref name="bytes"/> from a file and returns the refusal, checking it names the file.</summary>
    private NpyFormatException Refusal(byte[] bytes, params string[] expectedFragments)
    {
        string path = _folder.Write("input.npy", bytes);
        var error = Assert.Throws<NpyFormatException>(() => Npy.Read(path));
        Assert.Equal(path, error.SourceName);
        Assert.StartsWith($"'{path}': ", error.Message, StringComparison.Ordinal);
        foreach (string fragment in expectedFragments)
        {
            Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        }
        return error;
    }

    private static byte[] WithHeader(string header, int dataBytes = 0) => NpyBytes.Build(header, new byte[dataBytes]);

    [Fact]
    public void Bad_magic_is_refused() =>
        Refusal([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0, 0, 0, 0], "not a NumPy .npy file", "found 50 4B 03 04 14 00");

    [Fact]
    public void Empty_file_is_refused() => Refusal([], "not a NumPy .npy file", "found an empty file");

    [Fact]
    public void File_shorter_than_the_prefix_is_refused() => Refusal([0x93, (byte)'N', (byte)'U'], "truncated header: expected 8 bytes, found 3");

    [Theory]
    [InlineData(4, 0)]
    [InlineData(1, 1)]
    [InlineData(0, 0)]
    public void Unsupported_versions_are_refused(byte major, byte minor) =>
        Refusal(NpyBytes.Build(NpyBytes.Header("<f4", "(1,)"), new byte[4], major: major, minor: minor),
            $"unsupported .npy format version {major}.{minor}; expected 1.0, 2.0 or 3.0");

    [Theory]
    [InlineData("c8_3.npy", "'<c8'")]
    [InlineData("object_2.npy", "'|O'")]
    public void Unsupported_numpy_dtypes_are_refused(string name, string descr) =>
        Refusal(NpyFixtures.Bytes(name), $"unsupported dtype {descr}", "expected one of '<f2', '<f4', '<f8', '<i8', '|b1', '|u1'");

    [Fact]
    public void Structured_dtypes_are_refused() =>
        Refusal(NpyFixtures.Bytes("structured_2.npy"), "structured dtype [('x', '<f4'), ('y', '<i4')] is not supported");

    [Theory]
    [InlineData("<U3")]
    [InlineData("<f16")]
    [InlineData("")]
    public void Other_dtype_strings_are_refused(string descr) =>
        Refusal(WithHeader(NpyBytes.Header(descr, "(1,)"), 16), $"unsupported dtype '{descr}'");

    [Theory]
    [InlineData("=f4")]
    [InlineData("f4")]
    [InlineData("|f4")]
    [InlineData("=b1")]
    public void Dtypes_without_a_byte_order_are_refused(string descr) =>
        Refusal(WithHeader(NpyBytes.Header(descr, "(1,)"), 4), $"dtype '{descr}' does not state its byte order");

    [Theory]
    [InlineData("[1, 2]", "expected a dict literal")]
    [InlineData("{'descr': '<f4', 'shape': (1,)}", "key 'fortran_order' is missing")]
    [InlineData("{'fortran_order': False, 'shape': (1,)}", "key 'descr' is missing")]
    [InlineData("{'descr': '<f4', 'fortran_order': False}", "key 'shape' is missing")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected key 'extra'")]
    [InlineData("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", "key 'descr' appears twice")]
    [InlineData("{'descr': '<f4', 'fortran_order': 'yes', 'shape': (1,)}", "'fortran_order' must be True or False, found 'yes'")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", "'fortran_order' must be True or False, found 0")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': [1]}", "'shape' must be a tuple of integers such as (2, 3), found [1]")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1)}", "'shape' must be a tuple of integers such as (2, 3), found 1")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,)}", "in a number, expected an integer")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': ('1',)}", "found '1' at axis 0")]
    [InlineData("{'descr': 5, 'fortran_order': False, 'shape': (1,)}", "'descr' must be a dtype string")]
    [InlineData("{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", "expected ',' at character 17, found 'f'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk", "unexpected 'j' after the dict")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", "found the end of the header")]
    [InlineData("{'descr': '<f4', 'fortran_order': Flase, 'shape': (1,)}", "unexpected name 'Flase'")]
    [InlineData("{1: '<f4'}", "dict keys must be strings")]
    [InlineData("", "unexpected end of the header")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (((((((((((((((((((1,),),),),),),),),),),),),),),),),),),)}", "nesting deeper than")]
    public void Malformed_headers_are_refused(string header, string expected)
    {
        NpyFormatException error = Refusal(WithHeader(header, 4), "malformed .npy header", expected);
        Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Python2_long_suffix_is_refused_in_format_3() =>
        Refusal(NpyBytes.Build(NpyBytes.Header("<f4", "(1L,)"), new byte[4], major: 3), "malformed .npy header", "in a number, expected an integer");

    [Fact]
    public void Negative_dimensions_are_refused() =>
        Refusal(WithHeader(NpyBytes.Header("<f4", "(2, -3)"), 24), "shape (2, -3) has a negative dimension -3 at axis 1");

    [Fact]
    public void Dimensions_above_int_max_are_refused() =>
        Refusal(WithHeader(NpyBytes.Header("<f4", "(2147483648,)")), "has dimension 2147483648 at axis 0, above the limit 2147483647");

    [Fact]
    public void Enormous_dimensions_are_refused_without_overflow() =>
        Refusal(WithHeader(NpyBytes.Header("<f4", "(" + new string('9', 5000) + ",)")), "above the limit 2147483647");

    [Fact]
    public void Element_counts_above_the_array_limit_are_refused() =>
        Refusal(WithHeader(NpyBytes.Header("<u1", "(65536, 65536)")), $"shape (65536, 65536) has more than {Array.MaxLength} elements");

    [Fact]
    public void An_empty_axis_makes_an_empty_array_even_with_huge_other_axes()
    {
        string path = _folder.Write("empty.npy", WithHeader(NpyBytes.Header("<f8", "(2147483647, 0, 2147483647)")));

        NpyArray array = Npy.Read(path);

        Assert.Equal(0, array.Length);
        Assert.Empty(array.ToDouble());
    }

    [Fact]
    public void Truncated_data_says_expected_and_found_bytes()
    {
        byte[] whole = NpyFixtures.Bytes("f4_2x3.npy");
        Refusal(whole[..^4], "truncated data: shape (2, 3) of dtype Float32 needs 24 bytes, found 20");
    }

    [Fact]
    public void Truncated_data_in_an_unseekable_stream_says_expected_and_found_bytes()
    {
        byte[] whole = NpyFixtures.Bytes("f8_2x3.npy");

        var error = Assert.Throws<NpyFormatException>(() => Npy.Read(new TricklingStream(whole[..^5]), "pipe:0"));

        Assert.Equal("'pipe:0': truncated data: shape (2, 3) of dtype Float64 needs 48 bytes, found 43", error.Message);
    }

    [Fact]
    public void Truncated_header_says_expected_and_found_bytes()
    {
        byte[] whole = NpyFixtures.Bytes("f4_2x3.npy"); // header length field: 118
        Refusal(whole[..60], "truncated header: expected 118 bytes, found 50");
    }

    [Fact]
    public void Truncated_header_length_field_is_refused() =>
        Refusal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 0x10], "truncated header length: expected 4 bytes, found 1");

    [Fact]
    public void Oversized_header_length_is_refused_before_reading_it()
    {
        byte[] bytes = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 0xFF, 0xFF, 0xFF, 0x7F];
        Refusal(bytes, $"header length 2147483647 bytes is above the limit of {Npy.MaxHeaderBytes} bytes");
    }

    [Fact]
    public void Invalid_utf8_in_a_format_3_header_is_refused()
    {
        byte[] file = NpyBytes.Build(NpyBytes.Header("<f4", "(1,)") + "\u00ff", new byte[4], major: 3, encoding: Encoding.Latin1);
        Refusal(file, "the format 3.0 header is not valid UTF-8");
    }

    [Fact]
    public void Latin1_in_a_format_1_header_is_text_not_an_encoding_error() =>
        Refusal(WithHeader(NpyBytes.Header("<f\u00e94", "(1,)"), 4), "unsupported dtype '<f\u00e94'");

    [Fact]
    public void A_header_claiming_huge_data_allocates_little_before_refusing()
    {
        // 2^31-1 float64 elements would be 16 GiB; the reader must find out it is lying first.
        byte[] file = NpyBytes.Build(NpyBytes.Header("<f8", "(2147483591,)"), new byte[16]);
        foreach (Func<Stream> open in new Func<Stream>[] { () => new MemoryStream(file), () => new TricklingStream(file, 4096) })
        {
            using Stream stream = open();
            long before = GC.GetAllocatedBytesForCurrentThread();

            var error = Assert.Throws<NpyFormatException>(() => Npy.Read(stream, "liar.npy"));

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains("needs 17179868728 bytes, found 16", error.Message, StringComparison.Ordinal);
            Assert.True(allocated < 8 << 20, $"reading allocated {allocated} bytes for a 16-byte payload");
        }
    }

    [Fact]
    public void A_missing_file_names_the_path()
    {
        string path = _folder.File("absent.npy");

        var error = Assert.Throws<FileNotFoundException>(() => Npy.Read(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
