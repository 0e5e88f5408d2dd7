using EditToAudio.Networks;

namespace EditToAudio.Tests.Networks;

public class OutputComparisonTests
{
    private static OutputComparison Compare(float[] ours, float[] reference) =>
        ModelSetVerifier.Compare("net", "out", [2, (long)ours.Length / 2], ours, reference, VerificationTolerance.Fp32);

    [Fact]
    public void Equal_outputs_pass_with_zero_error_and_unit_cosine()
    {
        var c = Compare([1, -2, 3, 4], [1, -2, 3, 4]);
        Assert.True(c.Passed);
        Assert.Equal(0, c.MaxAbsoluteError);
        Assert.Equal(1, c.Cosine, 12);
    }

    [Fact]
    public void Errors_are_relative_to_the_largest_reference_value_and_name_the_worst_element()
    {
        var c = Compare([1, -2, 3, 4.01f], [1, -2, 3, 4]);
        Assert.False(c.Passed);
        Assert.Equal(0.01, c.MaxAbsoluteError, 5);
        Assert.Equal(0.0025, c.MaxRelativeError, 5);
        Assert.StartsWith("[1,1] ours 4.01", c.WorstElement, StringComparison.Ordinal);
    }

    [Fact]
    public void A_small_error_within_the_tolerance_passes()
    {
        var c = Compare([1, -2, 3, 4.0001f], [1, -2, 3, 4]);
        Assert.True(c.Passed, $"rel {c.MaxRelativeError}, cosine {c.Cosine}");
    }

    [Fact]
    public void A_non_finite_output_fails()
    {
        var c = Compare([1, float.NaN, 3, 4], [1, -2, 3, 4]);
        Assert.False(c.Passed);
        Assert.True(double.IsNaN(c.MaxAbsoluteError));
        Assert.StartsWith("[0,1]", c.WorstElement, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flipped_sign_fails_on_the_cosine_too()
    {
        var c = Compare([-1, 2, -3, -4], [1, -2, 3, 4]);
        Assert.False(c.Passed);
        Assert.Equal(-1, c.Cosine, 12);
    }

    [Fact]
    public void Fp16_sets_get_looser_tolerances_than_fp32()
    {
        Assert.True(VerificationTolerance.Fp16.MaxRelativeError > VerificationTolerance.Fp32.MaxRelativeError);
        Assert.True(VerificationTolerance.Fp16.MinCosine < VerificationTolerance.Fp32.MinCosine);
    }
}
