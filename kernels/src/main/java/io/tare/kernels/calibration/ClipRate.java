package io.tare.kernels.calibration;

/**
 * How many finite samples saturate under scales in use: values beyond the representable range by
 * more than half a step, i.e. those whose error exceeds rounding error. The saturation limits are
 * {@code scale * (qmin - zeroPoint - 0.5)} and {@code scale * (qmax - zeroPoint + 0.5)}.
 *
 * <p>From a histogram the count is known exactly except in the (at most two) bins that straddle a
 * limit, so the result carries exact bounds and an estimate that spreads a straddling bin's
 * count uniformly, as {@link ValueIntervals} does. NaN and infinities are not in {@link #total()};
 * the histogram reports them.
 *
 * @param total            finite samples
 * @param clippedAtLeast   samples certainly saturated
 * @param clippedAtMost    samples possibly saturated
 * @param clippedEstimate  estimate between the bounds
 */
public record ClipRate(long total, long clippedAtLeast, long clippedAtMost, double clippedEstimate) {

    /** @throws IllegalStateException when the histogram holds no finite value */
    public static ClipRate of(TensorHistogram histogram, ScaleZeroPoint params, ActivationEncoding encoding) {
        ValueIntervals v = ValueIntervals.signed(histogram);
        double s = params.scale();
        double low = s * (encoding.qmin() - params.zeroPoint() - 0.5);
        double high = s * (encoding.qmax() - params.zeroPoint() + 0.5);
        long atLeast = 0;
        long atMost = 0;
        double estimate = 0;
        for (int j = 0; j < v.size; j++) {
            double a = v.lo[j];
            double b = v.hi[j];
            long c = v.count[j];
            if (b < low || a > high) {
                atLeast += c;
                atMost += c;
                estimate += c;
                continue;
            }
            double outside = 0;
            if (a < low) {
                outside += low - a;
            }
            if (b > high) {
                outside += b - high;
            }
            if (outside > 0) {
                atMost += c;
                estimate += c * outside / (b - a);
            }
        }
        return new ClipRate(v.total, atLeast, atMost, estimate);
    }

    /** Estimated saturated fraction of finite samples, in [0, 1]. */
    public double rate() {
        return total == 0 ? 0 : clippedEstimate / total;
    }

    public double rateLowerBound() {
        return total == 0 ? 0 : (double) clippedAtLeast / total;
    }

    public double rateUpperBound() {
        return total == 0 ? 0 : (double) clippedAtMost / total;
    }
}
