package io.tare.kernels.calibration;

/**
 * The non-empty bins of a {@link TensorHistogram} as closed intervals in ascending order, each
 * tightened by the exact running min/max (so the outermost intervals end exactly at the data's
 * extremes and overflow bins become bounded). Range methods treat the values of an interval as
 * spread uniformly over it: that is the only approximation they make, and it errs by at most one
 * bin width ({@link HistogramBinning#relativeWidthBound()} relative).
 *
 * <p>Either signed values ({@link #signed}) or magnitudes {@code |x|} ({@link #magnitudes}, both
 * signs of a bin folded together) for symmetric methods. Immutable once built; not shared.
 */
final class ValueIntervals {

    final double[] lo;
    final double[] hi;
    final long[] count;
    final int size;
    final long total;

    private ValueIntervals(double[] lo, double[] hi, long[] count, int size, long total) {
        this.lo = lo;
        this.hi = hi;
        this.count = count;
        this.size = size;
        this.total = total;
    }

    /** Signed intervals of the finite values. @throws IllegalStateException when empty */
    static ValueIntervals signed(TensorHistogram h) {
        h.requireNonEmpty();
        HistogramBinning b = h.binning();
        double min = h.min();
        double max = h.max();
        int n = 0;
        for (int i = 0; i < b.binCount(); i++) {
            if (h.count(i) != 0) {
                n++;
            }
        }
        double[] lo = new double[n];
        double[] hi = new double[n];
        long[] count = new long[n];
        int j = 0;
        for (int i = 0; i < b.binCount(); i++) {
            long c = h.count(i);
            if (c != 0) {
                lo[j] = Math.max(b.lowerEdge(i), min);
                hi[j] = Math.min(b.upperEdge(i), max);
                count[j++] = c;
            }
        }
        return new ValueIntervals(lo, hi, count, n, h.count());
    }

    /** Intervals of {@code |x|}, ascending from 0. @throws IllegalStateException when empty */
    static ValueIntervals magnitudes(TensorHistogram h) {
        h.requireNonEmpty();
        HistogramBinning b = h.binning();
        int p = b.magnitudeBins();
        double amax = h.absMax();
        // slot 0: zero bin; slots 1..P: magnitude bins 0..P-1; slot P+1: overflow
        long[] folded = new long[p + 2];
        folded[0] = h.count(b.zeroBin());
        for (int k = 0; k < p; k++) {
            folded[k + 1] = h.count(p - k) + h.count(p + 2 + k);
        }
        folded[p + 1] = h.count(b.negativeOverflowBin()) + h.count(b.positiveOverflowBin());
        int n = 0;
        for (long c : folded) {
            if (c != 0) {
                n++;
            }
        }
        double[] lo = new double[n];
        double[] hi = new double[n];
        long[] count = new long[n];
        int j = 0;
        for (int s = 0; s < folded.length; s++) {
            if (folded[s] == 0) {
                continue;
            }
            double l;
            double u;
            if (s == 0) {
                l = 0;
                u = Math.scalb(1.0, b.minExponent());
            } else if (s == p + 1) {
                l = b.magnitudeLowerEdge(p);
                u = amax;
            } else {
                l = b.magnitudeLowerEdge(s - 1);
                u = b.magnitudeLowerEdge(s);
            }
            hi[j] = Math.min(u, amax);
            lo[j] = Math.min(l, hi[j]);
            count[j++] = folded[s];
        }
        return new ValueIntervals(lo, hi, count, n, h.count());
    }

    /**
     * Value below which a fraction {@code q} of the samples lie, interpolating linearly inside
     * the interval where the cumulative count reaches {@code q * total}. {@code q = 0} gives the
     * lowest value, {@code q = 1} the highest. The true nearest-rank order statistic lies in the
     * same interval, so the two differ by at most that interval's width.
     */
    double quantile(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in [0, 1]: " + q);
        }
        double rank = q * total;
        long before = 0;
        for (int j = 0; j < size; j++) {
            long after = before + count[j];
            if (after >= rank && count[j] > 0) {
                double f = Math.max(0, (rank - before) / count[j]);
                return lo[j] + (hi[j] - lo[j]) * f;
            }
            before = after;
        }
        return hi[size - 1];
    }
}
