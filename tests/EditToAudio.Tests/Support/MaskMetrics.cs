namespace EditToAudio.Tests.Support;

/// <summary>Comparisons of binary masks (one byte a pixel, non-zero inside).</summary>
public static class MaskMetrics
{
    /// <summary>Intersection over union of two masks of equal size; 1 when both are empty.</summary>
    public static double IoU(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Assert.True(a.Length == b.Length, $"masks of {a.Length} and {b.Length} pixels cannot be compared");
        int intersection = 0, union = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != 0 && b[i] != 0)
            {
                intersection++;
            }
            if (a[i] != 0 || b[i] != 0)
            {
                union++;
            }
        }
        return union == 0 ? 1 : (double)intersection / union;
    }
}
