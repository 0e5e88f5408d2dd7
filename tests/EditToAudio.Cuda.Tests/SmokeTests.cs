namespace EditToAudio.Cuda.Tests;

public class SmokeTests
{
    [Fact]
    public void Skips_without_gpu() => Assert.Skip("no GPU");
}
