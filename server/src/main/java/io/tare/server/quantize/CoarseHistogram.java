package io.tare.server.quantize;

import io.tare.kernels.calibration.HistogramBinning;
import io.tare.kernels.calibration.TensorHistogram;

/**
 * A calibration histogram re-binned into a few uniform bins over {@code [min, max]}, for plotting:
 * each fixed bin's count goes to the uniform bin holding its midpoint (clamped to the data's range).
 *
 * @param lo     left edge of the first bin
 * @param hi     right edge of the last bin
 * @param counts per uniform bin
 */
public record CoarseHistogram(double lo, double hi, long[] counts) {

    public static final int DEFAULT_BINS = 64;

    public static CoarseHistogram of(TensorHistogram h, int bins) {
        double lo = h.min();
        double hi = h.max();
        long[] out = new long[bins];
        HistogramBinning b = h.binning();
        double width = hi > lo ? (hi - lo) / bins : 1;
        for (int i = 0; i < b.binCount(); i++) {
            long c = h.count(i);
            if (c == 0) {
                continue;
            }
            double mid = midpoint(b, i, lo, hi);
            int k = (int) Math.min(bins - 1, Math.max(0, (mid - lo) / width));
            out[k] += c;
        }
        return new CoarseHistogram(lo, hi, out);
    }

    /** Mean of x² over the histogram (bin midpoints), the signal power SQNR divides by. */
    static double meanSquare(TensorHistogram h) {
        HistogramBinning b = h.binning();
        double sum = 0;
        for (int i = 0; i < b.binCount(); i++) {
            long c = h.count(i);
            if (c != 0) {
                double m = midpoint(b, i, h.min(), h.max());
                sum += c * m * m;
            }
        }
        return sum / h.count();
    }

    private static double midpoint(HistogramBinning b, int bin, double min, double max) {
        double l = Math.max(b.lowerEdge(bin), min);
        double u = Math.min(b.upperEdge(bin), max);
        return u >= l ? (l + u) / 2 : l;
    }
}
