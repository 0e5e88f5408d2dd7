namespace EditToAudio.Networks;

/// <summary>Which ONNX Runtime execution provider runs the networks.</summary>
public enum ExecutionProvider
{
    /// <summary>ONNX Runtime's CPU provider (the default).</summary>
    Cpu,

    /// <summary>ONNX Runtime's CUDA provider (needs CUDA 13, cuBLAS and cuDNN 9 libraries).</summary>
    Cuda,
}

/// <summary>How sessions are created.</summary>
/// <param name="Provider">The provider to use; never silently replaced by another.</param>
/// <param name="DeviceId">CUDA device ordinal when <paramref name="Provider"/> is CUDA.</param>
/// <param name="IntraOpThreads">ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose.</param>
public sealed record NetworkOptions(ExecutionProvider Provider = ExecutionProvider.Cpu, int DeviceId = 0, int IntraOpThreads = 0)
{
    /// <summary>
    /// A CUDA stream (<c>CUstream</c>) the CUDA provider runs every network on, so its work and the
    /// engine's kernels are ordered on one stream and device tensors pass between them without
    /// synchronizing; 0 lets ONNX Runtime use a stream of its own.
    /// </summary>
    public nint ComputeStream { get; init; }

    /// <summary>
    /// Whether the CUDA provider may run float32 MatMul and convolutions in TF32 (ONNX Runtime's own
    /// default): faster on Ampere and later, but only about 3 significant digits. Off by default,
    /// so the GPU computes what the CPU computes to float32 rounding, as reproducible research needs.
    /// </summary>
    public bool AllowTf32 { get; init; }
}

/// <summary>The requested execution provider cannot be used. The message carries ONNX Runtime's reason.</summary>
public sealed class ExecutionProviderException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExecutionProviderException() { }

    /// <summary>Creates the exception with a message.</summary>
    public ExecutionProviderException(string message) : base(message) { }

    /// <summary>Creates the exception with ONNX Runtime's error as the cause.</summary>
    public ExecutionProviderException(string message, Exception innerException) : base(message, innerException) { }
}
