using EditToAudio.Models;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Networks;

/// <summary>
/// One network's ONNX Runtime session, checked against its contract when opened. Running a
/// session from several threads at once is allowed (ONNX Runtime's Run is thread-safe).
/// </summary>
public sealed class ModelSession : IDisposable
{
    private readonly InferenceSession _session;
    private long _calls;

    private ModelSession(NetworkContract contract, string path, InferenceSession session, ExecutionProvider provider)
    {
        Contract = contract;
        Path = path;
        _session = session;
        Provider = provider;
        DeclaredInputs = [.. session.InputMetadata.Select(p => DeclaredTensor.From(p.Key, p.Value))];
    }

    /// <summary>The contract the network satisfies.</summary>
    public NetworkContract Contract { get; }

    /// <summary>The ONNX file.</summary>
    public string Path { get; }

    /// <summary>The provider the session was created with.</summary>
    public ExecutionProvider Provider { get; }

    /// <summary>The inputs as the file declares them: a size the contract leaves symbolic may be fixed here.</summary>
    public IReadOnlyList<DeclaredTensor> DeclaredInputs { get; }

    /// <summary>Runs started (by any Run or RunBound overload) since the session was opened (thread-safe).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Opens <paramref name="path"/> with <paramref name="sessionOptions"/> and checks it against <paramref name="contract"/>.</summary>
    /// <exception cref="ModelSetException">When the file does not load or breaks its contract (every problem listed).</exception>
    public static ModelSession Open(NetworkContract contract, string path, SessionOptions sessionOptions, ExecutionProvider provider)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(sessionOptions);
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelSetException($"{contract.Key}: ONNX Runtime cannot load {path}: {e.Message}", e);
        }
        try
        {
            var problems = ContractChecker.Check(contract, session);
            if (problems.Count > 0)
            {
                throw new ModelSetException($"{path} does not satisfy the {contract.Key} contract:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
            }
            return new ModelSession(contract, path, session, provider);
        }
        catch
        {
            // Whatever the check throws, the native session must not outlive it.
            session.Dispose();
            throw;
        }
    }

    /// <summary>Runs the network on named inputs and returns the outputs named by the contract, in contract order.</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyDictionary<string, OrtValue> inputs, CancellationToken cancellationToken = default) =>
        Run(inputs, keepWorkingMemory: false, cancellationToken);

    /// <summary>Runs the network on named inputs and returns the outputs named by the contract, in contract order.</summary>
    /// <param name="inputs">The contract's inputs by name.</param>
    /// <param name="keepWorkingMemory">
    /// True when another call of this network follows at once (the sampler's steps): ONNX Runtime's
    /// working memory stays for it. Otherwise it goes back to the system when the call ends.
    /// </param>
    /// <param name="cancellationToken">Stops the call between two of the network's nodes.</param>
    public IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyDictionary<string, OrtValue> inputs, bool keepWorkingMemory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return Execute(runOptions => _session.Run(runOptions, [.. inputs.Keys], [.. inputs.Values], [.. Contract.Outputs.Select(o => o.Name)]), keepWorkingMemory, cancellationToken);
    }

    /// <summary>
    /// Runs the network on the inputs and outputs <paramref name="bind"/> puts into an I/O binding, so
    /// tensors in device memory are read and written where they are, with no copy through the host.
    /// </summary>
    public void RunBound(Action<OrtIoBinding> bind, CancellationToken cancellationToken = default) =>
        RunBound(bind, _ => true, keepWorkingMemory: false, cancellationToken);

    /// <summary><see cref="RunBound(Action{OrtIoBinding}, CancellationToken)"/>; <paramref name="keepWorkingMemory"/> as for <see cref="Run(IReadOnlyDictionary{string, OrtValue}, bool, CancellationToken)"/>.</summary>
    public void RunBound(Action<OrtIoBinding> bind, bool keepWorkingMemory, CancellationToken cancellationToken = default) =>
        RunBound(bind, _ => true, keepWorkingMemory, cancellationToken);

    /// <summary>
    /// <see cref="RunBound(Action{OrtIoBinding}, CancellationToken)"/>, then <paramref name="collect"/> reads the
    /// binding's outputs (those bound to a device rather than to a value) before the binding is released.
    /// </summary>
    public T RunBound<T>(Action<OrtIoBinding> bind, Func<OrtIoBinding, T> collect, CancellationToken cancellationToken = default) =>
        RunBound(bind, collect, keepWorkingMemory: false, cancellationToken);

    private T RunBound<T>(Action<OrtIoBinding> bind, Func<OrtIoBinding, T> collect, bool keepWorkingMemory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(collect);
        using OrtIoBinding binding = _session.CreateIoBinding();
        bind(binding);
        Execute(runOptions =>
        {
            _session.RunWithBinding(runOptions, binding);
            return true;
        }, keepWorkingMemory, cancellationToken);
        return collect(binding);
    }

    private T Execute<T>(Func<RunOptions, T> run, bool keepWorkingMemory, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _calls);
        using var runOptions = new RunOptions();
        if (!keepWorkingMemory)
        {
            // ONNX Runtime's CPU arena never gives back what a call grew it to; every open network would
            // keep its largest call's working memory for the life of the process (a full-size `run`
            // peaked at 8.9 GB that way). Released here, the process holds the weights and one call's memory.
            runOptions.AddRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
        }
        // ONNX Runtime polls the terminate flag between nodes, so a long network stops early.
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        try
        {
            return run(runOptions);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    /// <summary>Ends ONNX Runtime's profiling (a session opened with profiling on) and returns the trace file it wrote.</summary>
    internal string EndProfiling() => _session.EndProfiling();

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();
}
