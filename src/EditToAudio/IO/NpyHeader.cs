using System.Globalization;
using System.Text;

namespace EditToAudio.IO;

/// <summary>
/// The header of a <c>.npy</c> file: a Python dict literal with the keys <c>'descr'</c>,
/// <c>'fortran_order'</c> and <c>'shape'</c>, padded with spaces and a newline.
/// </summary>
internal sealed record NpyHeader(NpyDType DType, bool BigEndian, bool FortranOrder, int[] Shape, long Count)
{
    /// <summary>NumPy aligns the start of the data to this many bytes (so it can be memory-mapped).</summary>
    private const int Alignment = 64;

    /// <summary>
    /// NumPy leaves room for the first axis to grow to this many digits, so a file can be appended
    /// to in place; the writer does the same so its bytes equal NumPy's.
    /// </summary>
    private const int GrowthAxisDigits = 21;

    /// <summary>Parses the decoded header text. <paramref name="allowLongSuffix"/> accepts Python 2's <c>3L</c> integers (formats 1.0 and 2.0).</summary>
    public static NpyHeader Parse(string text, string source, bool allowLongSuffix)
    {
        var parser = new PythonLiteralParser(text, source, allowLongSuffix);
        PyValue root = parser.ParseDocument();
        if (root is not PyDict dict)
        {
            throw Malformed(source, $"expected a dict literal {{'descr': ..., 'fortran_order': ..., 'shape': ...}}, found {Excerpt(root.Text)}");
        }

        PyValue? descr = null, fortran = null, shape = null;
        foreach ((string key, PyValue value) in dict.Entries)
        {
            ref PyValue? slot = ref descr;
            switch (key)
            {
                case "descr": slot = ref descr; break;
                case "fortran_order": slot = ref fortran; break;
                case "shape": slot = ref shape; break;
                default:
                    throw Malformed(source, $"unexpected key '{key}'; expected exactly 'descr', 'fortran_order' and 'shape'");
            }
            if (slot is not null)
            {
                throw Malformed(source, $"key '{key}' appears twice");
            }
            slot = value;
        }
        if (descr is null)
        {
            throw Malformed(source, "key 'descr' is missing");
        }
        if (fortran is null)
        {
            throw Malformed(source, "key 'fortran_order' is missing");
        }
        if (shape is null)
        {
            throw Malformed(source, "key 'shape' is missing");
        }

        (NpyDType dtype, bool bigEndian) = ParseDescr(descr, source);
        if (fortran is not PyBool fortranOrder)
        {
            throw Malformed(source, $"'fortran_order' must be True or False, found {Excerpt(fortran.Text)}");
        }
        int[] dims = ParseShape(shape, source);
        long count = CountElements(dims, source);
        return new NpyHeader(dtype, bigEndian, fortranOrder.Value, dims, count);
    }

    /// <summary>The largest element count an array may have: <see cref="Array.MaxLength"/>.</summary>
    /// <remarks>
    /// A widened copy of the value: the trimmer's constant propagation of <c>Array.MaxLength</c>
    /// into a long comparison produced invalid IL in trimmed publishes.
    /// </remarks>
    public const long MaxElements = 0x7FFFFFC7;

    /// <summary>Multiplies the dimensions, refusing a count above <see cref="MaxElements"/> without overflowing.</summary>
    public static long CountElements(ReadOnlySpan<int> dims, string source)
    {
        foreach (int d in dims)
        {
            if (d == 0)
            {
                return 0; // an empty axis empties the array, however large the others are
            }
        }
        long count = 1;
        foreach (int d in dims)
        {
            // Each factor is at most int.MaxValue and count stays at most MaxElements before it,
            // so the product fits in a long.
            count *= d;
            if (count > MaxElements)
            {
                throw new NpyFormatException(source,
                    $"shape {FormatShape(dims)} has more than {MaxElements} elements, the most an array may hold");
            }
        }
        return count;
    }

    /// <summary>Python's repr of a shape tuple: <c>()</c>, <c>(3,)</c>, <c>(2, 3)</c>.</summary>
    public static string FormatShape(ReadOnlySpan<int> dims) => dims.Length switch
    {
        0 => "()",
        1 => string.Create(CultureInfo.InvariantCulture, $"({dims[0]},)"),
        _ => "(" + string.Join(", ", dims.ToArray().Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
    };

    /// <summary>
    /// The magic string, version, header length and header NumPy would write for a C-order array:
    /// format 1.0 unless the header needs more than 65535 bytes, then 2.0.
    /// </summary>
    public static byte[] Format(NpyDType dtype, ReadOnlySpan<int> dims)
    {
        var dict = new StringBuilder();
        dict.Append("{'descr': '").Append(dtype.LittleEndianDescr()).Append("', 'fortran_order': False, 'shape': ")
            .Append(FormatShape(dims)).Append(", }");
        if (dims.Length > 0)
        {
            dict.Append(' ', Math.Max(0, GrowthAxisDigits - dims[0].ToString(CultureInfo.InvariantCulture).Length));
        }
        byte[] text = Encoding.ASCII.GetBytes(dict.ToString());

        int textWithNewline = text.Length + 1;
        byte major = 1;
        int lengthFieldSize = 2;
        long padded = PaddedLength(textWithNewline, lengthFieldSize);
        if (padded > ushort.MaxValue)
        {
            major = 2;
            lengthFieldSize = 4;
            padded = PaddedLength(textWithNewline, lengthFieldSize);
        }

        int prefix = Npy.Magic.Length + 2 + lengthFieldSize;
        byte[] header = new byte[checked(prefix + (int)padded)];
        Npy.Magic.CopyTo(header);
        header[Npy.Magic.Length] = major;
        header[Npy.Magic.Length + 1] = 0;
        if (lengthFieldSize == 2)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(Npy.Magic.Length + 2), (ushort)padded);
        }
        else
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(Npy.Magic.Length + 2), (uint)padded);
        }
        text.CopyTo(header, prefix);
        header.AsSpan(prefix + text.Length).Fill((byte)' ');
        header[^1] = (byte)'\n';
        return header;

        static long PaddedLength(int textWithNewline, int lengthFieldSize)
        {
            int unaligned = (Npy.Magic.Length + 2 + lengthFieldSize + textWithNewline) % Alignment;
            // NumPy pads by a full block when already aligned; match it byte for byte.
            return textWithNewline + (Alignment - unaligned);
        }
    }

    private static (NpyDType DType, bool BigEndian) ParseDescr(PyValue descr, string source)
    {
        switch (descr)
        {
            case PyString s:
                break;
            case PySequence { IsTuple: false }:
                throw new NpyFormatException(source,
                    $"structured dtype {Excerpt(descr.Text)} is not supported; expected one of {NpyDTypeInfo.Supported}");
            case PySequence:
                throw new NpyFormatException(source,
                    $"sub-array dtype {Excerpt(descr.Text)} is not supported; expected one of {NpyDTypeInfo.Supported}");
            default:
                throw Malformed(source, $"'descr' must be a dtype string such as '<f4', found {Excerpt(descr.Text)}");
        }

        string text = ((PyString)descr).Value;
        char order = text.Length > 0 ? text[0] : '\0';
        string code = order is '<' or '>' or '|' or '=' ? text[1..] : text;
        NpyDType? dtype = code switch
        {
            "f2" => NpyDType.Float16,
            "f4" => NpyDType.Float32,
            "f8" => NpyDType.Float64,
            "i8" => NpyDType.Int64,
            "b1" => NpyDType.Bool,
            "u1" => NpyDType.UInt8,
            _ => null,
        };
        if (dtype is null)
        {
            throw new NpyFormatException(source, $"unsupported dtype '{text}'; expected one of {NpyDTypeInfo.Supported}");
        }

        if (dtype.Value.ItemSize() == 1)
        {
            // Byte order means nothing for one byte; NumPy writes '|', other writers '<'.
            if (order is '<' or '>' or '|')
            {
                return (dtype.Value, false);
            }
        }
        else if (order is '<' or '>')
        {
            return (dtype.Value, order == '>');
        }
        // NumPy always writes an explicit byte order; '=', '|' or none would mean "whatever the
        // writing machine used", which cannot be known from the file.
        throw new NpyFormatException(source,
            $"dtype '{text}' does not state its byte order; expected one of {NpyDTypeInfo.Supported}");
    }

    private static int[] ParseShape(PyValue shape, string source)
    {
        if (shape is not PySequence { IsTuple: true } tuple)
        {
            throw Malformed(source, $"'shape' must be a tuple of integers such as (2, 3), found {Excerpt(shape.Text)}");
        }
        int[] dims = new int[tuple.Items.Count];
        for (int axis = 0; axis < dims.Length; axis++)
        {
            if (tuple.Items[axis] is not PyInt value)
            {
                throw Malformed(source, $"'shape' must be a tuple of integers, found {Excerpt(tuple.Items[axis].Text)} at axis {axis}");
            }
            if (value.Negative)
            {
                throw new NpyFormatException(source, $"shape {Excerpt(shape.Text)} has a negative dimension {value.Text.Trim()} at axis {axis}");
            }
            string digits = value.Digits.TrimStart('0');
            if (digits.Length > 10 || !int.TryParse(digits.Length == 0 ? "0" : digits, NumberStyles.None, CultureInfo.InvariantCulture, out int d))
            {
                throw new NpyFormatException(source,
                    $"shape {Excerpt(shape.Text)} has dimension {Excerpt(value.Digits)} at axis {axis}, above the limit {int.MaxValue}");
            }
            dims[axis] = d;
        }
        return dims;
    }

    private static NpyFormatException Malformed(string source, string problem) =>
        new(source, "malformed .npy header: " + problem);

    /// <summary>Header text quoted for a message, shortened so a hostile header cannot flood it.</summary>
    internal static string Excerpt(string text)
    {
        const int Limit = 80;
        string trimmed = text.Trim();
        return trimmed.Length <= Limit ? trimmed : string.Concat(trimmed.AsSpan(0, Limit), "...");
    }

    // ---- A Python literal parser, just large enough for .npy headers. ----

    private abstract record PyValue(string Text);
    private sealed record PyString(string Text, string Value) : PyValue(Text);
    private sealed record PyInt(string Text, bool Negative, string Digits) : PyValue(Text);
    private sealed record PyBool(string Text, bool Value) : PyValue(Text);
    private sealed record PyNone(string Text) : PyValue(Text);
    private sealed record PySequence(string Text, bool IsTuple, List<PyValue> Items) : PyValue(Text);
    private sealed record PyDict(string Text, List<(string Key, PyValue Value)> Entries) : PyValue(Text);

    private sealed class PythonLiteralParser(string text, string source, bool allowLongSuffix)
    {
        /// <summary>Deeper nesting than any real header; stops a hostile header from exhausting the stack.</summary>
        private const int MaxDepth = 16;
        private int _position;

        public PyValue ParseDocument()
        {
            PyValue value = ParseValue(0);
            SkipWhitespace();
            if (_position < text.Length)
            {
                throw Error($"unexpected {Describe(_position)} after the dict");
            }
            return value;
        }

        private PyValue ParseValue(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Error($"nesting deeper than {MaxDepth} levels");
            }
            SkipWhitespace();
            if (_position >= text.Length)
            {
                throw Error("unexpected end of the header, expected a value");
            }
            char c = text[_position];
            return c switch
            {
                '{' => ParseDict(depth),
                '(' => ParseSequence(depth, ')'),
                '[' => ParseSequence(depth, ']'),
                '\'' or '"' => ParseString(),
                '-' or '+' or (>= '0' and <= '9') => ParseInt(),
                _ when char.IsAsciiLetter(c) || c == '_' => ParseName(),
                _ => throw Error($"unexpected {Describe(_position)}, expected a value"),
            };
        }

        private PyDict ParseDict(int depth)
        {
            int start = _position++;
            var entries = new List<(string, PyValue)>();
            while (true)
            {
                SkipWhitespace();
                if (TryConsume('}'))
                {
                    break;
                }
                PyValue key = ParseValue(depth + 1);
                if (key is not PyString keyString)
                {
                    throw Error($"dict keys must be strings, found {Excerpt(key.Text)}");
                }
                SkipWhitespace();
                Expect(':');
                PyValue value = ParseValue(depth + 1);
                entries.Add((keyString.Value, value));
                SkipWhitespace();
                if (TryConsume('}'))
                {
                    break;
                }
                Expect(',');
            }
            return new PyDict(text[start.._position], entries);
        }

        private PyValue ParseSequence(int depth, char close)
        {
            int start = _position++;
            var items = new List<PyValue>();
            bool sawComma = false;
            while (true)
            {
                SkipWhitespace();
                if (TryConsume(close))
                {
                    break;
                }
                items.Add(ParseValue(depth + 1));
                SkipWhitespace();
                if (TryConsume(close))
                {
                    break;
                }
                Expect(',');
                sawComma = true;
            }
            // In Python "(3)" is the number 3, not a tuple; only a comma (or "()") makes one.
            if (close == ')' && items.Count == 1 && !sawComma)
            {
                return items[0];
            }
            return new PySequence(text[start.._position], close == ')', items);
        }

        private PyString ParseString()
        {
            int start = _position;
            char quote = text[_position++];
            var value = new StringBuilder();
            while (true)
            {
                if (_position >= text.Length || text[_position] == '\n')
                {
                    throw Error($"unterminated string starting at character {start}");
                }
                char c = text[_position++];
                if (c == quote)
                {
                    break;
                }
                if (c == '\\')
                {
                    // Headers NumPy writes hold no escapes; keep the escaped character as it is.
                    if (_position >= text.Length)
                    {
                        throw Error($"unterminated string starting at character {start}");
                    }
                    c = text[_position++];
                }
                value.Append(c);
            }
            return new PyString(text[start.._position], value.ToString());
        }

        private PyInt ParseInt()
        {
            int start = _position;
            bool negative = false;
            if (text[_position] is '-' or '+')
            {
                negative = text[_position] == '-';
                _position++;
                SkipWhitespace();
            }
            int digitsStart = _position;
            while (_position < text.Length && char.IsAsciiDigit(text[_position]))
            {
                _position++;
            }
            if (_position == digitsStart)
            {
                throw Error($"unexpected {Describe(_position)}, expected digits");
            }
            string digits = text[digitsStart.._position];
            if (allowLongSuffix && _position < text.Length && text[_position] is 'L' or 'l')
            {
                _position++; // Python 2 long literal, e.g. (3L, 4L)
            }
            if (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] is '.' or '_'))
            {
                throw Error($"unexpected {Describe(_position)} in a number, expected an integer");
            }
            return new PyInt(text[start.._position], negative && digits.Any(d => d != '0'), digits);
        }

        private PyValue ParseName()
        {
            int start = _position;
            while (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_'))
            {
                _position++;
            }
            string name = text[start.._position];
            return name switch
            {
                "True" => new PyBool(name, true),
                "False" => new PyBool(name, false),
                "None" => new PyNone(name),
                _ => throw Error($"unexpected name '{Excerpt(name)}' at character {start}, expected True, False, None, a number, a string, a tuple or a list"),
            };
        }

        private void SkipWhitespace()
        {
            while (_position < text.Length && text[_position] is ' ' or '\t' or '\n' or '\r' or '\f')
            {
                _position++;
            }
        }

        private bool TryConsume(char c)
        {
            if (_position < text.Length && text[_position] == c)
            {
                _position++;
                return true;
            }
            return false;
        }

        private void Expect(char c)
        {
            if (!TryConsume(c))
            {
                throw Error($"expected '{c}' at character {_position}, found {Describe(_position)}");
            }
        }

        private string Describe(int position) => position >= text.Length
            ? "the end of the header"
            : char.IsControl(text[position]) || text[position] > '~'
                ? string.Create(CultureInfo.InvariantCulture, $"character U+{(int)text[position]:X4}")
                : $"'{text[position]}'";

        private NpyFormatException Error(string problem) =>
            Malformed(source, $"{problem} (header: {Excerpt(text)})");
    }
}
