package io.tare.kernels.calibration;

/**
 * TensorRT's entropy calibration: the threshold {@code t} whose int8 quantization loses the
 * least information, measured as KL divergence between the clipped reference distribution and its
 * quantized form (Migacz, "8-bit Inference with TensorRT", GTC 2017; the same algorithm as MXNet's
 * and ONNX Runtime's entropy calibrators).
 *
 * <ol>
 *   <li>{@code |x|} is re-binned into {@value #DEFAULT_BINS} uniform bins over {@code [0, amax]}
 *       from the fixed bins, deterministically: the {@code c} values of a fixed bin are placed at
 *       {@code c} evenly spaced points inside it, which keeps counts integral and a sparse tail
 *       as sparse as the raw samples would make it (spreading fractions instead fills every
 *       uniform bin of a wide fixed bin, smooths the tail and biases the threshold up).</li>
 *   <li>For every {@code i} from {@code levels} to {@code bins}: P = the first {@code i} bins with
 *       all later mass added to bin {@code i-1}; Q = those {@code i} bins merged into
 *       {@code levels} groups (the last takes the remainder) and expanded back, each group's mass
 *       shared equally by its bins where P is non-zero; both smoothed as MXNet does (an
 *       {@code eps} moved onto empty bins so KL stays finite); divergence = KL(P || Q).</li>
 *   <li>The smallest {@code i} of least divergence wins; {@code t = i * amax / bins}, the upper
 *       edge of the last bin kept (TensorRT's slides add half a bin; ONNX Runtime and MXNet use the
 *       edge, as here).</li>
 * </ol>
 * Symmetric int8 gets {@code [-t, t]}; uint8 gets {@code [max(min, -t), min(max, t)]}, which is
 * {@code [min, t]}-like for non-negative data. The smoothing {@code eps} is MXNet's 1e-4 counts,
 * shrunk when re-binning leaves a non-empty bin with less than one count so that no probability
 * turns negative.
 *
 * <p>Like the reference algorithm, this is meant for distributions that start near 0 (ReLU
 * outputs, symmetric activations). For data bounded away from 0 (all {@code |x|} in
 * {@code [0.5, 2]}, say) KL is smallest when everything collapses onto the first occupied bin,
 * and the threshold comes out at that bin: prefer {@link MinMaxRange} or {@link MseRange} there.
 *
 * <p>Cost: O(bins^2 / 2) arithmetic, about 2M operations at the defaults, and O(bins) memory.
 */
public final class EntropyRange implements RangeMethod {

    public static final int DEFAULT_BINS = 2048;
    public static final int DEFAULT_LEVELS = 128;
    private static final double SMOOTHING_EPS = 1e-4;

    private final int bins;
    private final int levels;
    private final boolean flattenZeroBin;

    public EntropyRange() {
        this(DEFAULT_BINS, DEFAULT_LEVELS);
    }

    /** @param levels quantized levels of |x| (128 for int8); {@code 2 <= levels <= bins} */
    public EntropyRange(int bins, int levels) {
        this(bins, levels, false);
    }

    /**
     * @param flattenZeroBin replace the count of the first uniform bin by the second's before the
     *     search, as NVIDIA's pytorch-quantization (TensorRT's calibrator) does: after a ReLU most
     *     values are exactly 0, and that spike, merged into the first quantized level, makes every
     *     wide threshold look costly, so without this the threshold collapses far below the data
     */
    public EntropyRange(int bins, int levels, boolean flattenZeroBin) {
        if (levels < 2 || bins < levels) {
            throw new IllegalArgumentException("need 2 <= levels <= bins: " + levels + ", " + bins);
        }
        this.bins = bins;
        this.levels = levels;
        this.flattenZeroBin = flattenZeroBin;
    }

    @Override
    public String name() {
        return "entropy";
    }

    @Override
    public ClipRange range(TensorHistogram histogram, ActivationEncoding encoding) {
        float t = (float) threshold(histogram);
        if (encoding.symmetric()) {
            return ClipRange.symmetric(t);
        }
        float hi = Math.min(histogram.max(), t);
        float lo = Math.min(Math.max(histogram.min(), -t), hi);
        return new ClipRange(lo, hi);
    }

    /** The KL-optimal magnitude threshold, in {@code (0, amax]} (0 when all values are 0). */
    public double threshold(TensorHistogram histogram) {
        ValueIntervals magnitudes = ValueIntervals.magnitudes(histogram);
        double amax = histogram.absMax();
        if (amax == 0) {
            return 0;
        }
        double[] hist = uniformHistogram(magnitudes, amax, bins);
        if (flattenZeroBin) {
            hist[0] = hist[1];
        }
        return (double) bestBinCount(hist, levels) * amax / bins;
    }

    /**
     * Places each interval's {@code c} values at the evenly spaced points
     * {@code a + (j + 0.5) (b - a) / c} and counts them into {@code bins} uniform bins on
     * {@code [0, amax]}: integer counts, total preserved, and a sparse tail stays sparse (a bin
     * holding 3 values fills at most 3 uniform bins), as the samples themselves would.
     */
    static double[] uniformHistogram(ValueIntervals m, double amax, int bins) {
        double[] hist = new double[bins];
        double w = amax / bins;
        for (int j = 0; j < m.size; j++) {
            double a = m.lo[j];
            double b = m.hi[j];
            long c = m.count[j];
            int j0 = Math.min(bins - 1, (int) (a / w));
            int j1 = Math.min(bins - 1, (int) (b / w));
            if (j0 == j1 || b <= a) {
                hist[j0] += c;
                continue;
            }
            double spacing = (b - a) / c;
            long placed = 0;
            for (int k = j0; k < j1; k++) {
                // values j with a + (j + 0.5) * spacing < (k + 1) * w
                long below = Math.min(c, Math.max(0, (long) Math.ceil(((k + 1) * w - a) / spacing - 0.5)));
                hist[k] += below - placed;
                placed = below;
            }
            hist[j1] += c - placed;
        }
        return hist;
    }

    /** Number of leading bins kept at the KL minimum (first minimum on ties). */
    static int bestBinCount(double[] hist, int levels) {
        int bins = hist.length;
        double[] suffix = new double[bins + 1];
        for (int k = bins - 1; k >= 0; k--) {
            suffix[k] = suffix[k + 1] + hist[k];
        }
        double[] p = new double[bins];
        double[] q = new double[bins];
        int best = bins;
        double bestDivergence = Double.POSITIVE_INFINITY;
        for (int i = levels; i <= bins; i++) {
            double d = divergence(hist, suffix[i], i, levels, p, q);
            if (d < bestDivergence) {
                bestDivergence = d;
                best = i;
            }
        }
        return best;
    }

    /** KL(P || Q) when the first {@code i} of {@code hist}'s bins are kept (for tests and reports). */
    static double divergenceAt(double[] hist, int i, int levels) {
        double outliers = 0;
        for (int k = i; k < hist.length; k++) {
            outliers += hist[k];
        }
        return divergence(hist, outliers, i, levels, new double[i], new double[i]);
    }

    private static double divergence(double[] hist, double outliers, int i, int levels, double[] p, double[] q) {
        System.arraycopy(hist, 0, p, 0, i);
        p[i - 1] += outliers;
        quantizeAndExpand(hist, p, q, i, levels);
        return divergence(p, q, i);
    }

    /** Q over the first {@code i} bins: {@code levels} merged groups, expanded onto P's support. */
    private static void quantizeAndExpand(double[] hist, double[] p, double[] q, int i, int levels) {
        int merged = i / levels;
        for (int g = 0; g < levels; g++) {
            int start = g * merged;
            int stop = g == levels - 1 ? i : start + merged;
            double mass = 0;
            int support = 0;
            for (int k = start; k < stop; k++) {
                mass += hist[k];
                if (p[k] != 0) {
                    support++;
                }
            }
            double share = support == 0 ? 0 : mass / support;
            for (int k = start; k < stop; k++) {
                q[k] = p[k] != 0 ? share : 0;
            }
        }
    }

    /**
     * KL(P || Q) of the first {@code n} entries after MXNet smoothing; +inf when Q has no mass.
     * Smoothing moves {@code eps} onto each zero entry and takes {@code eps * zeros / nonZeros}
     * from each non-zero one, so it preserves the sums, which are therefore taken unsmoothed.
     */
    private static double divergence(double[] p, double[] q, int n) {
        int pZeros = 0;
        int qZeros = 0;
        double pSmallest = Double.POSITIVE_INFINITY;
        double qSmallest = Double.POSITIVE_INFINITY;
        double pSum = 0;
        double qSum = 0;
        for (int k = 0; k < n; k++) {
            double pk = p[k];
            double qk = q[k];
            pSum += pk;
            qSum += qk;
            if (pk == 0) {
                pZeros++;
            } else if (pk < pSmallest) {
                pSmallest = pk;
            }
            if (qk == 0) {
                qZeros++;
            } else if (qk < qSmallest) {
                qSmallest = qk;
            }
        }
        if (qZeros == n || pZeros == n) {
            return Double.POSITIVE_INFINITY;
        }
        double pEps = smoothingEps(pSmallest, pZeros, n);
        double qEps = smoothingEps(qSmallest, qZeros, n);
        double pTake = pEps * pZeros / (n - pZeros);
        double qTake = qEps * qZeros / (n - qZeros);
        double sum = 0;
        for (int k = 0; k < n; k++) {
            double pk = p[k] == 0 ? pEps : p[k] - pTake;
            double qk = q[k] == 0 ? qEps : q[k] - qTake;
            sum += pk * Math.log(pk / qk);
        }
        // sum over k of (pk/pSum) * log((pk/pSum) / (qk/qSum))
        return sum / pSum + Math.log(qSum / pSum);
    }

    /**
     * MXNet's 1e-4 (in counts), shrunk to keep {@code eps * zeros / nonZeros} at most half the
     * smallest non-zero entry (never binding for integer counts, where MXNet's is at most 0.2).
     */
    private static double smoothingEps(double smallest, int zeros, int n) {
        if (zeros == 0) {
            return 0;
        }
        return Math.min(SMOOTHING_EPS, 0.5 * smallest * (n - zeros) / zeros);
    }

    @Override
    public String toString() {
        return "entropy[bins=" + bins + ", levels=" + levels + "]";
    }
}
