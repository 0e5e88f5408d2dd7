namespace EditToAudio.IO;

/// <summary>
/// The per-image items ([..] or [B, ..]) read from one memory-mapped <c>.npy</c> file, and whether the
/// file had a batch dimension. The items may use the mapped memory: dispose this after their last use.
/// </summary>
/// <typeparam name="T">One image's item (its tokens, its mask).</typeparam>
/// <param name="Items">One item per image.</param>
/// <param name="Batched">True when the file had the leading batch dimension.</param>
public sealed record MappedItems<T>(IReadOnlyList<T> Items, bool Batched) : IDisposable
{
    internal NpyMappedFile? Mapping { get; init; }

    /// <summary>Unmaps the file: the items must not be used after this.</summary>
    public void Dispose() => Mapping?.Dispose();

    /// <summary>
    /// Maps <paramref name="path"/> and builds its items with <paramref name="read"/> (which checks the
    /// array, throwing <see cref="InvalidDataException"/>, and learns whether it is batched: it has
    /// <paramref name="batchedRank"/> dimensions); the file is unmapped again when that throws.
    /// </summary>
    internal static MappedItems<T> Read(string path, int batchedRank, Func<NpyMappedFile, bool, IReadOnlyList<T>> read)
    {
        NpyMappedFile array = NpyMappedFile.Open(path);
        try
        {
            bool batched = array.Shape.Count == batchedRank;
            return new MappedItems<T>(read(array, batched), batched) { Mapping = array };
        }
        catch
        {
            array.Dispose();
            throw;
        }
    }
}
