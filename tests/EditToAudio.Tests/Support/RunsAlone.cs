namespace EditToAudio.Tests.Support;

/// <summary>
/// Tests that change or measure the whole process (its working folder, console or peak memory):
/// they run after the parallel ones, one at a time, so no other test disturbs them or is disturbed.
/// </summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class RunsAlone;
