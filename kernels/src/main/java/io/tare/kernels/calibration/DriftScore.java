package io.tare.kernels.calibration;

/**
 * Drift of a live histogram from a reference (the one the active scales were calibrated on):
 * Jensen-Shannon divergence with base-2 logarithms, which lies in [0, 1]: 0 for identical
 * distributions, 1 for distributions with disjoint support. Symmetric and finite even where one
 * side has empty bins, unlike KL.
 *
 * <p>Both histograms are first coarsened to {@code resolutionBits} mantissa bits (sub-bins of a
 * binade summed; sign, zero and overflow bins kept), because two samples of the same distribution
 * differ bin by bin at fine resolution by sampling noise alone. At
 * {@value #DEFAULT_RESOLUTION_BITS} bits (bins 1/8 of a binade wide) two 100,000-sample draws of
 * one Gaussian score about 0.001, a 10% change of its scale about 0.004 and a doubling about 0.13
 * (measured in this package's tests); the noise floor falls as 1/samples. Only finite values
 * count. The score is a pure function of the two histograms' counts, summed in bin order, so it is
 * reproducible however the histograms were merged. Stateless and thread-safe.
 */
public final class DriftScore {

    public static final int DEFAULT_RESOLUTION_BITS = 3;

    private DriftScore() {
    }

    /** Jensen-Shannon divergence at {@link #DEFAULT_RESOLUTION_BITS}. */
    public static double between(TensorHistogram live, TensorHistogram reference) {
        return between(live, reference, DEFAULT_RESOLUTION_BITS);
    }

    /**
     * @param resolutionBits mantissa bits to keep, 0 to the binning's own
     * @throws IllegalArgumentException when binnings differ or resolutionBits is out of range
     * @throws IllegalStateException    when either histogram is empty
     */
    public static double between(TensorHistogram live, TensorHistogram reference, int resolutionBits) {
        HistogramBinning b = live.binning();
        if (!b.equals(reference.binning())) {
            throw new IllegalArgumentException("binnings differ: " + b + " vs " + reference.binning());
        }
        if (resolutionBits < 0 || resolutionBits > b.mantissaBits()) {
            throw new IllegalArgumentException("resolutionBits must be in [0, " + b.mantissaBits() + "]: "
                    + resolutionBits);
        }
        live.requireNonEmpty();
        reference.requireNonEmpty();
        double[] p = coarsened(live, resolutionBits);
        double[] q = coarsened(reference, resolutionBits);
        double np = live.count();
        double nq = reference.count();
        double js = 0;
        for (int i = 0; i < p.length; i++) {
            double pi = p[i] / np;
            double qi = q[i] / nq;
            double mi = 0.5 * (pi + qi);
            if (pi > 0) {
                js += 0.5 * pi * log2(pi / mi);
            }
            if (qi > 0) {
                js += 0.5 * qi * log2(qi / mi);
            }
        }
        return Math.max(0, Math.min(1, js));
    }

    /** Counts regrouped: [neg overflow, neg groups descending, zero, pos groups ascending, pos overflow]. */
    private static double[] coarsened(TensorHistogram h, int resolutionBits) {
        HistogramBinning b = h.binning();
        int drop = b.mantissaBits() - resolutionBits;
        int groups = b.magnitudeBins() >> drop;
        double[] out = new double[2 * groups + 3];
        int p = b.magnitudeBins();
        out[0] = h.count(b.negativeOverflowBin());
        out[groups + 1] = h.count(b.zeroBin());
        out[2 * groups + 2] = h.count(b.positiveOverflowBin());
        for (int k = 0; k < p; k++) {
            int g = k >> drop;
            out[groups - g] += h.count(p - k);
            out[groups + 2 + g] += h.count(p + 2 + k);
        }
        return out;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
