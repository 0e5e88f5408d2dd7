namespace EditToAudio.Prompts;

/// <summary>How the objects of one side enter the edit when there are several.</summary>
public enum ObjectCombination
{
    /// <summary>
    /// Each object gets its own edit (its own suppression on the original's tokens, or its own boost on the
    /// edited image's), and the side's embedding is the mean of the per-object embeddings: every object
    /// counts the same, whatever its size, and each object's top singular directions are its own.
    /// </summary>
    Each,

    /// <summary>The side's masks are joined into one region and edited once, as if they were one object.</summary>
    Union,
}
