package io.tare.server.calibration;

import io.tare.server.engine.quant.ScaleTable;
import java.util.Locale;

/**
 * When the online policy may promote a model that serves without a table to its first one. A
 * promotion fixes the scales of all later traffic and there is no earlier table to compare with, so
 * one stretch of traffic is not enough evidence: a burst of bad requests at start-up (inputs 1,000x
 * too large, say) would get a table fitted to it, which the guard then accepts because it compares
 * on those same inputs, and later refreshes refuse to move far from it.
 *
 * <p>So a promotion needs two disjoint stretches of traffic that agree. After
 * {@value #MIN_SAMPLES} sampled batches, a table the guard accepts is only <em>proposed</em>. It is
 * installed when, after at least as many further sampled batches as the guard retains (so every
 * input the guard then runs on arrived after the proposal, and at least {@value #MIN_SAMPLES}), the
 * guard accepts again and the table accepted then has every scale within
 * {@value #AGREEMENT_RATIO}x of the proposal's. A table that disagrees becomes the proposal instead,
 * and the wait starts over; one the guard refuses leaves the proposal waiting.
 *
 * <p>Calibration thread only.
 */
final class ColdStartEvidence {
    /** Sampled batches before the first proposal, and at least between proposal and promotion. */
    static final int MIN_SAMPLES = 32;
    /** How far apart the proposal's and the confirming table's scales may be (either way). */
    static final double AGREEMENT_RATIO = 2.0;

    private ScaleTable proposal;
    private long batchesSinceProposal;

    /** Whether a promotion attempt may run, given the sampled batches since the last change. */
    boolean due(long samplesSinceChange, int retainedInputs) {
        return proposal == null ? samplesSinceChange >= MIN_SAMPLES
                : batchesSinceProposal >= Math.max(MIN_SAMPLES, retainedInputs);
    }

    /** Counts a sampled batch. */
    void sampled() {
        if (proposal != null) {
            batchesSinceProposal++;
        }
    }

    /**
     * Decides on a table the guard accepted for promotion.
     *
     * @return null when it confirms the proposal (promote it now); otherwise why not, after it has
     *     become the proposal
     */
    String offer(ScaleTable accepted) {
        String disagreement = proposal == null ? null : disagreement(proposal, accepted);
        if (proposal != null && disagreement == null) {
            return null;
        }
        String why = proposal == null ? "promotion proposed"
                : "promotion postponed: " + disagreement + "; the new table is proposed instead";
        proposal = accepted;
        batchesSinceProposal = 0;
        return why + "; it is promoted if the guard accepts again, with scales within " + AGREEMENT_RATIO
                + "x, on traffic that arrives after this";
    }

    /** Forgets the proposal (a table was installed by other means). */
    void clear() {
        proposal = null;
        batchesSinceProposal = 0;
    }

    private static String disagreement(ScaleTable proposal, ScaleTable accepted) {
        for (var e : accepted.entries().entrySet()) {
            ScaleTable.Range before = proposal.get(e.getKey());
            if (before == null) {
                continue;
            }
            double ratio = e.getValue().scale() / before.scale();
            if (!(ratio <= AGREEMENT_RATIO && ratio >= 1 / AGREEMENT_RATIO)) {
                return String.format(Locale.ROOT, "scale of '%s' %.3g is %.3gx the proposed %.3g", e.getKey(),
                        e.getValue().scale(), ratio, before.scale());
            }
        }
        return null;
    }
}
