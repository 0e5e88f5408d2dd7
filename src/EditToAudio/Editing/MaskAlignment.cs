namespace EditToAudio.Editing;

/// <summary>How an image-resolution mask is mapped onto CLIP's 16×16 patch grid.</summary>
public enum MaskAlignment
{
    /// <summary>
    /// The research code: the mask is stretched to 224×224 (bilinear, align_corners=False,
    /// aspect ratio ignored), ignoring CLIP's center crop. Default, so published results reproduce.
    /// </summary>
    Stretch,

    /// <summary>
    /// The mask is resized the way CLIP resizes the image (shorter side to 224) and cropped with
    /// the same centered window, so each patch weight covers the pixels that patch actually saw.
    /// </summary>
    Crop,
}
