using CsCheck;
using EditToAudio.Editing;
using EditToAudio.Reference;
using EditToAudio.Tests.Support;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace EditToAudio.Tests.Editing;

/// <summary>
/// The top-k symmetric eigensolver against MathNet's full float64 EVD, on random Gram matrices
/// and on the structures that break naive solvers: repeated and clustered eigenvalues (also
/// across the k boundary), rank deficiency, duplicated rows, diagonal, tridiagonal and zero input.
/// </summary>
public class SymmetricEigenTests
{
    private const double ValueTolerance = 1e-12;        // relative to the largest |eigenvalue|
    private const double OrthonormalityTolerance = 1e-12;
    private const double ResidualTolerance = 1e-10;     // ‖Gv − λv‖ relative to ‖G‖
    private const double CosineTolerance = 1e-10;       // 1 − |cos| for an isolated eigenvalue
    private const double SubspaceTolerance = 1e-8;      // projector difference for a cluster
    // Reference eigenvalues closer than this (relative to ‖G‖) form a cluster whose individual
    // vectors are not determined; their span is (to ~nε/gap).
    private const double ClusterGap = 1e-6;

    public static TheoryData<int> Sizes() => [1, 2, 3, 11, 12, 26, 104, 257];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Random_gram_matrices_match_the_full_decomposition_for_every_k(int n)
    {
        // Unit rows of CLIP's width, as in the edit: full rank, eigenvalues spread by Marchenko–Pastur.
        double[] gram = Gram(RandomRows(seed: n, n, columns: 768));
        CheckEveryK(gram, n, $"random Gram, n {n}");
    }

    [Theory]
    [InlineData(26, 3)]
    [InlineData(104, 3)]
    [InlineData(257, 12)]
    public void Rank_deficient_gram_matrices_with_many_zero_eigenvalues(int n, int rank)
    {
        double[] gram = Gram(RandomRows(seed: 7 * n + rank, n, columns: rank));
        CheckEveryK(gram, n, $"rank-{rank} Gram, n {n}");
    }

    [Theory]
    [InlineData(12, 4)]
    [InlineData(104, 5)]
    [InlineData(257, 30)]
    public void Duplicated_rows_give_repeated_rows_of_the_gram_matrix(int n, int distinct)
    {
        double[][] source = RandomRows(seed: 31 + n, distinct, columns: 48);
        double[][] rows = Enumerable.Range(0, n).Select(i => source[(i * 7 + i / 3) % distinct]).ToArray();
        CheckEveryK(Gram(rows), n, $"{distinct} distinct rows, n {n}");
    }

    public static TheoryData<string, int> Spectra() => new()
    {
        { "triple top", 26 },        // 5, 5, 5, 3, …
        { "cluster across k", 26 },  // 4, 3, 3, 3, 3, 1, … : k = 2…4 cut the cluster
        { "all equal", 11 },
        { "pairs", 104 },
        { "tight cluster", 40 },     // 2, 2 + 1e-9, 2 + 2e-9, …: closer than the cluster gap
    };

    [Theory]
    [MemberData(nameof(Spectra))]
    public void Repeated_and_clustered_eigenvalues(string spectrum, int n)
    {
        var random = new Random(n + spectrum.Length);
        double[] values = spectrum switch
        {
            "triple top" => [.. new double[] { 5, 5, 5, 3 }, .. Enumerable.Range(0, n - 4).Select(i => 2.0 * (n - i) / n)],
            "cluster across k" => [.. new double[] { 4, 3, 3, 3, 3 }, .. Enumerable.Range(0, n - 5).Select(i => 1.0 - (double)i / n)],
            "all equal" => Enumerable.Repeat(1.5, n).ToArray(),
            "pairs" => Enumerable.Range(0, n).Select(i => 1.0 + (i / 2) * 0.25).ToArray(),
            "tight cluster" => Enumerable.Range(0, n).Select(i => i < 8 ? 2 + i * 1e-9 : random.NextDouble()).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(spectrum), spectrum, null),
        };
        random.Shuffle(values);
        CheckEveryK(WithSpectrum(values, random), n, spectrum);
    }

    [Fact]
    public void Generated_spectra_with_frequent_repeats()
    {
        // Eigenvalues drawn from a few levels (some negative): multiplicities land anywhere,
        // also across the k boundary.
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[1, 60], Gen.Int[1, 6]).Sample((seed, n, levels) =>
        {
            var random = new Random(seed);
            double[] values = Enumerable.Range(0, n).Select(_ => random.Next(levels) - 1.0).ToArray();
            CheckEveryK(WithSpectrum(values, random), n, $"spectrum {{{string.Join(", ", values)}}} (seed {seed})");
        }, iter: 40);
    }

    [Fact]
    public void A_diagonal_matrix_with_repeated_entries()
    {
        double[] entries = [0.5, 3, 1, 3, 0, 2, 3, 0.5, 7, 0, 2, 1e-3];
        int n = entries.Length;
        var matrix = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            matrix[i * n + i] = entries[i];
        }
        CheckEveryK(matrix, n, "diagonal");
    }

    [Fact]
    public void An_already_tridiagonal_matrix_matches_its_closed_form_spectrum()
    {
        // tridiag(−1, 2, −1) has eigenvalues 2 − 2cos(jπ/(n+1)) and vectors sin(ijπ/(n+1)).
        const int n = 104;
        var matrix = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            matrix[i * n + i] = 2;
            if (i > 0)
            {
                matrix[i * n + i - 1] = matrix[(i - 1) * n + i] = -1;
            }
        }
        CheckEveryK(matrix, n, "tridiag(−1, 2, −1)");

        (double[] values, double[][] vectors) = SymmetricEigen.Top(matrix, n, 20);
        double[] expected = Enumerable.Range(0, 20).Select(t => 2 - 2 * Math.Cos((n - t) * Math.PI / (n + 1))).ToArray();
        Tolerance.AssertClose(expected, values, 4 * ValueTolerance, 0, "closed-form eigenvalues of tridiag(−1, 2, −1)");
        var cosines = new double[20];
        for (int t = 0; t < 20; t++)
        {
            double[] exact = Float64Reference.Normalize(Enumerable.Range(1, n).Select(i => Math.Sin(i * (n - t) * Math.PI / (n + 1))).ToArray());
            cosines[t] = Math.Abs(Dot(exact, vectors[t]));
        }
        Tolerance.AssertClose(Ones(20), cosines, CosineTolerance, 0, "|cos| with the closed-form eigenvectors");
    }

    [Fact]
    public void Wilkinson_matrix_with_nearly_equal_pairs()
    {
        // W₂₁⁺: its largest eigenvalues come in pairs that agree to ~1e-14 (hard for inverse iteration).
        const int n = 21;
        var matrix = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            matrix[i * n + i] = Math.Abs(10 - i);
            if (i > 0)
            {
                matrix[i * n + i - 1] = matrix[(i - 1) * n + i] = 1;
            }
        }
        CheckEveryK(matrix, n, "Wilkinson W21+");
    }

    [Fact]
    public void An_indefinite_matrix_gives_the_largest_algebraic_eigenvalues()
    {
        const int n = 26;
        var random = new Random(3);
        var matrix = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                matrix[i * n + j] = matrix[j * n + i] = TokenFactory.Gaussian(random);
            }
        }
        CheckEveryK(matrix, n, "indefinite");
    }

    [Fact]
    public void The_zero_matrix_gives_zero_values_and_orthonormal_vectors()
    {
        const int n = 12;
        for (int k = 1; k <= n; k++)
        {
            (double[] values, double[][] vectors) = SymmetricEigen.Top(new double[n * n], n, k);
            Tolerance.AssertClose(new double[k], values, 0, 0, $"zero matrix, k {k}: eigenvalues");
            AssertOrthonormal(vectors, $"zero matrix, k {k}");
        }
    }

    [Theory]
    [InlineData(600)]
    [InlineData(-600)]
    public void Scaling_by_a_power_of_two_scales_the_values_exactly_and_keeps_the_vectors(int exponent)
    {
        const int n = 26;
        double[] gram = Gram(RandomRows(seed: 5, n, columns: 40));
        (double[] values, double[][] vectors) = SymmetricEigen.Top(gram, n, 10);
        (double[] scaledValues, double[][] scaledVectors) = SymmetricEigen.Top(gram.Select(v => Math.ScaleB(v, exponent)).ToArray(), n, 10);
        Tolerance.AssertClose(values.Select(v => Math.ScaleB(v, exponent)).ToArray(), scaledValues, 0, 0, $"eigenvalues × 2^{exponent}");
        for (int t = 0; t < 10; t++)
        {
            Tolerance.AssertClose(vectors[t], scaledVectors[t], 0, 0, $"eigenvector {t} of the matrix × 2^{exponent}");
        }
    }

    [Fact]
    public void Only_the_lower_triangle_is_read()
    {
        const int n = 12;
        double[] gram = Gram(RandomRows(seed: 9, n, columns: 20));
        double[] lowerOnly = (double[])gram.Clone();
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                lowerOnly[i * n + j] = 1e6 * (i - j);
            }
        }
        (double[] values, _) = SymmetricEigen.Top(gram, n, 5);
        (double[] fromLower, _) = SymmetricEigen.Top(lowerOnly, n, 5);
        Tolerance.AssertClose(values, fromLower, 0, 0, "eigenvalues from the lower triangle only");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(51)]
    [InlineData(257)]
    public void Shifted_solves_match_a_dense_float64_solve_and_turn_towards_the_nearest_eigenvector(int n)
    {
        // A random tridiagonal T with some zero couplings (split blocks, zero pivots, many row swaps) and
        // seven shifts (two groups of lanes, one padded): well away from the spectrum the solve must match
        // a dense float64 solve; at or just beside an isolated eigenvalue it is inverse iteration, so the
        // solution must be that eigenvector.
        var random = new Random(4000 + n);
        double[] diagonal = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        double[] offDiagonal = Enumerable.Range(0, n).Select(i => i < n - 1 && i % 5 != 3 ? random.NextDouble() * 2 - 1 : 0).ToArray();
        Matrix<double> t = Matrix<double>.Build.Dense(n, n, (i, j) => i == j ? diagonal[i] : Math.Abs(i - j) == 1 ? offDiagonal[Math.Min(i, j)] : 0);
        Evd<double> evd = t.Evd(Symmetricity.Symmetric);
        int[] order = Enumerable.Range(0, n).OrderBy(i => evd.EigenValues[i].Real).ToArray();
        double[] spectrum = order.Select(i => evd.EigenValues[i].Real).ToArray();
        double norm = spectrum.Max(Math.Abs);
        double smallest = norm * Math.ScaleB(1.0, -52);
        int middle = n / 2;
        double[] shifts =
        [
            spectrum[^1], spectrum[0], spectrum[middle] + 1e-13 * norm, spectrum[middle] - 1e-9 * norm,
            (spectrum[0] + spectrum[^1]) / 2 + 1e-3, spectrum[^1] + 0.5, spectrum[0] - 3,
        ];
        int[] nearest = [n - 1, 0, middle, middle, -1, -1, -1];
        double[][] rightHandSides = shifts.Select(_ => Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();

        double[][] solutions = rightHandSides.Select(b => (double[])b.Clone()).ToArray();
        SymmetricEigen.SolveShifted(diagonal, offDiagonal, shifts, smallest, solutions);

        for (int s = 0; s < shifts.Length; s++)
        {
            string what = $"n {n}, shift {s} ({shifts[s]:R})";
            double distance = spectrum.Min(v => Math.Abs(v - shifts[s]));
            if (distance > 1e-2 * norm)
            {
                Matrix<double> shifted = t - shifts[s] * Matrix<double>.Build.DenseIdentity(n);
                double[] dense = shifted.Solve(Vector<double>.Build.DenseOfArray(rightHandSides[s])).ToArray();
                // Backward stable: the error is at most about cond(T − σI)·ε, and cond ≤ ‖T − σI‖/distance here.
                double bound = 1e3 * n * Math.ScaleB(1.0, -52) * (norm + Math.Abs(shifts[s])) / distance * dense.Max(Math.Abs);
                Tolerance.AssertClose(dense, solutions[s], bound, 0, $"{what}: against a dense float64 solve");
            }
            int j = nearest[s];
            double gap = j < 0 ? 0 : Math.Min(j > 0 ? spectrum[j] - spectrum[j - 1] : double.MaxValue, j < n - 1 ? spectrum[j + 1] - spectrum[j] : double.MaxValue);
            if (j >= 0 && (n == 1 || gap > 1e-3 * norm))
            {
                double[] eigenvector = evd.EigenVectors.Column(order[j]).ToArray();
                double[] solution = Float64Reference.Normalize(solutions[s]);
                Tolerance.AssertClose([1.0], [Math.Abs(Dot(eigenvector, solution))], 1e-9, 0, $"{what}: |cos| with eigenvector {j}");
            }
        }
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_a_clear_message()
    {
        var matrix = new double[9];
        matrix[5] = double.NaN;   // (1, 2): upper triangle, not read
        matrix[7] = double.NaN;   // (2, 1)
        var error = Assert.Throws<ArgumentException>(() => SymmetricEigen.Top(matrix, 3, 1));
        Assert.Contains("(2, 1)", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Top(new double[8], 3, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SymmetricEigen.Top(new double[9], 3, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => SymmetricEigen.Top(new double[9], 3, 0));
    }

    /// <summary>Runs every k from 1 to min(n, 20) against one full reference decomposition.</summary>
    private static void CheckEveryK(double[] matrix, int n, string what)
    {
        Matrix<double> g = Matrix<double>.Build.Dense(n, n, matrix);   // column-major = row-major for a symmetric matrix
        Evd<double> evd = g.Evd(Symmetricity.Symmetric);
        int[] order = Enumerable.Range(0, n).OrderByDescending(i => evd.EigenValues[i].Real).ToArray();
        double[] referenceValues = order.Select(i => evd.EigenValues[i].Real).ToArray();
        double[][] referenceVectors = order.Select(i => evd.EigenVectors.Column(i).ToArray()).ToArray();
        double norm = referenceValues.Max(Math.Abs);
        int[] cluster = ClusterIds(referenceValues, norm);

        for (int k = 1; k <= Math.Min(n, 20); k++)
        {
            string context = $"{what}, k {k}";
            (double[] values, double[][] vectors) = SymmetricEigen.Top(matrix, n, k);
            Assert.Equal(k, values.Length);
            Assert.Equal(k, vectors.Length);

            Tolerance.AssertClose(referenceValues.AsSpan(0, k), values, ValueTolerance * Math.Max(norm, double.Epsilon), 0, $"{context}: eigenvalues");
            AssertOrthonormal(vectors, context);

            var residuals = new double[k];
            for (int t = 0; t < k; t++)
            {
                double[] r = (g * Vector<double>.Build.DenseOfArray(vectors[t])).ToArray();
                residuals[t] = Math.Sqrt(r.Select((v, i) => (v - values[t] * vectors[t][i]) * (v - values[t] * vectors[t][i])).Sum());
            }
            Tolerance.AssertClose(new double[k], residuals, ResidualTolerance * norm, 0, $"{context}: residual ‖Gv − λv‖ per vector");

            // Isolated eigenvalues: the vector itself; clusters inside the top k: the projector
            // onto their span; a cluster cut by k: each vector lies in the cluster's span.
            var cosines = new List<double>();
            var cosineIndex = new List<int>();
            for (int t = 0; t < k;)
            {
                int end = t;
                while (end + 1 < n && cluster[end + 1] == cluster[t])
                {
                    end++;
                }
                if (end == t)
                {
                    cosines.Add(Math.Abs(Dot(referenceVectors[t], vectors[t])));
                    cosineIndex.Add(t);
                }
                else if (end < k)
                {
                    double[] expected = Projector(referenceVectors[t..(end + 1)], n);
                    double[] actual = Projector(vectors[t..(end + 1)], n);
                    Tolerance.AssertClose(expected, actual, SubspaceTolerance, 0, $"{context}: projector onto eigenvectors {t}..{end} (row-major {n}×{n})");
                }
                else
                {
                    double[][] span = referenceVectors[t..(end + 1)];
                    double[] outside = Enumerable.Range(t, k - t).Select(s => DistanceFromSpan(vectors[s], span)).ToArray();
                    Tolerance.AssertClose(new double[outside.Length], outside, SubspaceTolerance, 0,
                        $"{context}: distance of eigenvectors {t}..{k - 1} from the span of the reference cluster {t}..{end}");
                }
                t = end + 1;
            }
            Tolerance.AssertClose(Ones(cosines.Count), cosines.ToArray(), CosineTolerance, 0,
                $"{context}: |cos| with the reference vector, isolated eigenvalues {string.Join(',', cosineIndex)}");
        }
    }

    private static int[] ClusterIds(double[] descending, double norm)
    {
        var ids = new int[descending.Length];
        for (int i = 1; i < ids.Length; i++)
        {
            ids[i] = descending[i - 1] - descending[i] <= ClusterGap * norm ? ids[i - 1] : ids[i - 1] + 1;
        }
        return ids;
    }

    private static void AssertOrthonormal(double[][] vectors, string what)
    {
        int k = vectors.Length;
        var gram = new double[k * k];
        var identity = new double[k * k];
        for (int a = 0; a < k; a++)
        {
            identity[a * k + a] = 1;
            for (int b = 0; b < k; b++)
            {
                gram[a * k + b] = Dot(vectors[a], vectors[b]);
            }
        }
        Tolerance.AssertClose(identity, gram, OrthonormalityTolerance, 0, $"{what}: VᵀV − I (row-major {k}×{k})");
    }

    private static double[] Projector(double[][] vectors, int n)
    {
        var p = new double[n * n];
        foreach (double[] v in vectors)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    p[i * n + j] += v[i] * v[j];
                }
            }
        }
        return p;
    }

    private static double DistanceFromSpan(double[] x, double[][] orthonormal)
    {
        var rest = (double[])x.Clone();
        foreach (double[] u in orthonormal)
        {
            double c = Dot(rest, u);
            for (int i = 0; i < rest.Length; i++)
            {
                rest[i] -= c * u[i];
            }
        }
        return Math.Sqrt(Dot(rest, rest));
    }

    /// <summary>Q diag(values) Qᵀ with Q orthogonal (from the QR of a Gaussian matrix).</summary>
    private static double[] WithSpectrum(double[] values, Random random)
    {
        int n = values.Length;
        Matrix<double> gaussian = Matrix<double>.Build.Dense(n, n, (_, _) => TokenFactory.Gaussian(random));
        Matrix<double> q = gaussian.QR().Q;
        Matrix<double> a = q * Matrix<double>.Build.DenseOfDiagonalArray(values) * q.Transpose();
        a = 0.5 * (a + a.Transpose());
        return a.ToRowMajorArray();
    }

    private static double[][] RandomRows(int seed, int rows, int columns)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows).Select(_ => Float64Reference.Normalize(Enumerable.Range(0, columns).Select(_ => TokenFactory.Gaussian(random)).ToArray())).ToArray();
    }

    private static double[] Gram(double[][] rows)
    {
        int n = rows.Length;
        var gram = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                gram[i * n + j] = gram[j * n + i] = Dot(rows[i], rows[j]);
            }
        }
        return gram;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double[] Ones(int count) => Enumerable.Repeat(1.0, count).ToArray();
}
