package io.tare.server.calibration;

import java.util.HashMap;
import java.util.Map;

/**
 * How long an unsampled batch of a given size takes, so that a sampled batch can be charged only
 * what sampling added to it: the slower tapped build, the copies, the TapPoints. Keyed by the
 * batch's input element count (batch size times sequence length and so on), one moving average each.
 *
 * <p>Updated by every instance thread once per unsampled batch; a lock is cheaper than anything
 * else per batch here and uncontended in the usual case of one or two instances.
 */
final class RunTimeBaseline {
    /** Distinct batch shapes remembered; past it the table starts over (traffic of many shapes). */
    static final int MAX_SHAPES = 256;
    /** Weight of the newest run in the average: forgets a stale speed within ~50 batches. */
    private static final double ALPHA = 1.0 / 16;

    private final Map<Long, double[]> averages = new HashMap<>();

    /** Records the wall time of an unsampled batch with {@code elements} input elements. */
    synchronized void record(long elements, long nanos) {
        double[] avg = averages.get(elements);
        if (avg == null) {
            if (averages.size() == MAX_SHAPES) {
                averages.clear();
            }
            averages.put(elements, new double[] {nanos});
        } else {
            avg[0] += ALPHA * (nanos - avg[0]);
        }
    }

    /** The expected wall time of an unsampled batch of that size, or -1 when none was seen. */
    synchronized long expected(long elements) {
        double[] avg = averages.get(elements);
        return avg == null ? -1 : Math.round(avg[0]);
    }
}
