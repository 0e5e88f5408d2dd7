using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using CsCheck;
using EditToAudio.IO;

namespace EditToAudio.Tests.IO;

public class NpyPropertyTests
{
    private static readonly Gen<int[]> Shapes = Gen.Int[0, 4].Array[0, 4];

    private static int Count(int[] shape) => shape.Aggregate(1, (product, d) => product * d);

    /// <summary>Arrays of every dtype with any bit patterns (NaN payloads, infinities, subnormals, -0).</summary>
    private static readonly Gen<NpyArray> Arrays =
        Gen.Select(Gen.Enum<NpyDType>(), Shapes).SelectMany((dtype, shape) => dtype switch
        {
            NpyDType.Float32 => Gen.UInt.Array[Count(shape)].Select(bits =>
                NpyArray.FromSingle(bits.Select(BitConverter.UInt32BitsToSingle).ToArray(), shape)),
            NpyDType.Float64 => Gen.ULong.Array[Count(shape)].Select(bits =>
                NpyArray.FromDouble(bits.Select(BitConverter.UInt64BitsToDouble).ToArray(), shape)),
            NpyDType.Float16 => Gen.UShort.Array[Count(shape)].Select(bits =>
                NpyArray.FromHalf(bits.Select(BitConverter.UInt16BitsToHalf).ToArray(), shape)),
            NpyDType.Int64 => Gen.Long.Array[Count(shape)].Select(values => NpyArray.FromInt64(values, shape)),
            NpyDType.Bool => Gen.Byte[0, 1].Array[Count(shape)].Select(values => NpyArray.FromBytes(values, dtype, shape)),
            _ => Gen.Byte.Array[Count(shape)].Select(values => NpyArray.FromBytes(values, dtype, shape)),
        });

    private static byte[] RawBytes(NpyArray array) => array.Data switch
    {
        float[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
        double[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
        Half[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
        long[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
        byte[] a => a,
        _ => throw new InvalidOperationException("unknown storage"),
    };

    [Fact]
    public void Write_then_read_gives_back_every_bit()
    {
        Arrays.Sample(original =>
        {
            var stream = new MemoryStream();
            Npy.Write(stream, original);
            long headerBytes = stream.Length - original.Length * original.DType.ItemSize();
            stream.Position = 0;

            NpyArray back = Npy.Read(stream, "memory");

            Assert.Equal(0, headerBytes % 64); // NumPy's alignment of the data
            Assert.Equal(stream.Length, stream.Position);
            Assert.Equal(original.DType, back.DType);
            Assert.Equal(original.Shape, back.Shape);
            ExactAssert.SameBytes(RawBytes(original), RawBytes(back), original.ToString());
        }, iter: 300);
    }

    /// <summary>
    /// Fortran order and big-endian data, laid out here by the definition (multi-index by division,
    /// axis 0 fastest) rather than the reader's incremental walk, must read as the C-order values.
    /// </summary>
    [Fact]
    public void Fortran_order_and_big_endian_files_read_as_c_order_values()
    {
        Gen.Select(Shapes, Gen.Bool, Gen.Bool).SelectMany((shape, fortran, bigEndian) =>
                Gen.Float[-1e6f, 1e6f].Array[Count(shape)].Select(values => (shape, fortran, bigEndian, values)))
            .Sample(item =>
            {
                (int[] shape, bool fortran, bool bigEndian, float[] values) = item;
                byte[] data = new byte[values.Length * 4];
                for (int c = 0; c < values.Length; c++)
                {
                    long offset = fortran ? FortranOffset(c, shape) : c;
                    Span<byte> slot = data.AsSpan((int)offset * 4, 4);
                    uint bits = BitConverter.SingleToUInt32Bits(values[c]);
                    if (bigEndian)
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(slot, bits);
                    }
                    else
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(slot, bits);
                    }
                }
                string shapeText = shape.Length == 1
                    ? $"({shape[0]},)"
                    : "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
                byte[] file = NpyBytes.Build(NpyBytes.Header(bigEndian ? ">f4" : "<f4", shapeText, fortran), data);

                NpyArray array = Npy.Read(new MemoryStream(file), "hand-made");

                Assert.Equal(shape, array.Shape);
                ExactAssert.Equal(values, array.ToSingle(), $"shape {shapeText}, fortran {fortran}, big-endian {bigEndian}");
            }, iter: 300);
    }

    /// <summary>The Fortran-order offset of the element at C-order index <paramref name="c"/>.</summary>
    private static long FortranOffset(long c, int[] shape)
    {
        var index = new long[shape.Length];
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            index[axis] = c % shape[axis];
            c /= shape[axis];
        }
        long offset = 0, stride = 1;
        for (int axis = 0; axis < shape.Length; axis++)
        {
            offset += index[axis] * stride;
            stride *= shape[axis];
        }
        return offset;
    }

    [Fact]
    public void Corrupted_or_cut_files_either_read_or_are_refused_with_a_named_error()
    {
        string[] names = ["f4_2x3.npy", "f8be_fortran_3x2.npy", "b1_3x4.npy", "f4_2x3_v3.npy", "f4_scalar.npy"];
        byte[][] originals = names.Select(NpyFixtures.Bytes).ToArray();
        Gen.Select(Gen.Int[0, originals.Length - 1], Gen.Select(Gen.Int[0, 127], Gen.Byte).Array[1, 4], Gen.Int[0, 200])
            .Sample((which, edits, cut) =>
            {
                byte[] bytes = (byte[])originals[which].Clone();
                foreach ((int position, byte value) in edits)
                {
                    bytes[position] = value; // positions 0..127 fall in the prefix and header
                }
                bytes = bytes[..Math.Min(cut, bytes.Length)];
                try
                {
                    Npy.Read(new MemoryStream(bytes), "fuzzed.npy");
                }
                catch (NpyFormatException e)
                {
                    Assert.StartsWith("'fuzzed.npy': ", e.Message, StringComparison.Ordinal);
                }
            }, iter: 2000);
    }
}
