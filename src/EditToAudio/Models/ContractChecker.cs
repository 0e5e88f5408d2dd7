using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EditToAudio.Models;

/// <summary>One way a network file breaks its contract.</summary>
/// <param name="Network">The network's manifest key.</param>
/// <param name="Tensor">What the problem is about, for example <c>input image</c>, or <c>file</c>.</param>
/// <param name="Expected">What the contract asks for.</param>
/// <param name="Found">What the file has.</param>
public sealed record ContractProblem(string Network, string Tensor, string Expected, string Found)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Network}: {Tensor}: expected {Expected}, found {Found}";
}

/// <summary>An input or output as a loaded model declares it.</summary>
/// <param name="Name">Its name.</param>
/// <param name="IsTensor">False for sequences, maps and optionals.</param>
/// <param name="DataType">Element type.</param>
/// <param name="Dimensions">Sizes; −1 (or 0) for a dynamic dimension.</param>
/// <param name="SymbolicNames">Names of dynamic dimensions where the model gives one, else empty strings.</param>
public sealed record DeclaredTensor(string Name, bool IsTensor, TensorDataType DataType, IReadOnlyList<long> Dimensions, IReadOnlyList<string> SymbolicNames)
{
    /// <summary>The shape as text, symbolic names (or ?) for dynamic dimensions.</summary>
    public string ShapeText => "[" + string.Join(",", Dimensions.Select((d, i) => d > 0
        ? d.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : i < SymbolicNames.Count && SymbolicNames[i].Length > 0 ? SymbolicNames[i] : "?")) + "]";

    /// <summary>Reads ONNX Runtime's metadata of one input or output.</summary>
    public static DeclaredTensor From(string name, NodeMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        bool isTensor = metadata.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR;
        var type = isTensor ? ToDataType(metadata.ElementDataType) : TensorDataType.Other;
        return new DeclaredTensor(name, isTensor, type,
            isTensor ? [.. metadata.Dimensions.Select(d => (long)d)] : [],
            isTensor ? [.. metadata.SymbolicDimensions.Select(s => s ?? "")] : []);
    }

    /// <summary>Maps ONNX Runtime's element type to the contract's.</summary>
    public static TensorDataType ToDataType(TensorElementType type) => type switch
    {
        TensorElementType.Float => TensorDataType.Float32,
        TensorElementType.Float16 => TensorDataType.Float16,
        TensorElementType.Int32 => TensorDataType.Int32,
        TensorElementType.Int64 => TensorDataType.Int64,
        TensorElementType.Bool => TensorDataType.Bool,
        _ => TensorDataType.Other,
    };
}

/// <summary>
/// Compares a loaded network with its <see cref="NetworkContract"/>. Rules: every contract
/// input and output must exist with the contract's element type and rank; the model must not
/// need inputs the contract lacks (extra outputs are ignored); a fixed contract size must match
/// a fixed model size (a dynamic model size accepts anything); a symbolic contract size accepts
/// a dynamic model size, or a fixed one as long as every use of the symbol agrees (4T = 1024
/// binds T = 256 everywhere in that network).
/// </summary>
public static class ContractChecker
{
    /// <summary>Checks an open session.</summary>
    public static IReadOnlyList<ContractProblem> Check(NetworkContract contract, InferenceSession session)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(session);
        return Check(contract,
            [.. session.InputMetadata.Select(p => DeclaredTensor.From(p.Key, p.Value))],
            [.. session.OutputMetadata.Select(p => DeclaredTensor.From(p.Key, p.Value))]);
    }

    /// <summary>Checks declared inputs and outputs (whatever loaded them).</summary>
    public static IReadOnlyList<ContractProblem> Check(NetworkContract contract, IReadOnlyList<DeclaredTensor> inputs, IReadOnlyList<DeclaredTensor> outputs)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var problems = new List<ContractProblem>();
        var bindings = new Dictionary<string, (long Value, string Where)>();
        CheckSide(contract, "input", contract.Inputs, inputs, bindings, problems);
        CheckSide(contract, "output", contract.Outputs, outputs, bindings, problems);
        foreach (var extra in inputs.Where(i => contract.Inputs.All(c => c.Name != i.Name)))
        {
            problems.Add(new ContractProblem(contract.Key, $"input {extra.Name}", "no such input (the engine would not feed it)", $"{extra.DataType.OnnxName()} {extra.ShapeText}"));
        }
        return problems;
    }

    /// <summary>Loads <paramref name="path"/> on the CPU and checks it; a file that does not load is one problem.</summary>
    public static IReadOnlyList<ContractProblem> CheckFile(NetworkContract contract, string path)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return [new ContractProblem(contract.Key, "file", "an ONNX file", $"no file at {path}")];
        }
        try
        {
            // Shape-merge warnings would go to the console; the problems list says what matters.
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            using var session = new InferenceSession(path, options);
            return Check(contract, session);
        }
        catch (OnnxRuntimeException e)
        {
            return [new ContractProblem(contract.Key, "file", "a model ONNX Runtime can load", $"{Path.GetFileName(path)} fails to load: {e.Message}")];
        }
    }

    /// <summary>Checks every network of a set, in pipeline order.</summary>
    public static IReadOnlyList<ContractProblem> CheckSet(ModelSet set, IProgress<NetworkKind>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var problems = new List<ContractProblem>();
        foreach (var contract in NetworkContracts.All.Where(c => set.Has(c.Kind)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(contract.Kind);
            problems.AddRange(CheckFile(contract, set.PathOf(contract.Kind)));
        }
        return problems;
    }

    private static void CheckSide(NetworkContract contract, string side, IReadOnlyList<TensorContract> expected, IReadOnlyList<DeclaredTensor> declared,
        Dictionary<string, (long Value, string Where)> bindings, List<ContractProblem> problems)
    {
        foreach (var want in expected)
        {
            string what = $"{side} {want.Name}";
            string expectedText = $"{want.DataType.OnnxName()} {want.ShapeText}";
            var found = declared.FirstOrDefault(d => d.Name == want.Name);
            if (found is null)
            {
                string others = declared.Count == 0 ? "none" : string.Join(", ", declared.Select(d => d.Name));
                problems.Add(new ContractProblem(contract.Key, what, expectedText, $"no {side} of that name ({side}s: {others})"));
                continue;
            }
            string foundText = $"{(found.IsTensor ? found.DataType.OnnxName() : "a non-tensor value")} {found.ShapeText}";
            if (!found.IsTensor || found.DataType != want.DataType)
            {
                problems.Add(new ContractProblem(contract.Key, what, expectedText, foundText));
                continue;
            }
            if (found.Dimensions.Count != want.Shape.Count)
            {
                problems.Add(new ContractProblem(contract.Key, what, expectedText, $"{foundText} (rank {found.Dimensions.Count}, expected {want.Shape.Count})"));
                continue;
            }
            for (int axis = 0; axis < want.Shape.Count; axis++)
            {
                string? mismatch = CheckDimension(want.Shape[axis], found.Dimensions[axis], $"{what} axis {axis}", bindings);
                if (mismatch is not null)
                {
                    problems.Add(new ContractProblem(contract.Key, what, expectedText, $"{foundText} ({mismatch})"));
                    break;
                }
            }
        }
    }

    private static string? CheckDimension(Dimension want, long found, string where, Dictionary<string, (long Value, string Where)> bindings)
    {
        if (found <= 0)
        {
            return null; // dynamic: the engine supplies the size
        }
        if (want.IsFixed)
        {
            return found == want.Value ? null : $"axis size {found}, expected {want.Value}";
        }
        if (found % want.Multiplier != 0)
        {
            return $"axis size {found} is not a multiple of {want.Multiplier} ({want})";
        }
        long value = found / want.Multiplier;
        if (bindings.TryGetValue(want.Symbol!, out var bound) && bound.Value != value)
        {
            return $"{want} = {found} gives {want.Symbol} = {value}, but {bound.Where} gives {want.Symbol} = {bound.Value}";
        }
        bindings[want.Symbol!] = (value, where);
        return null;
    }
}
