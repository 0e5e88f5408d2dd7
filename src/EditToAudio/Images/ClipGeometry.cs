namespace EditToAudio.Images;

/// <summary>
/// Where CLIP's preprocessing puts an image: the shorter side resized to 224, the longer to
/// <c>int(224·L/S)</c> (torchvision's Resize), then a centered 224×224 crop whose offset is
/// <c>round((size − 224) / 2)</c> with Python's round-half-to-even (torchvision's CenterCrop).
/// </summary>
/// <param name="ResizedWidth">Width after the shorter-side resize.</param>
/// <param name="ResizedHeight">Height after the shorter-side resize.</param>
/// <param name="CropLeft">Left column of the crop window in the resized image.</param>
/// <param name="CropTop">Top row of the crop window in the resized image.</param>
public readonly record struct ClipGeometry(int ResizedWidth, int ResizedHeight, int CropLeft, int CropTop)
{
    /// <summary>CLIP ViT-L/14 input size in pixels.</summary>
    public const int InputSize = 224;

    /// <summary>Side of one ViT patch in pixels.</summary>
    public const int PatchSize = 14;

    /// <summary>Patches per side of the token grid.</summary>
    public const int GridSize = InputSize / PatchSize;

    /// <summary>Number of patch tokens (without CLS).</summary>
    public const int PatchCount = GridSize * GridSize;

    /// <summary>Computes the resize and crop CLIP applies to an image of the given size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1, or the image is so elongated that its resized longer side would not fit an int.</exception>
    public static ClipGeometry For(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        long longer = (long)InputSize * Math.Max(width, height) / Math.Min(width, height);
        if (longer > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(width <= height ? nameof(height) : nameof(width),
                $"A {width}x{height} image is too elongated for CLIP's resize: its longer side would become {longer} pixels (at most {int.MaxValue}).");
        }
        int resizedWidth = width <= height ? InputSize : (int)longer;
        int resizedHeight = width <= height ? (int)longer : InputSize;
        return new ClipGeometry(resizedWidth, resizedHeight, CropOffset(resizedWidth), CropOffset(resizedHeight));
    }

    private static int CropOffset(int size) =>
        (int)Math.Round((size - InputSize) / 2.0, MidpointRounding.ToEven);
}
