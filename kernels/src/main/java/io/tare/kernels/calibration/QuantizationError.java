package io.tare.kernels.calibration;

/**
 * Expected squared error of quantize-then-dequantize over a histogram, for a given scale and zero
 * point: {@code E[(x - dq(q(x)))^2]} over the finite samples.
 *
 * <p>Values inside a histogram interval are taken as uniform over it (see {@link ValueIntervals});
 * under that assumption the integral is exact, piecewise: below the lowest representable value
 * every x maps to it, above the highest likewise, and in between x maps to the nearest grid point
 * {@code scale * (k - zeroPoint)}, so each piece contributes {@code ((v-g)^3 - (u-g)^3) / 3} times
 * the density. Cost: O(intervals + levels). Stateless and thread-safe.
 */
public final class QuantizationError {

    private QuantizationError() {
    }

    /** Mean squared error per finite sample. @throws IllegalStateException when empty */
    public static double meanSquared(TensorHistogram histogram, ScaleZeroPoint params, ActivationEncoding encoding) {
        return meanSquared(ValueIntervals.signed(histogram), params, encoding);
    }

    static double meanSquared(ValueIntervals v, ScaleZeroPoint params, ActivationEncoding encoding) {
        double s = params.scale();
        double low = params.representableLow(encoding);
        double high = params.representableHigh(encoding);
        int mLow = encoding.qmin() - params.zeroPoint();
        int mHigh = encoding.qmax() - params.zeroPoint();
        double sum = 0;
        for (int j = 0; j < v.size; j++) {
            double a = v.lo[j];
            double b = v.hi[j];
            long c = v.count[j];
            if (b <= a) {
                double m = Math.max(mLow, Math.min(mHigh, Math.rint(a / s)));
                double e = a - s * m;
                sum += c * e * e;
                continue;
            }
            double integral = 0;
            if (a < low) {
                integral += cubeIntegral(a, Math.min(b, low), low);
            }
            if (b > high) {
                integral += cubeIntegral(Math.max(a, high), b, high);
            }
            double u = Math.max(a, low);
            double w = Math.min(b, high);
            if (u < w) {
                long m0 = Math.max(mLow, (long) Math.floor(u / s + 0.5));
                long m1 = Math.min(mHigh, (long) Math.floor(w / s + 0.5));
                for (long m = m0; m <= m1; m++) {
                    double g = s * m;
                    double cellLo = Math.max(u, g - 0.5 * s);
                    double cellHi = Math.min(w, g + 0.5 * s);
                    if (cellHi > cellLo) {
                        integral += cubeIntegral(cellLo, cellHi, g);
                    }
                }
            }
            sum += c * integral / (b - a);
        }
        return sum / v.total;
    }

    /** {@code ∫_u^v (x - g)^2 dx}. */
    private static double cubeIntegral(double u, double v, double g) {
        double hi = v - g;
        double lo = u - g;
        return (hi * hi * hi - lo * lo * lo) / 3.0;
    }
}
