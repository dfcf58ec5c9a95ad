package io.tare.server.calibration;

import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.quant.ScaleTable;
import java.util.List;
import java.util.Map;

/**
 * The shadow check every automatic change passes: candidate tables run on retained inputs (never
 * on the served model), and their outputs are compared with the float reference's. A refresh is
 * accepted only when the best candidate is at least as good as the active table on every measure
 * (top-1 agreement, cosine, SQNR) on the recent inputs and at least {@value #MIN_SQNR_GAIN_DB} dB
 * better in SQNR there, and when on
 * the inputs the active table was accepted on its top-1 agreement falls by at most
 * {@value #TRUSTED_TOP1_TOLERANCE} (traffic may legitimately drift away from them, but a table fitted
 * to garbage collapses there). A promotion (no active table) needs an
 * absolute top-1 agreement instead. Calibration thread only.
 */
final class RefreshGuard {
    /** The outcome, with the measurements that decided it. */
    record Verdict(boolean accepted, String reason, String method, ScaleTable table, LoadedModel model,
                   OutputQuality candidate, OutputQuality active) {
    }

    /** Top-1 agreement a candidate may lose on the inputs the active table was accepted on. */
    static final double TRUSTED_TOP1_TOLERANCE = 0.1;
    /** SQNR a refresh must gain on the recent inputs: smaller gains are noise and would churn versions. */
    static final double MIN_SQNR_GAIN_DB = 1.0;

    private final ScaleTarget target;
    private final String output;

    RefreshGuard(ScaleTarget target) {
        this.target = target;
        this.output = target.outputNames().getFirst();
    }

    /** The active table's model: the one requests run on (its runs here use their own buffers). */
    LoadedModel activeModel() {
        return target.servedModel();
    }

    /** Quality of {@code model} against the reference on {@code batches}. */
    OutputQuality measure(LoadedModel model, List<RetainedInputs.Batch> batches) {
        OutputQuality q = new OutputQuality();
        LoadedModel reference = target.reference();
        for (RetainedInputs.Batch b : batches) {
            Map<String, Tensor> out = model.run(b.inputs);
            q.add(out.get(output), b.reference(reference).get(output));
        }
        return q;
    }

    /** Live quality of served outputs against the reference. */
    void addLive(OutputQuality q, Map<String, Tensor> inputs, Map<String, Tensor> served) {
        Map<String, Tensor> ref = target.reference().run(inputs);
        Tensor out = served.get(output);
        if (out != null) {
            q.add(out, ref.get(output));
        }
    }

    /**
     * @param candidates candidate tables by method
     * @param recent     inputs of the latest sampled batches
     * @param trusted    inputs the active table was accepted on (may be empty)
     * @param promotionMinTop1 for a promotion (no active table), the top-1 agreement needed
     */
    Verdict judge(Map<String, ScaleTable> candidates, List<RetainedInputs.Batch> recent,
                  List<RetainedInputs.Batch> trusted, double promotionMinTop1) {
        ScaleTable active = target.activeTable();
        String bestMethod = null;
        ScaleTable bestTable = null;
        LoadedModel bestModel = null;
        OutputQuality best = null;
        StringBuilder tried = new StringBuilder();
        for (var e : candidates.entrySet()) {
            LoadedModel shadow = target.shadow(e.getValue());
            OutputQuality q = measure(shadow, recent);
            tried.append(tried.isEmpty() ? "" : "; ").append(e.getKey()).append(": ").append(q);
            if (best == null || q.top1Agreement() > best.top1Agreement()
                    || (q.top1Agreement() == best.top1Agreement() && q.sqnrDb() > best.sqnrDb())) {
                best = q;
                bestMethod = e.getKey();
                bestTable = e.getValue();
                bestModel = shadow;
            }
        }
        if (best == null) {
            return new Verdict(false, "no candidate", null, null, null, null, null);
        }
        if (active == null) {
            OutputQuality served = measure(activeModel(), recent);
            boolean ok = best.top1Agreement() >= promotionMinTop1 && Double.isFinite(best.meanCosine());
            // "guard passed", not "promoted": a first acceptance only proposes the table (ColdStartEvidence)
            return new Verdict(ok, ok ? "guard passed: " + bestMethod + " " + best
                    : "promotion refused: " + bestMethod + " " + best + " is below top-1 " + promotionMinTop1,
                    bestMethod, bestTable, bestModel, best, served);
        }
        LoadedModel activeModel = activeModel();
        OutputQuality activeRecent = measure(activeModel, recent);
        if (!best.notWorseThan(activeRecent) || !(best.sqnrDb() >= activeRecent.sqnrDb() + MIN_SQNR_GAIN_DB)) {
            return new Verdict(false, "refused: " + bestMethod + " " + best + " vs active " + activeRecent,
                    bestMethod, bestTable, bestModel, best, activeRecent);
        }
        if (!trusted.isEmpty()) {
            OutputQuality candTrusted = measure(bestModel, trusted);
            OutputQuality activeTrusted = measure(activeModel, trusted);
            if (candTrusted.top1Agreement() < activeTrusted.top1Agreement() - TRUSTED_TOP1_TOLERANCE) {
                return new Verdict(false, "refused: on the inputs the active table was accepted on, " + bestMethod
                        + " " + candTrusted + " vs active " + activeTrusted, bestMethod, bestTable, bestModel, best,
                        activeRecent);
            }
        }
        return new Verdict(true, "accepted: " + bestMethod + " " + best + " vs active " + activeRecent
                + " (candidates " + tried + ")",
                bestMethod, bestTable, bestModel, best, activeRecent);
    }
}
