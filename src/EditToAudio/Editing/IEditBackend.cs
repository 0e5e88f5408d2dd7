namespace EditToAudio.Editing;

/// <summary>
/// Where the edit math of a batch of pairs runs: the CPU backend here, the CUDA backend in
/// <c>EditToAudio.Cuda</c>. Both give the results and warnings of <see cref="EmbeddingEditor"/>
/// (within their float tolerance), so the engine does not care which it holds.
/// </summary>
public interface IEditBackend
{
    /// <summary>"cpu" or "cuda", as recorded in run records.</summary>
    string Name { get; }

    /// <summary>Edits every pair; results keep the order of <paramref name="pairs"/>.</summary>
    IReadOnlyList<EditResult> Edit(IReadOnlyList<EditPair> pairs, EditParameters parameters, CancellationToken cancellationToken = default);
}

/// <summary>The edit math on the CPU (<see cref="EmbeddingEditor.EditBatch"/>), parallel over pairs. Thread-safe.</summary>
/// <param name="maxDegreeOfParallelism">Threads for a batch; all cores when null.</param>
public sealed class CpuEditBackend(int? maxDegreeOfParallelism = null) : IEditBackend
{
    /// <inheritdoc/>
    public string Name => "cpu";

    /// <inheritdoc/>
    public IReadOnlyList<EditResult> Edit(IReadOnlyList<EditPair> pairs, EditParameters parameters, CancellationToken cancellationToken = default) =>
        EmbeddingEditor.EditBatch(pairs, parameters, maxDegreeOfParallelism, progress: null, cancellationToken);
}
