using System.IO.Compression;
using EditToAudio.IO;
using EditToAudio.Models;
using EditToAudio.SyntheticModels;
using EditToAudio.Tests.Models;
using EditToAudio.Tests.Support;

namespace EditToAudio.Tests.Evaluation;

public sealed class LabelTableTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static float[] Row(float value) => [.. Enumerable.Range(0, 512).Select(i => value + i * 0.001f)];

    [Fact]
    public void The_model_sets_table_gives_each_labels_row_and_an_unknown_label_lists_the_labels_it_has()
    {
        LabelTable table = LabelTable.FromModelSet(SyntheticSet.Load());

        Assert.Equal(SyntheticWeights.LabelNames, table.Names);
        Assert.Equal(SyntheticSet.Weights.LabelEmbeddings.AsSpan(2 * 512, 512).ToArray(), table.Embedding("a duck quacking").ToArray());
        string message = table.UnknownMessage(["a cow mooing"]);
        Assert.Contains("'a cow mooing' not in", message, StringComparison.Ordinal);
        Assert.Contains("it has 8: 'a cat meowing', 'a dog barking', 'a duck quacking'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_npz_holds_one_array_per_label_named_by_it()
    {
        string path = _folder.File("labels.npz");
        using (ZipArchive archive = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach ((string name, float value) in new[] { ("a cow mooing", 0.5f), ("rain", -0.25f) })
            {
                using Stream entry = archive.CreateEntry(name + ".npy").Open();
                Npy.Write(entry, NpyArray.FromSingle(Row(value), 1, 512));
            }
        }

        LabelTable table = LabelTable.Load(path);

        Assert.Equal(["a cow mooing", "rain"], table.Names);
        Assert.Equal(Row(-0.25f), table.Embedding("rain").ToArray());
        Assert.Equal(64, table.Sha256.Length);
    }

    [Fact]
    public void A_npy_takes_its_names_from_the_txt_beside_it()
    {
        string path = _folder.File("mine.npy");
        Npy.Write(path, [.. Row(1), .. Row(2)], [2, 512]);
        var missing = Assert.Throws<FileNotFoundException>(() => LabelTable.Load(path));
        Assert.Contains("mine.txt", missing.Message, StringComparison.Ordinal);

        File.WriteAllLines(_folder.File("mine.txt"), ["first label", "", "second label"]);
        LabelTable table = LabelTable.Load(path);
        Assert.Equal(["first label", "second label"], table.Names);
        Assert.Equal(Row(2), table.Embedding("second label").ToArray());

        File.WriteAllLines(_folder.File("mine.txt"), ["only one"]);
        var shape = Assert.Throws<InvalidDataException>(() => LabelTable.Load(path));
        Assert.Contains("has shape (2, 512)", shape.Message, StringComparison.Ordinal);
        Assert.Contains("must be (1, 512)", shape.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_or_non_finite_rows_repeated_names_and_other_file_types_are_refused_by_name()
    {
        string zero = _folder.File("zero.npy");
        Npy.Write(zero, [.. Row(1), .. new float[512]], [2, 512]);
        File.WriteAllLines(_folder.File("zero.txt"), ["fine", "silent"]);
        Assert.Contains("'silent' (row 1) is zero", Assert.Throws<InvalidDataException>(() => LabelTable.Load(zero)).Message, StringComparison.Ordinal);

        string nan = _folder.File("nan.npy");
        float[] values = Row(1);
        values[7] = float.NaN;
        Npy.Write(nan, values, [1, 512]);
        File.WriteAllLines(_folder.File("nan.txt"), ["broken"]);
        Assert.Contains("'broken' (row 0) holds a non-finite value", Assert.Throws<InvalidDataException>(() => LabelTable.Load(nan)).Message, StringComparison.Ordinal);

        string twice = _folder.File("twice.npy");
        Npy.Write(twice, [.. Row(1), .. Row(2)], [2, 512]);
        File.WriteAllLines(_folder.File("twice.txt"), ["same", "same"]);
        Assert.Contains("'same' appears more than once", Assert.Throws<InvalidDataException>(() => LabelTable.Load(twice)).Message, StringComparison.Ordinal);

        Assert.Contains("must be a .npy", Assert.Throws<InvalidDataException>(() => LabelTable.Load(_folder.Write("labels.csv", [1]))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_set_names_its_label_file_and_distinct_labels()
    {
        string folder = _folder.File("set");
        SyntheticModelSet.Generate(folder, cancellationToken: TestContext.Current.CancellationToken);
        string manifest = Path.Combine(folder, ModelSetManifest.FileName);
        string json = File.ReadAllText(manifest);

        File.Delete(Path.Combine(folder, "labels.npy"));
        Assert.Contains("labels.file names 'labels.npy', which does not exist", Assert.Throws<ModelSetException>(() => ModelSet.Load(folder)).Message, StringComparison.Ordinal);

        File.WriteAllText(manifest, json.Replace("\"a dog barking\"", "\"a cat meowing\"", StringComparison.Ordinal));
        Assert.Contains("labels.names lists 'a cat meowing' more than once", Assert.Throws<ModelSetException>(() => ModelSet.Load(folder)).Message, StringComparison.Ordinal);

        File.WriteAllText(manifest, json.Replace("\"names\": [", "\"names\": [ 3,", StringComparison.Ordinal));
        Assert.Contains("labels needs \"file\"", Assert.Throws<ModelSetException>(() => ModelSet.Load(folder)).Message, StringComparison.Ordinal);

        int start = json.IndexOf("\"labels\"", StringComparison.Ordinal), end = json.IndexOf("\"constants\"", StringComparison.Ordinal);
        File.WriteAllText(manifest, json[..start] + json[end..]);
        ModelSet without = ModelSet.Load(folder);
        Assert.Null(without.Manifest.Labels);
        Assert.Contains("has no label table", Assert.Throws<ModelSetException>(() => LabelTable.FromModelSet(without)).Message, StringComparison.Ordinal);
    }
}
