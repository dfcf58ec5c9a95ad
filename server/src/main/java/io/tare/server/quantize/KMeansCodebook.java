package io.tare.server.quantize;

import java.util.Arrays;

/**
 * Non-uniform weight quantization: a 1-D k-means (Lloyd's algorithm) codebook of {@code levels}
 * values per tensor, each weight replaced by its nearest code. Unlike a uniform grid, codes crowd
 * where weights crowd (near zero for bell-shaped weights), which lowers the squared error at the
 * same number of levels.
 *
 * <p>Deterministic: Lloyd's algorithm runs twice, once from the {@code (i + 0.5) / levels}
 * quantiles of the sorted weights and once from a uniform grid over {@code [min, max]}, each until
 * no code moves or {@value #MAX_ITERATIONS} iterations, and the codebook with the lower squared
 * error wins. Since a Lloyd step never raises the error, the second start guarantees the result is
 * at least as good as that uniform grid. Sorting once
 * makes each iteration O(levels log n) through prefix sums (a cluster is a contiguous run of the
 * sorted values, bounded by midpoints between neighbouring codes).
 *
 * @param codes   the codebook, ascending
 * @param indices per weight, the index of its code (0 .. levels-1, stored unsigned)
 * @param sqnrDb  SQNR of the reconstructed weight against the original
 */
public record KMeansCodebook(float[] codes, byte[] indices, double sqnrDb) {

    static final int MAX_ITERATIONS = 100;

    /** @param levels 2 to 256 */
    public static KMeansCodebook fit(float[] w, int levels) {
        if (levels < 2 || levels > 256) {
            throw new IllegalArgumentException("levels must be in [2, 256]: " + levels);
        }
        float[] sorted = w.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double[] prefix = new double[n + 1];
        for (int i = 0; i < n; i++) {
            prefix[i + 1] = prefix[i] + sorted[i];
        }
        double[] quantiles = new double[levels];
        double[] grid = new double[levels];
        for (int k = 0; k < levels; k++) {
            quantiles[k] = sorted[(int) Math.min(n - 1, (long) ((k + 0.5) * n / levels))];
            grid[k] = sorted[0] + (sorted[n - 1] - (double) sorted[0]) * k / (levels - 1);
        }
        double[] a = lloyd(sorted, prefix, quantiles);
        double[] b = lloyd(sorted, prefix, grid);
        double[] c = squaredError(sorted, a) <= squaredError(sorted, b) ? a : b;
        float[] codes = new float[levels];
        for (int k = 0; k < levels; k++) {
            codes[k] = (float) c[k];
        }
        byte[] idx = new byte[w.length];
        double signal = 0;
        double noise = 0;
        for (int i = 0; i < w.length; i++) {
            int k = nearest(codes, w[i]);
            idx[i] = (byte) k;
            double e = w[i] - codes[k];
            signal += (double) w[i] * w[i];
            noise += e * e;
        }
        return new KMeansCodebook(codes, idx, Sqnr.decibels(signal, noise));
    }

    private static double[] lloyd(float[] sorted, double[] prefix, double[] c) {
        int n = sorted.length;
        int levels = c.length;
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            boolean moved = false;
            int start = 0;
            for (int k = 0; k < levels; k++) {
                int end = k == levels - 1 ? n : upperBound(sorted, (c[k] + c[k + 1]) / 2, start);
                if (end > start) {
                    double mean = (prefix[end] - prefix[start]) / (end - start);
                    if (mean != c[k]) {
                        c[k] = mean;
                        moved = true;
                    }
                }
                start = end;
            }
            Arrays.sort(c);
            if (!moved) {
                break;
            }
        }
        return c;
    }

    private static double squaredError(float[] sorted, double[] c) {
        float[] codes = new float[c.length];
        for (int k = 0; k < c.length; k++) {
            codes[k] = (float) c[k];
        }
        double e = 0;
        for (float v : sorted) {
            double d = v - codes[nearest(codes, v)];
            e += d * d;
        }
        return e;
    }

    /** First index at or after {@code from} whose value exceeds {@code x}. */
    private static int upperBound(float[] sorted, double x, int from) {
        int lo = from;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static int nearest(float[] codes, float x) {
        int i = Arrays.binarySearch(codes, x);
        if (i >= 0) {
            return i;
        }
        int hi = -i - 1;
        if (hi == 0) {
            return 0;
        }
        if (hi == codes.length) {
            return codes.length - 1;
        }
        return x - codes[hi - 1] <= codes[hi] - x ? hi - 1 : hi;
    }

    /** The weight rebuilt from the codebook. */
    public float[] reconstruct() {
        float[] out = new float[indices.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = codes[indices[i] & 0xff];
        }
        return out;
    }
}
