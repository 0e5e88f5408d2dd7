using EditToAudio.Models;
using EditToAudio.Tests.Support;
using Google.Protobuf;
using Onnx;

namespace EditToAudio.Tests.Models;

public class ContractCheckerTests
{
    private static ModelProto LoadSynthetic(NetworkKind kind) =>
        ModelProto.Parser.ParseFrom(File.ReadAllBytes(SyntheticSet.Load().PathOf(kind)));

    private static IReadOnlyList<ContractProblem> CheckModified(NetworkKind kind, Action<ModelProto> breakIt)
    {
        var model = LoadSynthetic(kind);
        breakIt(model);
        using var folder = new TemporaryFolder();
        string path = Path.Combine(folder.Path, "broken.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return ContractChecker.CheckFile(NetworkContracts.For(kind), path);
    }

    [Fact]
    public void Missing_input_is_reported_with_the_names_found()
    {
        // Rename the graph input and feed the old name through an Identity node: a valid model whose input is called "features".
        var problems = CheckModified(NetworkKind.Ssv2aManifold, model =>
        {
            model.Graph.Input[0].Name = "features";
            var identity = new NodeProto { OpType = "Identity", Name = "rename" };
            identity.Input.Add("features");
            identity.Output.Add("clip");
            model.Graph.Node.Insert(0, identity);
        });
        Assert.Equal(2, problems.Count);
        Assert.Equal(new ContractProblem("ssv2a_manifold", "input clip", "float [N,768]", "no input of that name (inputs: features)"), problems[0]);
        Assert.Equal("input features", problems[1].Tensor);
        Assert.Contains("no such input", problems[1].Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_shape_is_reported_with_the_axis()
    {
        var problems = CheckModified(NetworkKind.ClipTokens, model =>
            model.Graph.Input[0].Type.TensorType.Shape.Dim[2].DimValue = 112);
        var problem = Assert.Single(problems);
        Assert.Equal("clip_tokens", problem.Network);
        Assert.Equal("input pixel_values", problem.Tensor);
        Assert.Equal("float [B,3,224,224]", problem.Expected);
        Assert.StartsWith("float [B,3,112,224]", problem.Found, StringComparison.Ordinal);
        Assert.Contains("axis size 112, expected 224", problem.Found, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_element_type_is_reported()
    {
        // Gather takes int32 indices too, so the model stays valid with an int32 timestep.
        var problems = CheckModified(NetworkKind.UNet, model =>
            model.Graph.Input.Single(i => i.Name == "timestep").Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Int32);
        var problem = Assert.Single(problems);
        Assert.Equal(new ContractProblem("unet", "input timestep", "int64 [N]", "int32 [N]"), problem);
    }

    [Fact]
    public void Wrong_rank_is_reported()
    {
        var problems = CheckModified(NetworkKind.Ssv2aManifold, model =>
            model.Graph.Input[0].Type.TensorType.Shape.Dim.Insert(1, new TensorShapeProto.Types.Dimension { DimValue = 1 }));
        var problem = problems.First(p => p.Tensor == "input clip");
        Assert.Equal("float [N,768]", problem.Expected);
        Assert.Contains("rank 3, expected 2", problem.Found, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_does_not_load_is_one_problem_naming_it()
    {
        using var folder = new TemporaryFolder();
        string path = Path.Combine(folder.Path, "garbage.onnx");
        File.WriteAllText(path, "not a model");
        var problem = Assert.Single(ContractChecker.CheckFile(NetworkContracts.Vocoder, path));
        Assert.Equal("file", problem.Tensor);
        Assert.Contains("garbage.onnx", problem.Found, StringComparison.Ordinal);
        var missing = Assert.Single(ContractChecker.CheckFile(NetworkContracts.Vocoder, Path.Combine(folder.Path, "absent.onnx")));
        Assert.Contains("absent.onnx", missing.Found, StringComparison.Ordinal);
    }

    [Fact]
    public void Fixed_sizes_bind_symbols_consistently()
    {
        var contract = NetworkContracts.VaeDecoder;
        DeclaredTensor Tensor(string name, params long[] dims) => new(name, true, TensorDataType.Float32, dims, [.. dims.Select(_ => "")]);
        Assert.Empty(ContractChecker.Check(contract, [Tensor("latent", -1, 8, 256, 16)], [Tensor("mel", -1, 1, 1024, 64)]));
        Assert.Empty(ContractChecker.Check(contract, [Tensor("latent", -1, 8, -1, 16)], [Tensor("mel", -1, 1, -1, 64)]));
        var problem = Assert.Single(ContractChecker.Check(contract, [Tensor("latent", 1, 8, 256, 16)], [Tensor("mel", 1, 1, 1000, 64)]));
        Assert.Contains("4T = 1000 gives T = 250, but input latent axis 2 gives T = 256", problem.Found, StringComparison.Ordinal);
        var notMultiple = Assert.Single(ContractChecker.Check(contract, [Tensor("latent", 1, 8, -1, 16)], [Tensor("mel", 1, 1, 1001, 64)]));
        Assert.Contains("not a multiple of 4", notMultiple.Found, StringComparison.Ordinal);
    }

    [Fact]
    public void Dimensions_parse_and_print()
    {
        Assert.Equal(Dimension.Fixed(224), Dimension.Parse("224"));
        Assert.Equal(Dimension.Symbolic("T", 640), Dimension.Parse("640T"));
        Assert.Equal("640T", Dimension.Parse("640T").ToString());
        Assert.Equal(2560, Dimension.Parse("640T").Resolve(4));
        Assert.Throws<FormatException>(() => Dimension.Parse("4-T"));
        Assert.Throws<FormatException>(() => Dimension.Parse(""));
    }
}
