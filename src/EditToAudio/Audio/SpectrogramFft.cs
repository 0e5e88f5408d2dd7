namespace EditToAudio.Audio;

/// <summary>
/// The spectrogram's FFT: in-place iterative radix-2 complex FFT in float64 with precomputed twiddles; small and
/// deterministic, which is all a spectrogram of a few thousand frames needs.
/// </summary>
internal sealed class SpectrogramFft
{
    private readonly int _size;
    private readonly double[] _cos;
    private readonly double[] _sin;
    private readonly int[] _bitReversed;

    public SpectrogramFft(int size)
    {
        if (size < 2 || (size & (size - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "The FFT size must be a power of two of at least 2.");
        }
        _size = size;
        _cos = new double[size / 2];
        _sin = new double[size / 2];
        for (int k = 0; k < size / 2; k++)
        {
            double angle = -2.0 * Math.PI * k / size;
            _cos[k] = Math.Cos(angle);
            _sin[k] = Math.Sin(angle);
        }
        _bitReversed = new int[size];
        int bits = System.Numerics.BitOperations.Log2((uint)size);
        for (int i = 0; i < size; i++)
        {
            _bitReversed[i] = (int)(ReverseBits((uint)i) >> (32 - bits));
        }
    }

    /// <summary>X[k] = Σ x[n]·e^(−2πikn/N), unscaled, overwriting the inputs.</summary>
    public void Forward(Span<double> real, Span<double> imaginary)
    {
        if (real.Length != _size || imaginary.Length != _size)
        {
            throw new ArgumentException($"Both spans must hold {_size} values.", nameof(real));
        }
        for (int i = 0; i < _size; i++)
        {
            int j = _bitReversed[i];
            if (j > i)
            {
                (real[i], real[j]) = (real[j], real[i]);
                (imaginary[i], imaginary[j]) = (imaginary[j], imaginary[i]);
            }
        }
        for (int length = 2; length <= _size; length <<= 1)
        {
            int halfLength = length / 2, twiddleStride = _size / length;
            for (int start = 0; start < _size; start += length)
            {
                for (int k = 0; k < halfLength; k++)
                {
                    double wr = _cos[k * twiddleStride], wi = _sin[k * twiddleStride];
                    int even = start + k, odd = even + halfLength;
                    double tr = wr * real[odd] - wi * imaginary[odd];
                    double ti = wr * imaginary[odd] + wi * real[odd];
                    real[odd] = real[even] - tr;
                    imaginary[odd] = imaginary[even] - ti;
                    real[even] += tr;
                    imaginary[even] += ti;
                }
            }
        }
    }

    private static uint ReverseBits(uint value)
    {
        value = ((value >> 1) & 0x55555555u) | ((value & 0x55555555u) << 1);
        value = ((value >> 2) & 0x33333333u) | ((value & 0x33333333u) << 2);
        value = ((value >> 4) & 0x0F0F0F0Fu) | ((value & 0x0F0F0F0Fu) << 4);
        value = ((value >> 8) & 0x00FF00FFu) | ((value & 0x00FF00FFu) << 8);
        return (value >> 16) | (value << 16);
    }
}
