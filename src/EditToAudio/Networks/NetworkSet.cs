using System.Collections.Concurrent;
using System.Globalization;
using EditToAudio.Models;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Networks;

/// <summary>
/// Owns one session per network of a model set for the lifetime of an engine instance. The
/// execution provider is set up when the set is created (so a missing CUDA library is reported
/// at once, with ONNX Runtime's reason, and never replaced by the CPU); each session is opened on
/// first use and then reused. Thread-safe: getting an open session takes no lock.
/// </summary>
public sealed class NetworkSet : IDisposable
{
    private readonly SessionOptions _sessionOptions;
    // Read without the lock, so a network that is already open is never held up by another one's
    // load; loads (and Dispose, which frees the options they use) take the lock.
    private readonly ConcurrentDictionary<NetworkKind, ModelSession> _sessions = new();
    private readonly Lock _lock = new();
    private bool _disposed;

    /// <summary>Creates the set's session options for <paramref name="options"/>' provider.</summary>
    /// <exception cref="ExecutionProviderException">When the CUDA provider was asked for and cannot be appended.</exception>
    public NetworkSet(ModelSet models, NetworkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        Models = models;
        Options = options ?? new NetworkOptions();
        _sessionOptions = CreateSessionOptions(Options);
    }

    /// <summary>The model set.</summary>
    public ModelSet Models { get; }

    /// <summary>The options the sessions are created with.</summary>
    public NetworkOptions Options { get; }

    /// <summary>The provider every session uses (the one asked for: there is no fallback).</summary>
    public ExecutionProvider Provider => Options.Provider;

    /// <summary>The session of <paramref name="kind"/>, opened and contract-checked on first use.</summary>
    /// <exception cref="ModelSetException">When the set lacks the network or its file breaks the contract.</exception>
    public ModelSession Get(NetworkKind kind)
    {
        if (_sessions.TryGetValue(kind, out var open) && !Volatile.Read(ref _disposed))
        {
            return open;
        }
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_sessions.TryGetValue(kind, out var session))
            {
                session = ModelSession.Open(NetworkContracts.For(kind), Models.PathOf(kind), _sessionOptions, Provider);
                _sessions[kind] = session;
            }
            return session;
        }
    }

    /// <summary>
    /// Network runs per kind so far (0 for a network never opened): a snapshot, so callers
    /// can diff two of them to count the calls of one piece of work.
    /// </summary>
    public IReadOnlyDictionary<NetworkKind, long> CallCounts
    {
        get
        {
            return Enum.GetValues<NetworkKind>().ToDictionary(kind => kind, kind => _sessions.TryGetValue(kind, out var session) ? session.Calls : 0L);
        }
    }

    /// <summary>Builds ONNX Runtime session options for <paramref name="options"/>.</summary>
    /// <exception cref="ExecutionProviderException">When the CUDA provider cannot be appended; the message carries ONNX Runtime's reason.</exception>
    public static SessionOptions CreateSessionOptions(NetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            // The memory pattern plans one block per input shape and takes it from the arena beside
            // the blocks of earlier calls: a full-size SAM2 encoder grew by 1 GB on its second image.
            // Without it the arena reuses its blocks (the UNet's speed within noise; docs/performance.md).
            EnableMemoryPattern = false,
        };
        if (options.Provider == ExecutionProvider.Cuda)
        {
            try
            {
                using var cuda = new OrtCUDAProviderOptions();
                cuda.UpdateOptions(CudaProviderOptions(options));
                sessionOptions.AppendExecutionProvider_CUDA(cuda);
            }
            catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
            {
                sessionOptions.Dispose();
                throw new ExecutionProviderException(
                    $"The CUDA execution provider (device {options.DeviceId}) cannot be used: {e.Message} " +
                    "ONNX Runtime 1.31 needs the CUDA 13 runtime, cuBLAS and cuDNN 9 libraries on the library path. Run on the CPU explicitly instead; there is no automatic fallback.", e);
            }
        }
        return sessionOptions;
    }

    /// <summary>The CUDA provider's options for <paramref name="options"/>: the device, the engine's stream when one is given, and whether TF32 is allowed.</summary>
    public static Dictionary<string, string> CudaProviderOptions(NetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var values = new Dictionary<string, string> { ["device_id"] = options.DeviceId.ToString(CultureInfo.InvariantCulture) };
        if (options.ComputeStream != 0)
        {
            // ONNX Runtime parses the stream as an unsigned decimal address.
            values["has_user_compute_stream"] = "1";
            values["user_compute_stream"] = ((nuint)options.ComputeStream).ToString(CultureInfo.InvariantCulture);
        }
        values["use_tf32"] = options.AllowTf32 ? "1" : "0";
        return values;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            foreach (var session in _sessions.Values)
            {
                session.Dispose();
            }
            _sessions.Clear();
            _sessionOptions.Dispose();
        }
    }
}
