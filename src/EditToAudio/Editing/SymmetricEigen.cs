using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EditToAudio.Numerics;

namespace EditToAudio.Editing;

/// <summary>
/// The few largest eigenpairs of a small dense symmetric matrix, in float64.
/// </summary>
/// <remarks>
/// The edit needs only the top k (≤ ~20) eigenvectors of a Gram matrix of order ≤ 257, so a full
/// decomposition with accumulated eigenvectors wastes most of its work. The steps are the classic
/// ones: Householder reduction to tridiagonal form T = QᵀAQ (reflectors kept), the wanted
/// eigenvalues of T by Sturm counts (bisection and Laguerre steps), their eigenvectors by inverse iteration
/// (tridiagonal LU with partial pivoting, Gram–Schmidt against the vectors already found), and
/// the back-transformation v = Qy of only those k vectors.
/// </remarks>
internal static class SymmetricEigen
{
    private const double Epsilon = 1.0 / (1L << 52);          // spacing of doubles at 1
    private static readonly double SafeMinimum = Math.ScaleB(1.0, -1022);

    private const int MinimumIterations = 1;
    private const int MaximumIterations = 6;

    /// <summary>
    /// The <paramref name="k"/> largest eigenvalues of the symmetric <paramref name="n"/>×<paramref name="n"/>
    /// matrix (row-major; only its lower triangle is read), in descending order, and orthonormal
    /// eigenvectors for them. Each vector's largest component (the first, on ties) is positive.
    /// </summary>
    /// <exception cref="ArgumentException">The matrix is not n×n or holds a NaN or infinity.</exception>
    public static (double[] Values, double[][] Vectors) Top(ReadOnlySpan<double> symmetric, int n, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        if (symmetric.Length != n * n)
        {
            throw new ArgumentException($"A {n}×{n} matrix needs {n * n} values, got {symmetric.Length}.", nameof(symmetric));
        }

        double largest = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double value = symmetric[i * n + j];
                if (!double.IsFinite(value))
                {
                    throw new ArgumentException($"Element ({i}, {j}) is {value}; the matrix must be finite.", nameof(symmetric));
                }
                largest = Math.Max(largest, Math.Abs(value));
            }
        }

        if (largest == 0)
        {
            // Every vector is an eigenvector of the zero matrix: return the first unit vectors.
            var units = new double[k][];
            for (int t = 0; t < k; t++)
            {
                units[t] = new double[n];
                units[t][t] = 1;
            }
            return (new double[k], units);
        }

        // Scale by a power of two (exact) so the largest element is in [1, 2): squares and
        // Sturm-sequence quotients then neither overflow nor underflow for any finite input.
        int exponent = Math.ILogB(largest);
        double[] a = ArrayPool<double>.Shared.Rent(n * n);
        try
        {
            return TopOfScaled(symmetric, n, k, exponent, a);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(a);
        }
    }

    /// <summary><see cref="Top"/> after the scaling exponent is known, with <paramref name="a"/> (≥ n² values) as the working matrix.</summary>
    private static (double[] Values, double[][] Vectors) TopOfScaled(ReadOnlySpan<double> symmetric, int n, int k, int exponent, double[] a)
    {
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                a[i * n + j] = exponent == 0 ? symmetric[i * n + j] : Math.ScaleB(symmetric[i * n + j], -exponent);
            }
        }

        var diagonal = new double[n];
        var offDiagonal = new double[n];             // offDiagonal[i] = T[i, i+1]; the last entry is unused
        var reflectorScales = new double[n];
        Tridiagonalize(a, n, diagonal, offDiagonal, reflectorScales);

        double norm = GershgorinBounds(diagonal, offDiagonal, out double lowest, out double highest);
        double[] values = LargestEigenvalues(diagonal, offDiagonal, k, lowest, highest, norm);
        double[][] vectors = TridiagonalEigenvectors(diagonal, offDiagonal, values, norm);
        BackTransform(a, n, reflectorScales, vectors);

        for (int t = 0; t < k; t++)
        {
            FinishVector(vectors[t]);
            values[t] = Math.ScaleB(values[t], exponent);
        }
        return (values, vectors);
    }

    /// <summary>
    /// Householder reduction of the symmetric <paramref name="a"/> (row-major; only the lower
    /// triangle is read and kept up to date) to tridiagonal form. Reflector j, H = I − τvvᵀ acting
    /// on indices j+1…n−1, is left in row j right of the diagonal (the unused upper triangle) with τ
    /// in <paramref name="reflectorScales"/>[j] (0 where the column was already reduced).
    /// </summary>
    private static void Tridiagonalize(double[] a, int n, double[] diagonal, double[] offDiagonal, double[] reflectorScales)
    {
        var p = new double[n];
        for (int j = 0; j < n - 2; j++)
        {
            int m = n - j - 1;
            diagonal[j] = a[j * n + j];
            // Column j below the diagonal, copied into row j where it becomes the reflector v.
            Span<double> v = a.AsSpan(j * n + j + 1, m);
            for (int i = 0; i < m; i++)
            {
                v[i] = a[(j + 1 + i) * n + j];
            }
            double tail = VectorMath.Dot(v[1..], v[1..]);
            if (tail == 0)
            {
                offDiagonal[j] = v[0];
                reflectorScales[j] = 0;
                continue;
            }

            // Hx = αe₁ with α of the opposite sign to x₀, so v₀ = x₀ − α does not cancel;
            // vᵀv = −2αv₀, so τ = 2/vᵀv = −1/(αv₀) > 0.
            double x0 = v[0];
            double length = Math.Sqrt(x0 * x0 + tail);
            double alpha = x0 >= 0 ? -length : length;
            double v0 = x0 - alpha;
            v[0] = v0;
            double tau = -1.0 / (alpha * v0);
            offDiagonal[j] = alpha;
            reflectorScales[j] = tau;

            // B ← HBH for the trailing block B as the rank-2 update B − vwᵀ − wvᵀ with
            // p = τBv and w = p − (τ/2)(pᵀv)v, on B's lower triangle only: every row segment is
            // contiguous, and the product reads each stored element once for both of its uses.
            Span<double> product = p.AsSpan(0, m);
            product.Clear();
            int blockStart = (j + 1) * n + j + 1;
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<double> row = a.AsSpan(blockStart + i * n, i + 1);
                product[i] += SymmetricRowProduct(row, v, product);
            }
            double correction = 0.5 * tau * tau * VectorMath.Dot(product, v);
            for (int i = 0; i < m; i++)
            {
                product[i] = tau * product[i] - correction * v[i];
            }
            for (int i = 0; i < m; i++)
            {
                SubtractRankTwo(a.AsSpan(blockStart + i * n, i + 1), v[i], product, product[i], v);
            }
        }
        if (n >= 2)
        {
            diagonal[n - 2] = a[(n - 2) * n + n - 2];
            offDiagonal[n - 2] = a[(n - 1) * n + n - 2];
        }
        diagonal[n - 1] = a[n * n - 1];
    }

    /// <summary>
    /// Row i of the lower triangle (<paramref name="row"/> = B[i, 0..i]) in the product p = Bv:
    /// adds v[i]·B[i, l] to p[l] for l &lt; i (the mirrored upper element) and returns
    /// Σ_{l≤i} B[i, l]·v[l], row i's own part of p[i].
    /// </summary>
    private static double SymmetricRowProduct(ReadOnlySpan<double> row, ReadOnlySpan<double> v, Span<double> p)
    {
        int last = row.Length - 1;
        double vi = v[last];
        int l = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated && last >= Vector256<double>.Count)
        {
            // Unchecked loads: the loop bounds keep every access inside the spans.
            ref double rowStart = ref MemoryMarshal.GetReference(row);
            ref double vStart = ref MemoryMarshal.GetReference(v);
            ref double pStart = ref MemoryMarshal.GetReference(p);
            var accumulated = Vector256<double>.Zero;
            var scale = Vector256.Create(vi);
            for (; l <= last - Vector256<double>.Count; l += Vector256<double>.Count)
            {
                var r = Vector256.LoadUnsafe(ref rowStart, (nuint)l);
                accumulated = Vector256.FusedMultiplyAdd(r, Vector256.LoadUnsafe(ref vStart, (nuint)l), accumulated);
                Vector256.FusedMultiplyAdd(r, scale, Vector256.LoadUnsafe(ref pStart, (nuint)l)).StoreUnsafe(ref pStart, (nuint)l);
            }
            sum = Vector256.Sum(accumulated);
        }
        for (; l < last; l++)
        {
            sum += row[l] * v[l];
            p[l] += vi * row[l];
        }
        return sum + row[last] * vi;
    }

    /// <summary>The Gershgorin interval of T, widened a little; returns max(|lowest|, |highest|) ≥ ‖T‖₂.</summary>
    private static double GershgorinBounds(double[] diagonal, double[] offDiagonal, out double lowest, out double highest)
    {
        int n = diagonal.Length;
        lowest = double.MaxValue;
        highest = double.MinValue;
        for (int i = 0; i < n; i++)
        {
            double radius = (i > 0 ? Math.Abs(offDiagonal[i - 1]) : 0) + (i < n - 1 ? Math.Abs(offDiagonal[i]) : 0);
            lowest = Math.Min(lowest, diagonal[i] - radius);
            highest = Math.Max(highest, diagonal[i] + radius);
        }
        double norm = Math.Max(Math.Abs(lowest), Math.Abs(highest));
        // Sturm counts are exact only for a nearby matrix: widen so the ends are strictly outside.
        double margin = 2 * (n + 2) * Epsilon * norm + 4 * PivotMinimum(offDiagonal);
        lowest -= margin;
        highest += margin;
        return norm;
    }

    /// <summary>Replaces a zero or tiny Sturm quotient so the next one stays finite (after LAPACK's dstebz).</summary>
    private static double PivotMinimum(double[] offDiagonal)
    {
        double largestSquare = 1;
        for (int i = 0; i < offDiagonal.Length - 1; i++)
        {
            largestSquare = Math.Max(largestSquare, offDiagonal[i] * offDiagonal[i]);
        }
        return SafeMinimum * largestSquare;
    }

    /// <summary>Brackets advanced per vector of the Sturm counts.</summary>
    private const int Lanes = 4;

    /// <summary>Points of the starting grid: counts there bracket every wanted eigenvalue before the first bisection.</summary>
    private const int GridPoints = 16;

    /// <summary>
    /// The k largest eigenvalues of T, descending, by bisection on Sturm counts accelerated by
    /// Laguerre's method. Each value's bracket [lower, upper] (at most its index of eigenvalues below
    /// lower, more below upper) starts as the tightest cell of an even grid of counts over the Gershgorin
    /// interval, then shrinks at every count; the next point is Laguerre's step on det(T − xI) from the
    /// last one when the bracket holds this eigenvalue alone and the step lands inside it, else the
    /// midpoint. Near a simple eigenvalue Laguerre converges cubically, so a handful of sweeps replace ~55
    /// halvings; clusters fall back to halving. All k brackets advance together, four per vector and
    /// several vectors per sweep along T, so the long-latency divisions of independent counts overlap.
    /// The grid depends on T alone and a converged bracket is left as it is, so each value's bits do not
    /// depend on how many other values were asked for (an edit gives the same bits alone or in a sweep).
    /// </summary>
    private static double[] LargestEigenvalues(double[] diagonal, double[] offDiagonal, int k, double lowest, double highest, double norm)
    {
        int n = diagonal.Length;
        const int width = Lanes;
        var sturm = new SturmCounter(diagonal, offDiagonal, Math.Max(k, GridPoints));
        int groups = (k + width - 1) / width;
        var lower = new double[groups * width];
        var upper = new double[groups * width];
        var points = new double[groups * width];
        var targets = new long[groups * width];
        var lowerCounts = new long[groups * width];   // eigenvalues below lower
        var upperCounts = new long[groups * width];   // eigenvalues below upper
        // Every per-bracket array holds whole groups of four, so the vector loads and stores at g·width
        // (checked for their first element only) stay inside; the same holds in SturmCounter.

        // The grid: GridPoints even steps strictly inside [lowest, highest].
        var grid = new double[(GridPoints + width - 1) / width * width];
        for (int g = 0; g < grid.Length; g++)
        {
            grid[g] = lowest + (highest - lowest) * (Math.Min(g, GridPoints - 1) + 1) / (GridPoints + 1);
        }
        sturm.Count(grid, grid.Length / width);
        for (int t = 0; t < lower.Length; t++)
        {
            // Eigenvalue of ascending index n−1−t; padding lanes repeat the last wanted one.
            long target = n - 1 - Math.Min(t, k - 1);
            targets[t] = target;
            lower[t] = lowest;
            upper[t] = highest;
            upperCounts[t] = n;
            for (int g = 0; g < GridPoints; g++)
            {
                long count = sturm.Counts[g];
                if (count <= target && grid[g] > lower[t])
                {
                    lower[t] = grid[g];
                    lowerCounts[t] = count;
                }
                else if (count > target && grid[g] < upper[t])
                {
                    upper[t] = grid[g];
                    upperCounts[t] = count;
                }
            }
            points[t] = 0.5 * (lower[t] + upper[t]);
        }

        var absoluteTolerance = Vector256.Create(2 * Epsilon * norm);
        var relativeTolerance = Vector256.Create(2 * Epsilon);
        var one = Vector256<double>.One;
        var order = Vector256.Create((double)n);
        var active = new Vector256<long>[groups];        // brackets still wider than their tolerance
        // Halving alone needs ~55 sweeps; the cap only guards the loop.
        for (int sweep = 0; sweep < 200; sweep++)
        {
            bool converged = true;
            for (int g = 0; g < groups; g++)
            {
                var low = Vector256.LoadUnsafe(ref lower[g * width]);
                var high = Vector256.LoadUnsafe(ref upper[g * width]);
                var tolerance = Vector256.Max(absoluteTolerance, relativeTolerance * Vector256.Max(Vector256.Abs(low), Vector256.Abs(high)));
                active[g] = Vector256.GreaterThan(high - low, tolerance).AsInt64();
                converged &= active[g] == Vector256<long>.Zero;
            }
            if (converged)
            {
                break;
            }

            sturm.Count(points, groups);
            for (int g = 0; g < groups; g++)
            {
                var x = Vector256.LoadUnsafe(ref points[g * width]);
                var counts = Vector256.LoadUnsafe(ref sturm.Counts[g * width]);
                var previousLow = Vector256.LoadUnsafe(ref lower[g * width]);
                var previousHigh = Vector256.LoadUnsafe(ref upper[g * width]);
                // At most `target` eigenvalues below x: the wanted one is at or above it.
                var xIsBelow = Vector256.LessThanOrEqual(counts, Vector256.LoadUnsafe(ref targets[g * width]));
                var raiseLow = xIsBelow & active[g];
                var lowerHigh = ~xIsBelow & active[g];
                var low = Vector256.ConditionalSelect(raiseLow.AsDouble(), x, previousLow);
                var high = Vector256.ConditionalSelect(lowerHigh.AsDouble(), x, previousHigh);
                var lowCount = Vector256.ConditionalSelect(raiseLow, counts, Vector256.LoadUnsafe(ref lowerCounts[g * width]));
                var highCount = Vector256.ConditionalSelect(lowerHigh, counts, Vector256.LoadUnsafe(ref upperCounts[g * width]));
                lowCount.StoreUnsafe(ref lowerCounts[g * width]);
                highCount.StoreUnsafe(ref upperCounts[g * width]);
                low.StoreUnsafe(ref lower[g * width]);
                high.StoreUnsafe(ref upper[g * width]);

                // Laguerre's step for the polynomial det(T − xI), whose roots are all real: with
                // G = Σ 1/(x − λᵢ) and H = Σ 1/(x − λᵢ)², x − n/(G ± √((n−1)(nH − G²))) converges to a
                // neighbouring root from anywhere, cubically near a simple one. A step shorter than the
                // tolerance is stretched by it, so the next count lands on the far side of the eigenvalue
                // and closes the bracket.
                var tolerance = Vector256.Max(absoluteTolerance, relativeTolerance * Vector256.Max(Vector256.Abs(low), Vector256.Abs(high)));
                var sum = Vector256.LoadUnsafe(ref sturm.LogSlopes[g * width]);
                var squares = Vector256.LoadUnsafe(ref sturm.Curvatures[g * width]);
                var root = Vector256.Sqrt(Vector256.Max(Vector256<double>.Zero, (order - one) * (order * squares - sum * sum)));
                var step = -order / (sum + Vector256.ConditionalSelect(Vector256.LessThan(sum, Vector256<double>.Zero), -root, root));
                var stretched = step + Vector256.ConditionalSelect(Vector256.LessThan(step, Vector256<double>.Zero), -tolerance, tolerance);
                step = Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(step), tolerance), stretched, step);
                var laguerre = x + step;
                // Laguerre only once the bracket holds this eigenvalue alone (it may converge to a
                // neighbour otherwise), and only inside the bracket.
                var isolated = Vector256.Equals(highCount - lowCount, Vector256<long>.One).AsDouble();
                var inside = isolated & Vector256.GreaterThan(laguerre, low) & Vector256.LessThan(laguerre, high);
                Vector256.ConditionalSelect(inside, laguerre, 0.5 * (low + high)).StoreUnsafe(ref points[g * width]);
            }
        }

        var values = new double[k];
        for (int t = 0; t < k; t++)
        {
            values[t] = 0.5 * (lower[t] + upper[t]);
            // Independent bisections of equal eigenvalues may differ in the last bits: keep the order.
            if (t > 0 && values[t] > values[t - 1])
            {
                values[t] = values[t - 1];
            }
        }
        return values;
    }

    /// <summary>
    /// Sturm counts of T − xI at several points at once: the number of negative pivots
    /// qᵢ = dᵢ − x − eᵢ₋₁²/qᵢ₋₁ is the number of eigenvalues below x. G = (d/dx) log|det(T − xI)| = Σ qᵢ′/qᵢ
    /// = Σ 1/(x − λᵢ) and H = −(d²/dx²) log|det(T − xI)| = Σ 1/(x − λᵢ)² come with them for Laguerre's
    /// step. Several groups of four advance together along T.
    /// </summary>
    private sealed class SturmCounter
    {
        private readonly double[] _diagonal;
        private readonly double[] _squares;            // squares[i] = T[i−1, i]²
        private readonly Vector256<double> _pivotMinimum;
        private readonly Vector256<double>[] _inverses;   // 1/qᵢ₋₁
        private readonly Vector256<double>[] _slopes;     // dqᵢ₋₁/dx
        private readonly Vector256<double>[] _bends;      // d²qᵢ₋₁/dx²
        private readonly Vector256<double>[] _logSlopes;
        private readonly Vector256<double>[] _curvatures;
        private readonly Vector256<long>[] _counts;

        public SturmCounter(double[] diagonal, double[] offDiagonal, int points)
        {
            int n = diagonal.Length;
            _diagonal = diagonal;
            _squares = new double[n];
            for (int i = 1; i < n; i++)
            {
                _squares[i] = offDiagonal[i - 1] * offDiagonal[i - 1];
            }
            _pivotMinimum = Vector256.Create(PivotMinimum(offDiagonal));
            int groups = (points + Lanes - 1) / Lanes;
            _inverses = new Vector256<double>[groups];
            _slopes = new Vector256<double>[groups];
            _bends = new Vector256<double>[groups];
            _logSlopes = new Vector256<double>[groups];
            _curvatures = new Vector256<double>[groups];
            _counts = new Vector256<long>[groups];
            Counts = new long[groups * Lanes];
            LogSlopes = new double[groups * Lanes];
            Curvatures = new double[groups * Lanes];
        }

        /// <summary>Eigenvalues below each point of the last <see cref="Count"/>.</summary>
        public long[] Counts { get; }

        /// <summary>G = Σ 1/(x − λᵢ) at each point of the last <see cref="Count"/>.</summary>
        public double[] LogSlopes { get; }

        /// <summary>H = Σ 1/(x − λᵢ)² at each point of the last <see cref="Count"/>.</summary>
        public double[] Curvatures { get; }

        /// <summary>Counts at the first <paramref name="groups"/> vectors of <paramref name="points"/>.</summary>
        public void Count(double[] points, int groups)
        {
            int n = _diagonal.Length;
            const int width = Lanes;
            var one = Vector256<double>.One;
            var negativePivotMinimum = -_pivotMinimum;
            var first = Vector256.Create(_diagonal[0]);
            for (int g = 0; g < groups; g++)
            {
                var q = first - Vector256.LoadUnsafe(ref points[g * width]);
                q = Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(q), _pivotMinimum), negativePivotMinimum, q);
                _inverses[g] = one / q;
                _slopes[g] = -one;
                _bends[g] = Vector256<double>.Zero;
                _logSlopes[g] = -_inverses[g];
                _curvatures[g] = _inverses[g] * _inverses[g];
                _counts[g] = -Vector256.LessThan(q, Vector256<double>.Zero).AsInt64();
            }
            for (int i = 1; i < n; i++)
            {
                var d = Vector256.Create(_diagonal[i]);
                var square = Vector256.Create(_squares[i]);
                for (int g = 0; g < groups; g++)
                {
                    var coupling = square * _inverses[g];                      // eᵢ₋₁²/qᵢ₋₁
                    var q = d - Vector256.LoadUnsafe(ref points[g * width]) - coupling;
                    q = Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(q), _pivotMinimum), negativePivotMinimum, q);
                    var scale = coupling * _inverses[g];                       // eᵢ₋₁²/qᵢ₋₁²
                    var slope = scale * _slopes[g] - one;                      // −1 + eᵢ₋₁²·q′ᵢ₋₁/qᵢ₋₁²
                    var bend = scale * (_bends[g] - 2 * _slopes[g] * _slopes[g] * _inverses[g]);
                    var inverse = one / q;
                    var ratio = slope * inverse;
                    _inverses[g] = inverse;
                    _slopes[g] = slope;
                    _bends[g] = bend;
                    _logSlopes[g] += ratio;
                    _curvatures[g] += ratio * ratio - bend * inverse;
                    _counts[g] -= Vector256.LessThan(q, Vector256<double>.Zero).AsInt64();
                }
            }
            for (int g = 0; g < groups; g++)
            {
                _counts[g].StoreUnsafe(ref Counts[g * width]);
                _logSlopes[g].StoreUnsafe(ref LogSlopes[g * width]);
                _curvatures[g].StoreUnsafe(ref Curvatures[g * width]);
            }
        }
    }

    /// <summary>
    /// Eigenvectors of T for <paramref name="values"/> by inverse iteration (after LAPACK's dstein):
    /// solve with T − σI from a deterministic pseudo-random start, and orthogonalize each iterate against
    /// the vectors already found. That Gram–Schmidt is what separates the vectors of equal or clustered
    /// eigenvalues; with k ≤ ~20 it is cheap to run it against every earlier vector, which also removes
    /// the ε‖T‖/gap leakage between close ones. The first solves of all values run together
    /// (<see cref="FirstSolves"/>); a value whose residual is not yet at rounding level after it, or whose
    /// iterate fell into the span of the earlier vectors, goes on one solve at a time.
    /// </summary>
    private static double[][] TridiagonalEigenvectors(double[] diagonal, double[] offDiagonal, double[] values, double norm)
    {
        int n = diagonal.Length;
        int k = values.Length;
        var vectors = new double[k][];
        // Consecutive shifts are kept this far apart so equal eigenvalues do not reuse one factorization.
        double separation = 10 * Epsilon * norm;
        double residualTolerance = 4 * (Math.Sqrt(n) + 4) * Epsilon * norm;
        var shifts = new double[k];
        double previousShift = double.PositiveInfinity;
        for (int t = 0; t < k; t++)
        {
            shifts[t] = previousShift = Math.Min(values[t], previousShift - separation);
        }

        // The first solve of every start vector at once; almost every eigenvalue needs no other.
        double[][] iterates = FirstSolves(diagonal, offDiagonal, shifts, Epsilon * norm);
        for (int t = 0; t < k; t++)
        {
            double[] x = iterates[t];
            int restarts = 0;
            for (int iteration = 1; ; iteration++)
            {
                if (iteration > 1 || restarts > 0)
                {
                    SolveShifted(diagonal, offDiagonal, shifts.AsSpan(t, 1), Epsilon * norm, [x]);
                }
                if (!Orthonormalize(x, vectors, t))
                {
                    // The iterate fell into the span of the vectors already found: start afresh.
                    if (++restarts > 3)
                    {
                        throw new InvalidOperationException($"Inverse iteration for eigenvalue {t + 1} of {k} found no direction independent of the earlier eigenvectors.");
                    }
                    StartVector(x, t + restarts * k);
                    Orthonormalize(x, vectors, t);
                    iteration = 0;
                    continue;
                }
                if (iteration >= MaximumIterations
                    || (iteration >= MinimumIterations && Residual(diagonal, offDiagonal, values[t], x) <= residualTolerance))
                {
                    break;
                }
            }
            // A second Gram–Schmidt pass makes the set orthonormal to working precision.
            Orthonormalize(x, vectors, t);
            vectors[t] = x;
        }
        return vectors;
    }

    /// <summary>(T − σₜI)⁻¹ applied once to the start vector of each shift σₜ (<see cref="SolveShifted"/>).</summary>
    private static double[][] FirstSolves(double[] diagonal, double[] offDiagonal, double[] shifts, double smallest)
    {
        var iterates = new double[shifts.Length][];
        for (int t = 0; t < iterates.Length; t++)
        {
            iterates[t] = new double[diagonal.Length];
            StartVector(iterates[t], t);
        }
        SolveShifted(diagonal, offDiagonal, shifts, smallest, iterates);
        return iterates;
    }

    /// <summary>
    /// xₜ ← (T − σₜI)⁻¹xₜ for every shift, up to a positive scale: LU factorization with partial pivoting
    /// of the tridiagonal T − σₜI (U has two superdiagonals from the row swaps; pivots smaller than
    /// <paramref name="smallest"/> are raised to it, as T − σI is nearly singular by design) and the two
    /// triangular solves. Four shifts share each 256-bit vector, the row swaps chosen per lane by selects
    /// rather than branches, so four long division chains overlap.
    /// </summary>
    internal static void SolveShifted(double[] diagonal, double[] offDiagonal, ReadOnlySpan<double> shifts, double smallest, double[][] vectors)
    {
        int n = diagonal.Length;
        int k = shifts.Length;
        if (vectors.Length != k || offDiagonal.Length != n || vectors.Any(x => x.Length != n))
        {
            throw new ArgumentException($"Expected {k} vectors of {n} values and {n} off-diagonal entries.", nameof(vectors));
        }
        Vector256<double>[] work = ArrayPool<Vector256<double>>.Shared.Rent(6 * n);
        try
        {
            Span<Vector256<double>> pivots = work.AsSpan(0, n);
            Span<Vector256<double>> first = work.AsSpan(n, n);
            Span<Vector256<double>> second = work.AsSpan(2 * n, n);
            Span<Vector256<double>> multipliers = work.AsSpan(3 * n, n);
            Span<Vector256<double>> swapped = work.AsSpan(4 * n, n);
            Span<Vector256<double>> x = work.AsSpan(5 * n, n);
            Span<double> lane = stackalloc double[Lanes];
            for (int group = 0; group < k; group += Lanes)
            {
                // Lanes past the last shift repeat it; their results are dropped.
                double[] x0 = vectors[group], x1 = vectors[Math.Min(group + 1, k - 1)];
                double[] x2 = vectors[Math.Min(group + 2, k - 1)], x3 = vectors[Math.Min(group + 3, k - 1)];
                for (int l = 0; l < Lanes; l++)
                {
                    lane[l] = shifts[Math.Min(group + l, k - 1)];
                }
                FactorLanes(diagonal, offDiagonal, Vector256.Create(lane), smallest, pivots, first, second, multipliers, swapped);
                for (int i = 0; i < n; i++)
                {
                    x[i] = Vector256.Create(x0[i], x1[i], x2[i], x3[i]);
                }
                SolveLanes(pivots, first, second, multipliers, swapped, x);
                for (int l = 0; l < Lanes && group + l < k; l++)
                {
                    double[] target = vectors[group + l];
                    for (int i = 0; i < n; i++)
                    {
                        target[i] = x[i].GetElement(l);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<Vector256<double>>.Shared.Return(work);
        }
    }

    /// <summary>
    /// The factorizations of <see cref="SolveShifted"/> for four shifts: <paramref name="pivots"/> ends as
    /// the reciprocal pivots U[i, i] (after raising tiny ones to <paramref name="smallest"/>),
    /// <paramref name="first"/> and <paramref name="second"/> as U[i, i+1] and U[i, i+2],
    /// <paramref name="multipliers"/> as L[i+1, i], and <paramref name="swapped"/> as all-ones lanes where
    /// rows i and i+1 were exchanged.
    /// </summary>
    private static void FactorLanes(
        double[] diagonal, double[] offDiagonal, Vector256<double> shift, double smallest,
        Span<Vector256<double>> pivots, Span<Vector256<double>> first, Span<Vector256<double>> second,
        Span<Vector256<double>> multipliers, Span<Vector256<double>> swapped)
    {
        int n = diagonal.Length;
        var zero = Vector256<double>.Zero;
        var pivot = Vector256.Create(diagonal[0]) - shift;
        var upper = Vector256.Create(n > 1 ? offDiagonal[0] : 0);
        for (int i = 0; i < n - 1; i++)
        {
            var below = Vector256.Create(offDiagonal[i]);
            var nextPivot = Vector256.Create(diagonal[i + 1]) - shift;
            var nextUpper = Vector256.Create(i + 1 < n - 1 ? offDiagonal[i + 1] : 0);
            // Without a swap row i keeps its pivot; with one, row i+1 = [below, d, f] becomes the pivot row.
            var keep = Vector256.GreaterThanOrEqual(Vector256.Abs(pivot), Vector256.Abs(below));
            var numerator = Vector256.ConditionalSelect(keep, below, pivot);
            var denominator = Vector256.ConditionalSelect(keep, pivot, below);
            var multiplier = Vector256.ConditionalSelect(Vector256.Equals(denominator, zero), zero, numerator / denominator);
            pivots[i] = denominator;
            first[i] = Vector256.ConditionalSelect(keep, upper, nextPivot);
            second[i] = Vector256.ConditionalSelect(keep, zero, nextUpper);
            multipliers[i] = multiplier;
            swapped[i] = ~keep;
            pivot = Vector256.ConditionalSelect(keep, nextPivot - multiplier * upper, upper - multiplier * nextPivot);
            upper = Vector256.ConditionalSelect(keep, nextUpper, -multiplier * nextUpper);
        }
        pivots[n - 1] = pivot;
        first[n - 1] = zero;
        second[n - 1] = zero;
        var floor = Vector256.Create(smallest);
        for (int i = 0; i < n; i++)
        {
            var raised = Vector256.ConditionalSelect(Vector256.LessThan(pivots[i], zero), -floor, floor);
            pivots[i] = Vector256<double>.One / Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(pivots[i]), floor), raised, pivots[i]);
        }
    }

    /// <summary>The forward and back substitutions of <see cref="SolveShifted"/> for the four factorizations of <see cref="FactorLanes"/>, rescaling a lane that would overflow.</summary>
    private static void SolveLanes(
        ReadOnlySpan<Vector256<double>> inversePivots, ReadOnlySpan<Vector256<double>> first, ReadOnlySpan<Vector256<double>> second,
        ReadOnlySpan<Vector256<double>> multipliers, ReadOnlySpan<Vector256<double>> swapped, Span<Vector256<double>> x)
    {
        int n = x.Length;
        for (int i = 0; i < n - 1; i++)
        {
            var current = Vector256.ConditionalSelect(swapped[i], x[i + 1], x[i]);
            var next = Vector256.ConditionalSelect(swapped[i], x[i], x[i + 1]);
            x[i] = current;
            x[i + 1] = next - multipliers[i] * current;
        }
        const double Large = 1e150;
        var large = Vector256.Create(Large);
        for (int i = n - 1; i >= 0; i--)
        {
            var r = x[i];
            if (i < n - 1)
            {
                r -= first[i] * x[i + 1];
            }
            if (i < n - 2)
            {
                r -= second[i] * x[i + 2];
            }
            r *= inversePivots[i];
            x[i] = r;
            var overflowing = Vector256.GreaterThan(Vector256.Abs(r), large);
            if (overflowing != Vector256<double>.Zero)
            {
                // Each tiny pivot multiplies by up to 1/(ε‖T‖): scaling a lane's solution so far and its
                // remaining right-hand side together keeps its system consistent.
                for (int s = 0; s < n; s++)
                {
                    x[s] = Vector256.ConditionalSelect(overflowing, x[s] / large, x[s]);
                }
            }
        }
    }

    /// <summary>Deterministic values in [−1, 1) (a xorshift generator), different for each seed.</summary>
    private static void StartVector(double[] x, int seed)
    {
        ulong state = 0x9E3779B97F4A7C15UL * (ulong)(seed + 1) ^ 0xD1B54A32D192ED03UL;
        for (int i = 0; i < x.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            x[i] = (state >> 11) * (2.0 / (1UL << 53)) - 1.0;
        }
    }

    /// <summary>Removes from x its components along vectors[0..count) and normalizes it; false when nothing is left.</summary>
    private static bool Orthonormalize(double[] x, double[][] vectors, int count)
    {
        double before = Math.Sqrt(VectorMath.Dot(x, x));
        for (int s = 0; s < count; s++)
        {
            VectorMath.AddScaled(x, vectors[s], -VectorMath.Dot(x, vectors[s]));
        }
        double after = Math.Sqrt(VectorMath.Dot(x, x));
        if (!(after > Epsilon * before) || !double.IsFinite(after))
        {
            return false;
        }
        double inverse = 1.0 / after;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] *= inverse;
        }
        return true;
    }

    /// <summary>‖(T − λI)x‖₂.</summary>
    private static double Residual(double[] diagonal, double[] offDiagonal, double value, double[] x)
    {
        int n = x.Length;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double r = (diagonal[i] - value) * x[i];
            if (i > 0)
            {
                r += offDiagonal[i - 1] * x[i - 1];
            }
            if (i < n - 1)
            {
                r += offDiagonal[i] * x[i + 1];
            }
            sum += r * r;
        }
        return Math.Sqrt(sum);
    }

    /// <summary>y ← H₀H₁…H_{n−3}y for every vector: eigenvectors of T become eigenvectors of A.</summary>
    private static void BackTransform(double[] a, int n, double[] reflectorScales, double[][] vectors)
    {
        for (int j = n - 3; j >= 0; j--)
        {
            double tau = reflectorScales[j];
            if (tau == 0)
            {
                continue;
            }
            ReadOnlySpan<double> v = a.AsSpan(j * n + j + 1, n - j - 1);
            foreach (double[] y in vectors)
            {
                Span<double> tail = y.AsSpan(j + 1);
                VectorMath.AddScaled(tail, v, -tau * VectorMath.Dot(v, tail));
            }
        }
    }

    /// <summary>Renormalizes (the reflectors are orthogonal only to rounding) and fixes the sign.</summary>
    private static void FinishVector(double[] x)
    {
        int largest = 0;
        for (int i = 1; i < x.Length; i++)
        {
            if (Math.Abs(x[i]) > Math.Abs(x[largest]))
            {
                largest = i;
            }
        }
        double scale = (x[largest] < 0 ? -1.0 : 1.0) / Math.Sqrt(VectorMath.Dot(x, x));
        for (int i = 0; i < x.Length; i++)
        {
            x[i] *= scale;
        }
    }

    /// <summary>row −= a·u + b·w: one row of the symmetric rank-2 update.</summary>
    private static void SubtractRankTwo(Span<double> row, double a, ReadOnlySpan<double> u, double b, ReadOnlySpan<double> w)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && u.Length >= row.Length && w.Length >= row.Length)
        {
            ref double rowStart = ref MemoryMarshal.GetReference(row);
            ref double uStart = ref MemoryMarshal.GetReference(u);
            ref double wStart = ref MemoryMarshal.GetReference(w);
            var va = Vector256.Create(-a);
            var vb = Vector256.Create(-b);
            for (; i <= row.Length - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                var updated = Vector256.FusedMultiplyAdd(va, Vector256.LoadUnsafe(ref uStart, (nuint)i), Vector256.LoadUnsafe(ref rowStart, (nuint)i));
                Vector256.FusedMultiplyAdd(vb, Vector256.LoadUnsafe(ref wStart, (nuint)i), updated).StoreUnsafe(ref rowStart, (nuint)i);
            }
        }
        for (; i < row.Length; i++)
        {
            row[i] -= a * u[i] + b * w[i];
        }
    }
}
