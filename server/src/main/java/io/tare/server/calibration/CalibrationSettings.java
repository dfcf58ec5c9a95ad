package io.tare.server.calibration;

import io.tare.server.core.TareException;
import java.time.Duration;
import java.util.Map;

/**
 * A model's calibration settings, from config.pbtxt {@code parameters} (all optional):
 * <ul>
 *   <li>{@code calibration}: {@code on} (default) or {@code off} (no taps, zero cost);</li>
 *   <li>{@code calibration_policy}: manual (default), auto or online;</li>
 *   <li>{@code calibration_sample_rate}: a fixed fraction of batches to sample, in (0, 1]; absent,
 *       the sampler keeps its own cost under {@code calibration_cost_budget} (default
 *       {@value #DEFAULT_COST_BUDGET}) of the time spent serving, and under
 *       {@code calibration_catch_up_cost_budget} (default {@value #DEFAULT_CATCH_UP_COST_BUDGET}) while
 *       the model waits for scales: before a cold-start promotion and while a swap is watched;</li>
 *   <li>{@code calibration_clip_rate_threshold} (default {@value #DEFAULT_CLIP_RATE_THRESHOLD}) and
 *       {@code calibration_drift_threshold} (default {@value #DEFAULT_DRIFT_THRESHOLD}): auto refresh
 *       triggers;</li>
 *   <li>{@code calibration_min_samples}: sampled batches needed before any refresh or promotion
 *       (default {@value #DEFAULT_MIN_SAMPLES});</li>
 *   <li>{@code calibration_window_seconds}: sliding window length (default
 *       {@value #DEFAULT_WINDOW_SECONDS}).</li>
 * </ul>
 *
 * @param enabled                 taps on
 * @param policy                  who changes scales
 * @param fixedSampleRate         fraction of batches sampled, or 0 for the cost budget
 * @param costBudget              calibration cost as a fraction of serving time, when no fixed rate
 * @param catchUpCostBudget       the same while the model waits for scales
 * @param clipRateThreshold       auto refresh when some tensor's clip rate exceeds this
 * @param driftThreshold          auto refresh when some tensor's drift exceeds this
 * @param minSamples              sampled batches since the last change before a refresh
 * @param window                  sliding window length
 * @param retainedInputs          recent sampled inputs kept for the guard
 * @param promotionMinTop1        cold start: top-1 agreement with the float reference needed to promote
 * @param maxScaleRatio           a candidate scale more than this factor away from the active one is implausible
 * @param probationSamples        sampled batches after an automatic swap during which live quality is watched
 * @param rollbackMargin          live top-1 agreement this far below the guard's measurement rolls back
 * @param evaluationInterval      how often the calibration thread considers a refresh
 */
public record CalibrationSettings(boolean enabled, CalibrationPolicy policy, double fixedSampleRate, double costBudget,
                                  double catchUpCostBudget,
                                  double clipRateThreshold, double driftThreshold, int minSamples, Duration window,
                                  int retainedInputs, double promotionMinTop1, double maxScaleRatio,
                                  int probationSamples, double rollbackMargin, Duration evaluationInterval) {
    public static final double DEFAULT_COST_BUDGET = 0.02;
    /**
     * While a model waits for scales it serves its slower (float, dynamic) or unproven version; a
     * fifth of its time spent on getting there sooner is repaid by the faster INT8 it promotes to.
     */
    public static final double DEFAULT_CATCH_UP_COST_BUDGET = 0.2;
    public static final double DEFAULT_CLIP_RATE_THRESHOLD = 0.01;
    public static final double DEFAULT_DRIFT_THRESHOLD = 0.1;
    public static final int DEFAULT_MIN_SAMPLES = 8;
    public static final int DEFAULT_WINDOW_SECONDS = 30;
    public static final int DEFAULT_RETAINED_INPUTS = 32;
    public static final double DEFAULT_PROMOTION_MIN_TOP1 = 0.97;
    public static final double DEFAULT_MAX_SCALE_RATIO = 16;
    public static final int DEFAULT_PROBATION_SAMPLES = 24;
    public static final double DEFAULT_ROLLBACK_MARGIN = 0.1;

    public CalibrationSettings {
        if (fixedSampleRate < 0 || fixedSampleRate > 1 || costBudget <= 0 || costBudget > 1
                || catchUpCostBudget < costBudget || catchUpCostBudget > 1) {
            throw TareException.invalid("calibration sample rate must lie in (0, 1], the cost budget in (0, 1] and the"
                    + " catch-up cost budget between the cost budget and 1");
        }
        if (minSamples < 1 || retainedInputs < 1 || probationSamples < 1) {
            throw TareException.invalid("calibration sample counts must be positive");
        }
    }

    /** Parses the {@code calibration*} parameters. @throws TareException INVALID_ARG naming a bad one */
    public static CalibrationSettings from(Map<String, String> p) {
        String on = p.getOrDefault("calibration", "on").trim();
        if (!on.equals("on") && !on.equals("off")) {
            throw TareException.invalid("parameter 'calibration' must be on or off, got '" + on + "'");
        }
        return new CalibrationSettings(on.equals("on"),
                CalibrationPolicy.parse(p.getOrDefault("calibration_policy", "manual")),
                number(p, "calibration_sample_rate", 0),
                number(p, "calibration_cost_budget", DEFAULT_COST_BUDGET),
                number(p, "calibration_catch_up_cost_budget", DEFAULT_CATCH_UP_COST_BUDGET),
                number(p, "calibration_clip_rate_threshold", DEFAULT_CLIP_RATE_THRESHOLD),
                number(p, "calibration_drift_threshold", DEFAULT_DRIFT_THRESHOLD),
                (int) number(p, "calibration_min_samples", DEFAULT_MIN_SAMPLES),
                Duration.ofMillis((long) (1000 * number(p, "calibration_window_seconds", DEFAULT_WINDOW_SECONDS))),
                (int) number(p, "calibration_retained_inputs", DEFAULT_RETAINED_INPUTS),
                number(p, "calibration_promotion_min_top1", DEFAULT_PROMOTION_MIN_TOP1),
                number(p, "calibration_max_scale_ratio", DEFAULT_MAX_SCALE_RATIO),
                (int) number(p, "calibration_probation_samples", DEFAULT_PROBATION_SAMPLES),
                number(p, "calibration_rollback_margin", DEFAULT_ROLLBACK_MARGIN),
                Duration.ofMillis(200));
    }

    public CalibrationSettings withPolicy(CalibrationPolicy p) {
        return new CalibrationSettings(enabled, p, fixedSampleRate, costBudget, catchUpCostBudget, clipRateThreshold, driftThreshold,
                minSamples, window, retainedInputs, promotionMinTop1, maxScaleRatio, probationSamples, rollbackMargin,
                evaluationInterval);
    }

    private static double number(Map<String, String> p, String key, double fallback) {
        String v = p.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw TareException.invalid("parameter '" + key + "' must be a number, got '" + v + "'");
        }
    }
}
