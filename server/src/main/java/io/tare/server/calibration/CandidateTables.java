package io.tare.server.calibration;

import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.kernels.calibration.TensorHistogram;
import io.tare.kernels.calibration.TensorReport;
import io.tare.server.engine.quant.ScaleTable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns live statistics into candidate scale tables, one per range method, after the plausibility
 * checks that keep harmful traffic out before any model runs: every sampled value finite, no
 * degenerate (constant) activation, and no scale more than {@code maxScaleRatio} away from the
 * active one. Stateless.
 */
final class CandidateTables {
    private CandidateTables() {
    }

    /** Candidate tables by method name, or the reason there are none. */
    record Result(Map<String, ScaleTable> tables, String rejection) {
        boolean rejected() {
            return rejection != null;
        }
    }

    /**
     * @param reports    per tensor, with candidates computed on the window
     * @param active     the active table, or null
     * @param acceptsNew whether tensors absent from {@code active} may get entries
     * @param version    version of the candidate tables
     */
    static Result build(List<TensorReport> reports, ScaleTable active, boolean acceptsNew, List<String> methods,
                        double maxScaleRatio, long version) {
        Map<String, Map<String, ScaleTable.Range>> byMethod = new LinkedHashMap<>();
        for (String m : methods) {
            byMethod.put(m, new LinkedHashMap<>());
        }
        int used = 0;
        for (TensorReport r : reports) {
            ScaleTable.Range current = active == null ? null : active.get(r.tensor());
            if (current == null && !acceptsNew) {
                continue;
            }
            TensorHistogram w = r.window();
            if (w.nanCount() > 0 || w.infCount() > 0) {
                return new Result(Map.of(), "non-finite activations in '" + r.tensor() + "' (" + w.nanCount() + " NaN, "
                        + w.infCount() + " infinite)");
            }
            if (w.isEmpty()) {
                continue;
            }
            if (!(w.max() > w.min())) {
                return new Result(Map.of(), "degenerate activation '" + r.tensor() + "': every value is " + w.min());
            }
            for (String m : methods) {
                ScaleZeroPoint szp = r.candidates().get(m);
                if (szp == null) {
                    return new Result(Map.of(), "no " + m + " candidate for '" + r.tensor() + "'");
                }
                if (current != null) {
                    double ratio = szp.scale() / current.scale();
                    if (ratio > maxScaleRatio || ratio < 1 / maxScaleRatio) {
                        return new Result(Map.of(), String.format(java.util.Locale.ROOT,
                                "implausible %s scale for '%s': %.3g is %.1fx the active %.3g", m, r.tensor(),
                                szp.scale(), ratio, current.scale()));
                    }
                }
                byMethod.get(m).put(r.tensor(), new ScaleTable.Range(szp.scale(), szp.zeroPoint()));
            }
            used++;
        }
        if (used == 0) {
            return new Result(Map.of(), "no sampled activation yet");
        }
        Map<String, ScaleTable> tables = new LinkedHashMap<>();
        for (var e : byMethod.entrySet()) {
            Map<String, ScaleTable.Range> entries = new LinkedHashMap<>();
            if (active != null) {
                entries.putAll(active.entries());
            }
            entries.putAll(e.getValue());
            tables.put(e.getKey(), new ScaleTable(version, entries));
        }
        return new Result(tables, null);
    }
}
