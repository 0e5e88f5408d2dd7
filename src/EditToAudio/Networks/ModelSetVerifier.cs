using System.Globalization;
using EditToAudio.IO;
using EditToAudio.Models;
using Microsoft.ML.OnnxRuntime;

namespace EditToAudio.Networks;

/// <summary>How closely a set's outputs must match the saved reference, by the precision of its weights.</summary>
/// <param name="MaxRelativeError">Largest allowed max |ours − reference| / max |reference|.</param>
/// <param name="MinCosine">Smallest allowed cosine between the flattened output and the reference.</param>
public sealed record VerificationTolerance(double MaxRelativeError, double MinCosine)
{
    /// <summary>Float32 weights: ONNX Runtime and PyTorch differ only in the order of float32 sums (measured ≤ 2e-6 on the full-size set).</summary>
    public static VerificationTolerance Fp32 { get; } = new(1e-4, 0.99999);

    /// <summary>Float16 weights and arithmetic against the float32 reference.</summary>
    public static VerificationTolerance Fp16 { get; } = new(3e-2, 0.999);

    /// <summary>The tolerance for a set whose weights have <paramref name="precision"/>.</summary>
    public static VerificationTolerance For(ModelPrecision precision) => precision == ModelPrecision.Fp16 ? Fp16 : Fp32;
}

/// <summary>One output compared with its reference.</summary>
/// <param name="Network">The network's manifest key.</param>
/// <param name="Output">The contract output name.</param>
/// <param name="Shape">The output's shape.</param>
/// <param name="MaxAbsoluteError">max |ours − reference| (NaN when an output is not finite).</param>
/// <param name="MaxRelativeError"><paramref name="MaxAbsoluteError"/> / max |reference|.</param>
/// <param name="Cosine">Cosine between the flattened output and the reference.</param>
/// <param name="WorstElement">Index of the largest absolute difference, with both values.</param>
/// <param name="Passed">Whether both measures are within the tolerance.</param>
public sealed record OutputComparison(
    string Network, string Output, IReadOnlyList<long> Shape, double MaxAbsoluteError, double MaxRelativeError, double Cosine, string WorstElement, bool Passed);

/// <summary>The outcome of <see cref="ModelSetVerifier.Verify"/>.</summary>
/// <param name="CasesFolder">The folder the cases were read from.</param>
/// <param name="Precision">The set's precision.</param>
/// <param name="Tolerance">The tolerance applied.</param>
/// <param name="Comparisons">One entry per output, in pipeline order.</param>
public sealed record VerificationReport(string CasesFolder, ModelPrecision Precision, VerificationTolerance Tolerance, IReadOnlyList<OutputComparison> Comparisons)
{
    /// <summary>True when every output is within the tolerance.</summary>
    public bool Passed => Comparisons.All(c => c.Passed);

    /// <summary>How many networks were run.</summary>
    public int NetworkCount => Comparisons.Select(c => c.Network).Distinct().Count();
}

/// <summary>A case file is missing, unreadable or does not fit its contract; the message names the file.</summary>
public sealed class CaseFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CaseFileException() { }

    /// <summary>Creates the exception with a message.</summary>
    public CaseFileException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public CaseFileException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// Checks that a model set computes what the framework it was exported from computed: for every
/// network with a case folder (<c>CASES/&lt;network key&gt;/&lt;contract input or output name&gt;.npy</c>),
/// runs the network through the engine's own sessions on the saved inputs and compares each output
/// with the saved one. Float inputs may be stored as float16 or float32, int64 inputs as int64.
/// </summary>
public static class ModelSetVerifier
{
    /// <summary>The cases folder's name inside a model set.</summary>
    public const string DefaultCasesFolderName = "cases";

    /// <summary>Verifies <paramref name="set"/> on the cases in <paramref name="casesFolder"/> (default: the set's <c>cases</c> folder).</summary>
    /// <exception cref="CaseFileException">A case folder or file is missing, unreadable or mis-shaped.</exception>
    /// <exception cref="ModelSetException">A network does not load or breaks its contract.</exception>
    public static VerificationReport Verify(ModelSet set, string? casesFolder = null, NetworkOptions? options = null,
        IProgress<NetworkKind>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        string folder = Path.GetFullPath(casesFolder ?? Path.Combine(set.Folder, DefaultCasesFolderName));
        var contracts = CaseContracts(set, folder);
        var tolerance = VerificationTolerance.For(set.Manifest.Precision);
        var comparisons = new List<OutputComparison>();
        options ??= new NetworkOptions();
        using SessionOptions sessionOptions = NetworkSet.CreateSessionOptions(options);
        foreach (var contract in contracts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(contract.Kind);
            // One network open at a time, so a full-size set is verified in the memory of its largest network.
            using var session = ModelSession.Open(contract, set.PathOf(contract.Kind), sessionOptions, options.Provider);
            comparisons.AddRange(VerifyNetwork(session, Path.Combine(folder, contract.Key), tolerance, cancellationToken));
        }
        return new VerificationReport(folder, set.Manifest.Precision, tolerance, comparisons);
    }

    /// <summary>The contracts that have a case folder, checking that every case folder belongs to a network of the set.</summary>
    private static List<NetworkContract> CaseContracts(ModelSet set, string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new CaseFileException($"{folder}: no cases folder (expected one folder per network, named by its key, holding <tensor name>.npy files).");
        }
        foreach (string directory in Directory.GetDirectories(folder))
        {
            string key = Path.GetFileName(directory);
            var contract = NetworkContracts.ForKey(key)
                ?? throw new CaseFileException($"{directory}: '{key}' is not a network key (expected one of {string.Join(", ", NetworkContracts.All.Select(c => c.Key))}).");
            if (!set.Has(contract.Kind))
            {
                throw new CaseFileException($"{directory}: the model set has no {key} network.");
            }
        }
        var withCases = NetworkContracts.All.Where(c => set.Has(c.Kind) && Directory.Exists(Path.Combine(folder, c.Key))).ToList();
        if (withCases.Count == 0)
        {
            throw new CaseFileException($"{folder}: no case folder for any network of the set (expected folders such as {folder}{Path.DirectorySeparatorChar}unet).");
        }
        return withCases;
    }

    private static List<OutputComparison> VerifyNetwork(ModelSession session, string folder, VerificationTolerance tolerance, CancellationToken cancellationToken)
    {
        var contract = session.Contract;
        var bindings = new Dictionary<string, long>();
        var inputs = new Dictionary<string, OrtValue>();
        try
        {
            foreach (var tensor in contract.Inputs)
            {
                var (array, shape) = ReadCase(folder, tensor, bindings);
                inputs[tensor.Name] = tensor.DataType == TensorDataType.Int64
                    ? OrtValue.CreateTensorValueFromMemory(array.ToInt64(), shape)
                    : OrtValue.CreateTensorValueFromMemory(array.ToSingle(), shape);
            }
            var references = contract.Outputs.Select(tensor => ReadCase(folder, tensor, bindings)).ToList();
            IDisposableReadOnlyCollection<OrtValue> outputs;
            try
            {
                outputs = session.Run(inputs, cancellationToken);
            }
            catch (OnnxRuntimeException e)
            {
                // Typically a size the model fixed (clap_audio's input length) that the case does not have.
                throw new CaseFileException($"{folder}: {contract.Key} cannot run on these case inputs: {e.Message}", e);
            }
            using var results = outputs;
            var comparisons = new List<OutputComparison>();
            for (int i = 0; i < contract.Outputs.Count; i++)
            {
                var (reference, shape) = references[i];
                long[] produced = results[i].GetTensorTypeAndShape().Shape;
                string file = CasePath(folder, contract.Outputs[i]);
                if (!produced.SequenceEqual(shape))
                {
                    throw new CaseFileException($"{file}: shape [{string.Join(",", shape)}], but {contract.Key} returns [{string.Join(",", produced)}] for the case inputs.");
                }
                comparisons.Add(Compare(contract.Key, contract.Outputs[i].Name, shape, results[i].GetTensorDataAsSpan<float>(), reference.ToSingle(), tolerance));
            }
            return comparisons;
        }
        finally
        {
            foreach (var value in inputs.Values)
            {
                value.Dispose();
            }
        }
    }

    private static string CasePath(string folder, TensorContract tensor) => Path.Combine(folder, tensor.Name + ".npy");

    /// <summary>Reads one case file and checks its type and its shape against the contract (symbols shared across the network's tensors).</summary>
    private static (NpyArray Array, long[] Shape) ReadCase(string folder, TensorContract tensor, Dictionary<string, long> bindings)
    {
        string path = CasePath(folder, tensor);
        if (!File.Exists(path))
        {
            throw new CaseFileException($"{path}: missing (every input and output of the {Path.GetFileName(folder)} contract needs a case file).");
        }
        NpyArray array;
        try
        {
            array = Npy.Read(path);
        }
        catch (NpyFormatException e)
        {
            throw new CaseFileException(e.Message, e);
        }
        bool typeFits = tensor.DataType == TensorDataType.Int64
            ? array.DType == NpyDType.Int64
            : array.DType is NpyDType.Float16 or NpyDType.Float32;
        if (!typeFits)
        {
            string expected = tensor.DataType == TensorDataType.Int64 ? "int64 ('<i8')" : "float16 or float32";
            throw new CaseFileException($"{path}: dtype {array.DType}, expected {expected} for {tensor.Name}.");
        }
        long[] shape = [.. array.Shape.Select(d => (long)d)];
        string? problem = ShapeProblem(tensor, shape, bindings);
        if (problem is not null)
        {
            throw new CaseFileException($"{path}: shape [{string.Join(",", shape)}] does not fit {tensor.Name} {tensor.ShapeText}: {problem}.");
        }
        return (array, shape);
    }

    private static string? ShapeProblem(TensorContract tensor, long[] shape, Dictionary<string, long> bindings)
    {
        if (shape.Length != tensor.Shape.Count)
        {
            return $"rank {shape.Length}, expected {tensor.Shape.Count}";
        }
        for (int axis = 0; axis < shape.Length; axis++)
        {
            Dimension want = tensor.Shape[axis];
            if (want.IsFixed)
            {
                if (shape[axis] != want.Value)
                {
                    return $"axis {axis} is {shape[axis]}, the contract fixes {want.Value}";
                }
                continue;
            }
            if (shape[axis] == 0 || shape[axis] % want.Multiplier != 0)
            {
                return $"axis {axis} is {shape[axis]}, not a positive multiple of {want.Multiplier} ({want})";
            }
            long value = shape[axis] / want.Multiplier;
            if (bindings.TryGetValue(want.Symbol!, out long bound) && bound != value)
            {
                return $"axis {axis} gives {want.Symbol} = {value}, another case file of this network gives {bound}";
            }
            bindings[want.Symbol!] = value;
        }
        return null;
    }

    /// <summary>Max absolute and relative error and cosine, accumulated in float64.</summary>
    public static OutputComparison Compare(string network, string output, IReadOnlyList<long> shape, ReadOnlySpan<float> ours, ReadOnlySpan<float> reference, VerificationTolerance tolerance)
    {
        ArgumentNullException.ThrowIfNull(tolerance);
        ArgumentNullException.ThrowIfNull(shape);
        if (ours.Length != reference.Length)
        {
            throw new ArgumentException($"{network} {output}: {ours.Length} values against {reference.Length} in the reference.", nameof(reference));
        }
        double maxAbs = 0, maxReference = 0, dot = 0, oursNorm = 0, referenceNorm = 0;
        long worst = 0;
        bool finite = true;
        for (int i = 0; i < ours.Length; i++)
        {
            double a = ours[i], b = reference[i];
            if (!double.IsFinite(a) || !double.IsFinite(b))
            {
                if (finite)
                {
                    worst = i;
                }
                finite = false;
                continue;
            }
            double difference = Math.Abs(a - b);
            if (difference > maxAbs)
            {
                maxAbs = difference;
                worst = i;
            }
            maxReference = Math.Max(maxReference, Math.Abs(b));
            dot += a * b;
            oursNorm += a * a;
            referenceNorm += b * b;
        }
        if (!finite)
        {
            maxAbs = double.NaN;
        }
        double relative = maxAbs / Math.Max(maxReference, double.Epsilon);
        double cosine = oursNorm == 0 && referenceNorm == 0 ? 1 : dot / Math.Sqrt(oursNorm * referenceNorm);
        string worstText = ours.Length == 0 ? "none" : string.Create(CultureInfo.InvariantCulture,
            $"[{string.Join(",", Unravel(worst, shape))}] ours {ours[(int)worst]:G9}, reference {reference[(int)worst]:G9}");
        bool passed = finite && relative <= tolerance.MaxRelativeError && cosine >= tolerance.MinCosine;
        return new OutputComparison(network, output, shape, maxAbs, relative, cosine, worstText, passed);
    }

    private static long[] Unravel(long index, IReadOnlyList<long> shape)
    {
        var result = new long[shape.Count];
        for (int axis = shape.Count - 1; axis >= 0; axis--)
        {
            result[axis] = shape[axis] == 0 ? 0 : index % shape[axis];
            index = shape[axis] == 0 ? 0 : index / shape[axis];
        }
        return result;
    }
}
