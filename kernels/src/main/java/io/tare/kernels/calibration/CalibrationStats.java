package io.tare.kernels.calibration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Live calibration statistics for the tensors of one model: per registered tensor, a sliding
 * window histogram, a histogram since the last refresh, the active scales and the reference
 * histogram they were calibrated on; {@link #report} derives clip rate, drift and candidate scales.
 *
 * <p>Memory is bounded by {@code maxTensors * (windowSlots + 2) * 8 * binning.binCount()} bytes
 * ({@link #memoryBoundBytes()}), never by the number of samples: registration beyond
 * {@code maxTensors} is refused.
 *
 * <p>Not thread-safe by design: the server's single aggregator thread owns an instance (samples
 * arrive through a bounded hand-off), and {@link #report} returns detached copies for publishing.
 */
public final class CalibrationStats {

    /**
     * @param binning        bin scheme of every histogram
     * @param maxTensors     registration limit
     * @param windowSlots    sub-histograms in each sliding window
     * @param samplesPerSlot rotate each window every this many samples of its tensor (0: time-based)
     * @param slotNanos      rotate every window every this many nanoseconds of the caller's clock
     *                       (0: count-based); exactly one of the two is positive
     */
    public record Options(HistogramBinning binning, int maxTensors, int windowSlots, long samplesPerSlot,
                          long slotNanos) {

        public static final int DEFAULT_MAX_TENSORS = 1024;
        public static final int DEFAULT_WINDOW_SLOTS = 8;

        public Options {
            Objects.requireNonNull(binning, "binning");
            if (maxTensors < 1 || windowSlots < 1 || samplesPerSlot < 0 || slotNanos < 0
                    || (samplesPerSlot > 0) == (slotNanos > 0)) {
                throw new IllegalArgumentException("need maxTensors, windowSlots >= 1 and exactly one of "
                        + "samplesPerSlot, slotNanos positive");
            }
        }

        /** Default binning and limits, windows of {@code slots} slots of {@code samplesPerSlot} samples. */
        public static Options countWindow(int slots, long samplesPerSlot) {
            return new Options(HistogramBinning.DEFAULT, DEFAULT_MAX_TENSORS, slots, samplesPerSlot, 0);
        }

        /** Default binning and limits, windows of {@code slots} slots of {@code slotNanos} each. */
        public static Options timeWindow(int slots, long slotNanos) {
            return new Options(HistogramBinning.DEFAULT, DEFAULT_MAX_TENSORS, slots, 0, slotNanos);
        }
    }

    private final Options options;
    private final Map<String, TensorState> tensors = new LinkedHashMap<>();
    private long nowNanos;

    /** @param nowNanos the caller's clock now (used by time-based windows only) */
    public CalibrationStats(Options options, long nowNanos) {
        this.options = Objects.requireNonNull(options, "options");
        this.nowNanos = nowNanos;
    }

    public Options options() {
        return options;
    }

    /**
     * Starts collecting for a tensor.
     *
     * @throws IllegalStateException    beyond {@code maxTensors}
     * @throws IllegalArgumentException when already registered
     */
    public void register(String tensor, ActivationEncoding encoding) {
        Objects.requireNonNull(tensor, "tensor");
        Objects.requireNonNull(encoding, "encoding");
        if (tensors.containsKey(tensor)) {
            throw new IllegalArgumentException("already registered: " + tensor);
        }
        if (tensors.size() >= options.maxTensors()) {
            throw new IllegalStateException("tensor limit " + options.maxTensors() + " reached; not registering "
                    + tensor);
        }
        SlidingWindowHistogram window = options.slotNanos() > 0
                ? SlidingWindowHistogram.byTime(options.binning(), options.windowSlots(), options.slotNanos(), nowNanos)
                : SlidingWindowHistogram.bySampleCount(options.binning(), options.windowSlots(), options.samplesPerSlot());
        tensors.put(tensor, new TensorState(encoding, window, new TensorHistogram(options.binning())));
    }

    /** Registered tensor names, in registration order (unmodifiable view). */
    public Set<String> tensors() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    /** Adds samples of a registered tensor. @throws IllegalArgumentException when not registered */
    public void observe(String tensor, float[] data, int off, int len) {
        TensorState s = state(tensor);
        s.window.add(data, off, len, s.sinceRefresh); // one pass for both
    }

    /** Moves every time-based window to {@code nowNanos}; no effect on count-based windows. */
    public void advanceTime(long nowNanos) {
        if (options.slotNanos() > 0) {
            for (TensorState s : tensors.values()) {
                s.window.advanceTime(nowNanos);
            }
        }
        this.nowNanos = nowNanos;
    }

    /**
     * Records that {@code active} scales are now in use for the tensor, calibrated on
     * {@code reference} (copied); drift is measured against it from now on and the since-refresh
     * histogram starts over.
     */
    public void markRefreshed(String tensor, ScaleZeroPoint active, TensorHistogram reference) {
        TensorState s = state(tensor);
        Objects.requireNonNull(active, "active");
        if (!reference.binning().equals(options.binning())) {
            throw new IllegalArgumentException("reference binning " + reference.binning() + " differs from "
                    + options.binning());
        }
        s.active = active;
        s.reference = reference.copy();
        s.sinceRefresh.clear();
    }

    /** The tensor's state now, with candidates from each method on the window. */
    public TensorReport report(String tensor, List<RangeMethod> methods) {
        TensorState s = state(tensor);
        TensorHistogram window = s.window.windowSum();
        Map<String, ScaleZeroPoint> candidates = new LinkedHashMap<>();
        Optional<ClipRate> clip = Optional.empty();
        OptionalDouble drift = OptionalDouble.empty();
        if (!window.isEmpty()) {
            for (RangeMethod m : methods) {
                candidates.put(m.name(), m.scaleZeroPoint(window, s.encoding));
            }
            if (s.active != null) {
                clip = Optional.of(ClipRate.of(window, s.active, s.encoding));
            }
            if (s.reference != null && !s.reference.isEmpty()) {
                drift = OptionalDouble.of(DriftScore.between(window, s.reference));
            }
        }
        return new TensorReport(tensor, s.encoding, window, s.sinceRefresh.copy(), Optional.ofNullable(s.active),
                clip, drift, candidates);
    }

    /** {@link #report} for every tensor, in registration order. */
    public List<TensorReport> reports(List<RangeMethod> methods) {
        List<TensorReport> out = new ArrayList<>(tensors.size());
        for (String t : tensors.keySet()) {
            out.add(report(t, methods));
        }
        return out;
    }

    /** Upper bound of the bytes of counts this instance can ever hold. */
    public long memoryBoundBytes() {
        return (long) options.maxTensors() * (options.windowSlots() + 2) * 8L * options.binning().binCount();
    }

    private TensorState state(String tensor) {
        TensorState s = tensors.get(tensor);
        if (s == null) {
            throw new IllegalArgumentException("tensor not registered: " + tensor);
        }
        return s;
    }

    /** Mutable per-tensor state, confined to the owning thread. */
    private static final class TensorState {
        final ActivationEncoding encoding;
        final SlidingWindowHistogram window;
        final TensorHistogram sinceRefresh;
        ScaleZeroPoint active;
        TensorHistogram reference;

        TensorState(ActivationEncoding encoding, SlidingWindowHistogram window, TensorHistogram sinceRefresh) {
            this.encoding = encoding;
            this.window = window;
            this.sinceRefresh = sinceRefresh;
        }
    }
}
