package io.tare.kernels.calibration;

/**
 * Chooses the clip range of one activation tensor from its histogram.
 *
 * <p>Contract shared by implementations: only finite values count (NaN/Inf are the caller's to
 * reject, see {@link TensorHistogram#requireFinite()}); an empty histogram throws
 * {@link IllegalStateException} rather than guessing; for {@link ActivationEncoding#INT8_SYMMETRIC}
 * the result is symmetric, {@code [-t, t]}; the result lies within the data's exact
 * min/max except where it is widened to be symmetric (the conversion to scales further widens it
 * to contain 0); the result is a pure function of the histogram, so equal
 * histograms (however they were merged) give equal ranges. Implementations are immutable and
 * thread-safe.
 */
public interface RangeMethod {

    /** Short stable name, used to label candidate scales ("minmax", "percentile-99.99", ...). */
    String name();

    /** @throws IllegalStateException when the histogram holds no finite value */
    ClipRange range(TensorHistogram histogram, ActivationEncoding encoding);

    /** {@link #range} converted with {@link ClipRange#toScaleZeroPoint}. */
    default ScaleZeroPoint scaleZeroPoint(TensorHistogram histogram, ActivationEncoding encoding) {
        return range(histogram, encoding).toScaleZeroPoint(encoding);
    }
}
