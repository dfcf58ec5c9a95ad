package io.tare.kernels.calibration;

import java.util.SplittableRandom;

/** Deterministic sample sets for the calibration tests. */
final class Samples {

    private Samples() {
    }

    static float[] gaussian(long seed, int n, double sigma) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (sigma * gaussian(rnd));
        }
        return out;
    }

    static float[] uniform(long seed, int n, double lo, double hi) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return out;
    }

    /** Laplace(0, b): exponential tails, the usual shape of heavy-tailed activations. */
    static float[] laplace(long seed, int n, double b) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double u = rnd.nextDouble() - 0.5;
            out[i] = (float) (-b * Math.signum(u) * Math.log(1 - 2 * Math.abs(u)));
        }
        return out;
    }

    /**
     * Everything at once: Gaussians at several scales, both zeros, subnormals, overflow-range
     * values, NaN and infinities.
     */
    static float[] hostile(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(100);
            out[i] = switch (kind) {
                case 0 -> Float.NaN;
                case 1 -> Float.POSITIVE_INFINITY;
                case 2 -> Float.NEGATIVE_INFINITY;
                case 3 -> 0f;
                case 4 -> -0f;
                case 5 -> Float.MIN_VALUE * rnd.nextInt(1, 1000) * (rnd.nextBoolean() ? 1 : -1);
                case 6 -> (float) (rnd.nextDouble(-1, 1) * 1e30);
                case 7 -> Float.intBitsToFloat(rnd.nextInt() & 0x7f7fffff | (rnd.nextBoolean() ? 0x80000000 : 0));
                default -> (float) (gaussian(rnd) * Math.pow(10, rnd.nextInt(-6, 6)));
            };
        }
        return out;
    }

    static double gaussian(SplittableRandom rnd) {
        double u1 = 1 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    static TensorHistogram histogram(float[] data) {
        return histogram(HistogramBinning.DEFAULT, data);
    }

    static TensorHistogram histogram(HistogramBinning binning, float[] data) {
        TensorHistogram h = new TensorHistogram(binning);
        h.add(data, 0, data.length);
        return h;
    }
}
