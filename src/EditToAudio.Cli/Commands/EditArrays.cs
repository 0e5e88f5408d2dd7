using EditToAudio.Images;
using EditToAudio.IO;

namespace EditToAudio.Cli.Commands;

/// <summary>
/// Reads the edit command's NumPy token inputs, [257, D] or [B, 257, D] (its masks are read by
/// <see cref="MaskArrays"/>). Every problem is reported as an <see cref="InvalidDataException"/> that
/// names the file and what was expected. Float32 tokens in the machine's layout are used in the
/// memory-mapped file, without a copy (see <see cref="NpyMappedFile"/>): dispose the returned file
/// after the last use of its images.
/// </summary>
internal static class EditArrays
{
    /// <summary>Reads and checks a token array: one image's tokens per item.</summary>
    public static MappedItems<ImageTokens> ReadTokens(string path) => MappedItems<ImageTokens>.Read(path, 3, (array, batched) =>
    {
        IReadOnlyList<int> shape = array.Shape;
        if (!(shape.Count is 2 or 3) || shape[^2] != ImageTokens.TokenCount || shape[^1] < 1)
        {
            throw new InvalidDataException($"{path}: tokens must have shape [{ImageTokens.TokenCount}, D] or [B, {ImageTokens.TokenCount}, D], found {array.ShapeText}.");
        }
        if (array.DType is not (NpyDType.Float16 or NpyDType.Float32 or NpyDType.Float64))
        {
            throw new InvalidDataException($"{path}: tokens must be float16, float32 or float64, found {array.DType}.");
        }
        int count = batched ? shape[0] : 1, dimension = shape[^1];
        if (count < 1)
        {
            throw new InvalidDataException($"{path}: the token batch is empty (shape {array.ShapeText}).");
        }
        ReadOnlyMemory<float> values = array.AsSingles();
        int perImage = ImageTokens.TokenCount * dimension;
        var images = new ImageTokens[count];
        for (int b = 0; b < count; b++)
        {
            try
            {
                images[b] = new ImageTokens(values.Slice(b * perImage, perImage), dimension);
            }
            catch (ArgumentException error)
            {
                throw new InvalidDataException($"{path}: {(batched ? $"image {b}: " : "")}{MessageWithoutParameter(error)}", error);
            }
        }
        return images;
    });

    private static string MessageWithoutParameter(ArgumentException error) =>
        error.ParamName is null ? error.Message : error.Message.Replace($" (Parameter '{error.ParamName}')", "", StringComparison.Ordinal);
}
