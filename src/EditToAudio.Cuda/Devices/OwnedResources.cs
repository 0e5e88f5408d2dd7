namespace EditToAudio.Cuda.Devices;

/// <summary>
/// Resources made one after another and freed together, newest first (so a tensor over a buffer
/// goes before the buffer); a failure halfway through making them frees what was already made.
/// </summary>
internal sealed class OwnedResources : IDisposable
{
    private readonly List<IDisposable> _items = [];

    /// <summary>Takes <paramref name="item"/> into the group and returns it.</summary>
    public T Own<T>(T item) where T : IDisposable
    {
        _items.Add(item);
        return item;
    }

    /// <summary>Frees every resource, newest first.</summary>
    public void Dispose()
    {
        for (int i = _items.Count - 1; i >= 0; i--)
        {
            _items[i].Dispose();
        }
        _items.Clear();
    }
}
