namespace EditToAudio.Tests;

public class SmokeTests
{
    [Fact]
    public void Version_is_semantic() => Assert.Matches(@"^\d+\.\d+\.\d+$", EngineInfo.Version);
}
