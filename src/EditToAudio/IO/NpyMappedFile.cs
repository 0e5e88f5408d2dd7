using System.Buffers;
using System.Collections.ObjectModel;
using System.IO.MemoryMappedFiles;

namespace EditToAudio.IO;

/// <summary>
/// A <c>.npy</c> array used where it lies: the file is memory-mapped, and float32, bool and uint8
/// elements are handed out in place when their layout is already the machine's (C order, the machine's
/// byte order, and for <c>bool</c> only 0 and 1). Anything else is read and converted as
/// <see cref="Npy.Read(string)"/> does. The memory handed out is valid until <see cref="Dispose"/>.
/// </summary>
public sealed class NpyMappedFile : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly MappedBytes? _bytes;
    private readonly NpyArray? _converted;
    private ReadOnlyMemory<float>? _singles;

    private NpyMappedFile(NpyHeader header, string source, MemoryMappedFile? file, MemoryMappedViewAccessor? view, MappedBytes? bytes, NpyArray? converted)
    {
        DType = header.DType;
        Shape = new ReadOnlyCollection<int>(header.Shape);
        ShapeText = NpyHeader.FormatShape(header.Shape);
        Source = source;
        _file = file;
        _view = view;
        _bytes = bytes;
        _converted = converted;
    }

    /// <summary>The element type.</summary>
    public NpyDType DType { get; }

    /// <summary>The dimensions; empty for a 0-d array.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The shape as NumPy prints it, for messages.</summary>
    public string ShapeText { get; }

    /// <summary>The file's path.</summary>
    public string Source { get; }

    /// <summary>True when the elements are used in the mapped file; false when they were read and converted.</summary>
    public bool InPlace => _bytes is not null;

    /// <summary>Maps the array in the file at <paramref name="path"/>, or reads it where its layout needs converting.</summary>
    /// <exception cref="NpyFormatException">The file is not a readable <c>.npy</c> file; the message names the path.</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static NpyMappedFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        NpyHeader header;
        long dataOffset, dataBytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096))
        {
            header = Npy.ReadHeader(stream, path, out dataBytes);
            dataOffset = stream.Position;
            // float32 and bytes are what the engine uses; float16 and float64 are converted in any case.
            bool usable = header.DType is NpyDType.Float32 or NpyDType.Bool or NpyDType.UInt8;
            bool nativeLayout = !header.FortranOrder && (header.DType.ItemSize() == 1 || header.BigEndian != BitConverter.IsLittleEndian);
            if (!usable || !nativeLayout || dataBytes == 0)
            {
                stream.Position = 0;
                return new NpyMappedFile(header, path, null, null, null, Npy.Read(stream, path));
            }
        }

        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = file.CreateViewAccessor(dataOffset, dataBytes, MemoryMappedFileAccess.Read);
            var bytes = new MappedBytes(view, checked((int)dataBytes));
            if (header.DType == NpyDType.Bool && bytes.GetSpan().IndexOfAnyExcept((byte)0, (byte)1) >= 0)
            {
                // NumPy reads any non-zero byte as True: such a file is read and normalized instead.
                ((IDisposable)bytes).Dispose();
                view.Dispose();
                file.Dispose();
                return new NpyMappedFile(header, path, null, null, null, Npy.Read(path));
            }
            return new NpyMappedFile(header, path, file, view, bytes, null);
        }
        catch
        {
            view?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The elements as float32 in C order: in place for a float32 file in the machine's layout, otherwise
    /// converted once (float16 exactly, float64 rounded to nearest, bool and uint8 to their values).
    /// </summary>
    public ReadOnlyMemory<float> AsSingles()
    {
        ObjectDisposedException.ThrowIf(_bytes is { IsReleased: true }, this);
        if (_singles is { } known)
        {
            return known;
        }
        ReadOnlyMemory<float> singles;
        if (_bytes is null)
        {
            singles = _converted!.ToSingle();
        }
        else if (DType == NpyDType.Float32)
        {
            singles = _bytes.Cast<float>();
        }
        else
        {
            ReadOnlySpan<byte> bytes = _bytes.GetSpan();
            var values = new float[bytes.Length];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = bytes[i];
            }
            singles = values;
        }
        _singles = singles;
        return singles;
    }

    /// <summary>The elements of a bool (0 or 1) or uint8 array in C order: in place where the layout allows.</summary>
    /// <exception cref="NpyFormatException">The array holds floating-point numbers.</exception>
    public ReadOnlyMemory<byte> AsBytes()
    {
        ObjectDisposedException.ThrowIf(_bytes is { IsReleased: true }, this);
        if (DType is not (NpyDType.Bool or NpyDType.UInt8))
        {
            throw new NpyFormatException(Source,
                $"expected a bool or uint8 array ('|b1' or '|u1'), found dtype {DType} ({DType.LittleEndianDescr()}) with shape {ShapeText}");
        }
        return _bytes is not null ? _bytes.Memory : _converted!.ToBytes();
    }

    /// <summary>The array read and converted into memory (for element types the caller converts itself).</summary>
    public NpyArray ToArray() => _converted ?? Npy.Read(Source);

    /// <summary>Unmaps the file: memory handed out before must not be used after this.</summary>
    public void Dispose()
    {
        if (_bytes is IDisposable bytes)
        {
            bytes.Dispose();
        }
        _view?.Dispose();
        _file?.Dispose();
    }

    /// <summary>The mapped data bytes as <see cref="Memory{T}"/>; the view's pointer is held until disposal.</summary>
    private sealed unsafe class MappedBytes : MemoryManager<byte>
    {
        private readonly MemoryMappedViewAccessor _view;
        private readonly byte* _pointer;
        private readonly int _length;

        public MappedBytes(MemoryMappedViewAccessor view, int length)
        {
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _view = view;
            _pointer = pointer + view.PointerOffset;
            _length = length;
        }

        public bool IsReleased { get; private set; }

        public override Span<byte> GetSpan() => new(_pointer, _length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        /// <summary>The same bytes as elements of <typeparamref name="T"/> (the data starts aligned: NumPy pads the header to 64 bytes).</summary>
        public ReadOnlyMemory<T> Cast<T>()
            where T : unmanaged => new CastMemory<T>(this).Memory;

        protected override void Dispose(bool disposing)
        {
            if (!IsReleased)
            {
                IsReleased = true;
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }

        private sealed class CastMemory<T>(MappedBytes bytes) : MemoryManager<T>
            where T : unmanaged
        {
            public override Span<T> GetSpan() => new(bytes._pointer, bytes._length / sizeof(T));

            public override MemoryHandle Pin(int elementIndex = 0) => new((T*)bytes._pointer + elementIndex);

            public override void Unpin()
            {
            }

            protected override void Dispose(bool disposing)
            {
            }
        }
    }
}
