namespace EditToAudio.Cuda;

internal static class CudaAssembly;
