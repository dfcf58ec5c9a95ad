package io.tare.kernels.calibration;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One tensor's live calibration state at a moment, detached from the aggregator (histograms are
 * copies), so it can be handed to another thread and streamed.
 *
 * @param tensor       tensor name
 * @param encoding     how the tensor's activations are stored
 * @param window       the sliding window's merged histogram
 * @param sinceRefresh everything observed since the active scales were set (or since registration)
 * @param active       the scales in use, if any were set
 * @param clipRate     saturation of the window under {@code active}; empty without active scales or data
 * @param drift        {@link DriftScore} of the window against the reference the active scales came
 *                     from; empty without a reference or data
 * @param candidates   scales each range method would choose from the window, keyed by
 *                     {@link RangeMethod#name()} in the order the methods were given; empty without data
 */
public record TensorReport(String tensor, ActivationEncoding encoding, TensorHistogram window,
                           TensorHistogram sinceRefresh, Optional<ScaleZeroPoint> active,
                           Optional<ClipRate> clipRate, OptionalDouble drift,
                           Map<String, ScaleZeroPoint> candidates) {

    public TensorReport {
        candidates = Collections.unmodifiableMap(new LinkedHashMap<>(candidates));
    }
}
