using EditToAudio.Images;
using EditToAudio.Models;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Networks;

/// <summary>
/// CLIP ViT-L/14 tokens: the network returns [B,257,768] (ln_post and proj on every token); the
/// engine L2-normalizes each token. Token 0 is CLS (normalized, it is the image's CLIP embedding);
/// tokens 1..256 are the 16×16 patch grid, row-major. Thread-safe.
/// </summary>
public sealed class ClipTokenEncoder
{
    /// <summary>Values per preprocessed image: 3×224×224.</summary>
    public const int PixelsPerImage = ClipPreprocessor.ValueCount;

    private readonly NetworkSet _networks;

    /// <summary>Uses the CLIP token network of <paramref name="networks"/>.</summary>
    public ClipTokenEncoder(NetworkSet networks)
    {
        ArgumentNullException.ThrowIfNull(networks);
        _networks = networks;
    }

    /// <summary>Tokens per image.</summary>
    public int Tokens => _networks.Models.Constants.Tokens.Tokens;

    /// <summary>Token width.</summary>
    public int Width => _networks.Models.Constants.Tokens.Width;

    /// <summary>
    /// Encodes <paramref name="batch"/> preprocessed images (CLIP-normalized, [B,3,224,224]
    /// concatenated) and returns [B,257,768] with every token L2-normalized (a zero token stays zero).
    /// </summary>
    public float[] Encode(float[] pixelValues, int batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        if (pixelValues.Length != (long)batch * PixelsPerImage)
        {
            throw new ArgumentException($"CLIP input for {batch} image(s) must have {(long)batch * PixelsPerImage} values ([{batch},3,224,224]), got {pixelValues.Length}.", nameof(pixelValues));
        }
        var session = _networks.Get(NetworkKind.ClipTokens);
        using var input = OrtTensors.Wrap(pixelValues, batch, 3, ClipGeometry.InputSize, ClipGeometry.InputSize);
        using var outputs = session.Run(new Dictionary<string, OrtValue> { [NetworkContracts.ClipTokens.PixelValues.Name] = input }, cancellationToken);
        float[] tokens = OrtTensors.Read(outputs[0], "CLIP tokens", batch, Tokens, Width);
        NormalizeRows(tokens, Width);
        return tokens;
    }

    /// <summary>Encodes one image; returns [257,768], tokens L2-normalized.</summary>
    public float[] Encode(float[] pixelValues, CancellationToken cancellationToken = default) => Encode(pixelValues, 1, cancellationToken);

    /// <summary>Divides each row of <paramref name="rows"/> (width <paramref name="width"/>) by its L2 norm, accumulated in float64; zero rows stay zero.</summary>
    public static void NormalizeRows(Span<float> rows, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (rows.Length % width != 0)
        {
            throw new ArgumentException($"{rows.Length} values are not whole rows of {width}.", nameof(rows));
        }
        for (int start = 0; start < rows.Length; start += width)
        {
            Span<float> row = rows.Slice(start, width);
            double sum = 0;
            foreach (float v in row)
            {
                sum += (double)v * v;
            }
            if (sum == 0)
            {
                continue;
            }
            double inverse = 1 / Math.Sqrt(sum);
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = (float)(row[i] * inverse);
            }
        }
    }
}
