package io.tare.kernels.calibration;

/**
 * Clips a small tail of the data, as ONNX Runtime's percentile calibrator does.
 * <ul>
 *   <li>Symmetric (int8): {@code t} = the {@code percentile}-th percentile of {@code |x|}; range
 *       {@code [-t, t]}.</li>
 *   <li>Asymmetric (uint8): {@code (100 - percentile) / 2} percent is cut from each side; range
 *       {@code [P_low, P_high]} of the signed values.</li>
 * </ul>
 * Accuracy: the value returned and the sorted-array (nearest-rank) percentile lie in the same
 * histogram bin, so they differ by at most that bin's width, i.e. by at most
 * {@link HistogramBinning#relativeWidthBound()} times the percentile (or {@code 2^minExponent}
 * near zero). {@code percentile = 100} returns the exact min/max.
 */
public final class PercentileRange implements RangeMethod {

    public static final double DEFAULT_PERCENTILE = 99.999;

    private final double percentile;

    /** @param percentile in {@code (0, 100]}, e.g. 99.99 */
    public PercentileRange(double percentile) {
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100]: " + percentile);
        }
        this.percentile = percentile;
    }

    public PercentileRange() {
        this(DEFAULT_PERCENTILE);
    }

    public double percentile() {
        return percentile;
    }

    @Override
    public String name() {
        return "percentile-" + percentile;
    }

    @Override
    public ClipRange range(TensorHistogram histogram, ActivationEncoding encoding) {
        if (encoding.symmetric()) {
            double t = ValueIntervals.magnitudes(histogram).quantile(percentile / 100.0);
            return ClipRange.symmetric((float) t);
        }
        ValueIntervals signed = ValueIntervals.signed(histogram);
        double cut = (100.0 - percentile) / 200.0;
        float lo = (float) signed.quantile(cut);
        float hi = (float) signed.quantile(1.0 - cut);
        return new ClipRange(lo, Math.max(lo, hi));
    }

    @Override
    public String toString() {
        return name();
    }
}
