namespace EditToAudio.Backends;

/// <summary>The kinds of device a backend runs on.</summary>
public enum ComputeDevice
{
    /// <summary>The CPU: .NET arithmetic and ONNX Runtime's CPU provider.</summary>
    Cpu,

    /// <summary>An NVIDIA GPU: the engine's CUDA kernels and ONNX Runtime's CUDA provider on one stream.</summary>
    Cuda,
}
