package io.tare.server.calibration;

import io.tare.kernels.calibration.TensorReport;
import java.util.List;
import java.util.Locale;

/**
 * What the auto policy looks at in one evaluation: the worst clip rate and the worst drift over a
 * model's tensors, and the first tensor whose window holds NaN or infinity. The worst, because one
 * badly clipped tensor is enough to hurt the outputs.
 *
 * @param clipRate  largest clip rate, NaN when no tensor has one yet (no active scales)
 * @param drift     largest drift, NaN when no tensor has one yet
 * @param nonFinite "non-finite values in 't'" for the first such tensor, or null
 */
record RefreshTriggers(double clipRate, double drift, String nonFinite) {
    static RefreshTriggers of(List<TensorReport> reports) {
        double clip = Double.NaN;
        double drift = Double.NaN;
        String nonFinite = null;
        for (TensorReport r : reports) {
            if (r.clipRate().isPresent()) {
                double c = r.clipRate().get().rate();
                clip = Double.isNaN(clip) ? c : Math.max(clip, c);
            }
            if (r.drift().isPresent()) {
                drift = Double.isNaN(drift) ? r.drift().getAsDouble() : Math.max(drift, r.drift().getAsDouble());
            }
            if (nonFinite == null && r.window().nanCount() + r.window().infCount() > 0) {
                nonFinite = "non-finite values in '" + r.tensor() + "'";
            }
        }
        return new RefreshTriggers(clip, drift, nonFinite);
    }

    /**
     * Whether a refresh should be attempted. Non-finite activations trigger too, so that such
     * traffic is refused visibly rather than silently ignored.
     */
    boolean fire(CalibrationSettings s) {
        return clipRate > s.clipRateThreshold() || drift > s.driftThreshold() || nonFinite != null;
    }

    /** The trigger as the event detail starts it. */
    String describe() {
        return String.format(Locale.ROOT, "clip rate %.4f, drift %.4f%s", clipRate, drift,
                nonFinite == null ? "" : ", " + nonFinite);
    }
}
