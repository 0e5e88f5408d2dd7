namespace EditToAudio.Images;

/// <summary>Runs independent per-row work, in parallel only when there is enough of it to pay off.</summary>
internal static class RowParallel
{
    private const long SequentialWorkLimit = 1_000_000;

    internal static void Run(int rows, long workPerRow, Action<int> row)
    {
        if (rows * workPerRow < SequentialWorkLimit)
        {
            for (int r = 0; r < rows; r++)
            {
                row(r);
            }
            return;
        }
        Parallel.For(0, rows, row);
    }
}
