package io.tare.kernels.calibration;

/**
 * The exact observed range: {@code [min, max]}, or {@code [-amax, amax]} for symmetric int8.
 * Exact because min/max are tracked beside the bins, not read from them.
 */
public final class MinMaxRange implements RangeMethod {

    @Override
    public String name() {
        return "minmax";
    }

    @Override
    public ClipRange range(TensorHistogram histogram, ActivationEncoding encoding) {
        histogram.requireNonEmpty();
        if (encoding.symmetric()) {
            return ClipRange.symmetric(histogram.absMax());
        }
        return new ClipRange(histogram.min(), histogram.max());
    }

    @Override
    public String toString() {
        return name();
    }
}
