package io.tare.server.quantize;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a {@link QuantizationReport} as one self-contained HTML page with inline SVG plots: the
 * layer sensitivity bar chart, each activation's histogram with the chosen clip range, and the
 * range methods compared (per activation SQNR, and accuracy where measured).
 */
final class ReportHtml {

    private static final int BAR_WIDTH = 420;
    private static final String[] COLORS = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f"};

    private ReportHtml() {
    }

    static String write(QuantizationReport r) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>tare quantize report</title><style>")
                .append("body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%;text-align:right}")
                .append("td:first-child,th:first-child{text-align:left}svg{background:#fafafa}.hist{display:inline-block;margin:4px}")
                .append("</style></head><body>");
        h.append("<h1>Quantization report</h1><p>").append(esc(r.model())).append(" &rarr; ").append(esc(r.output())).append("</p>");
        h.append("<table>");
        r.settings().forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(v)).append("</td></tr>"));
        h.append("<tr><td>calibration</td><td>").append(r.calibrationSamples()).append(" samples, ")
                .append(fmt(r.calibrationSeconds())).append(" s</td></tr></table>");
        if (!r.transforms().isEmpty()) {
            h.append("<ul>");
            r.transforms().forEach(t -> h.append("<li>").append(esc(t)).append("</li>"));
            h.append("</ul>");
        }
        QuantizationReport.FinalEvaluation e = r.evaluation();
        h.append("<h2>Result (ONNX Runtime on the export)</h2><table><tr><th>data</th><th>samples</th><th>FP32 accuracy</th>")
                .append("<th>quantized accuracy</th><th>output SQNR dB</th><th>rel. error</th><th>mean cos</th><th>min cos</th>")
                .append("<th>top-1 agreement</th></tr><tr><td>").append(esc(e.data())).append("</td><td>").append(e.samples())
                .append("</td><td>").append(fmt(e.fp32Accuracy())).append("</td>");
        scoreCells(h, e.score());
        h.append("</tr></table>");
        if (e.engine() != null) {
            h.append("<p>The same file in Tare's engine: accuracy ").append(fmt(e.engine().score().accuracy()))
                    .append(", output SQNR ").append(fmt(e.engine().score().comparison().sqnrDb()))
                    .append(" dB, top-1 agreement with ONNX Runtime ").append(fmt(e.engine().agreementWithOrt())).append(".</p>");
        }
        if (e.engineStatic() != null) {
            h.append("<p>The FP32 model in Tare's engine STATIC mode with these activation scales: accuracy ")
                    .append(fmt(e.engineStatic().score().accuracy())).append(", output SQNR ")
                    .append(fmt(e.engineStatic().score().comparison().sqnrDb())).append(" dB, top-1 agreement with ONNX Runtime on the export ")
                    .append(fmt(e.engineStatic().agreementWithOrt())).append(".</p>");
        }
        if (!r.smoothing().isEmpty()) {
            smoothing(h, r.smoothing());
        }
        sensitivity(h, r.layers());
        if (r.mixedPrecision() != null) {
            mixed(h, r.mixedPrecision());
        }
        if (r.nonUniform() != null) {
            nonUniform(h, r.nonUniform());
        }
        methods(h, r);
        h.append("<h2>Activations: calibration histograms and clip ranges</h2>")
                .append("<p>Counts on a log scale; red lines: the chosen clip range; grey: min/max.</p>");
        for (QuantizationReport.Activation a : r.activations()) {
            histogram(h, a);
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    /** Where smoothing mattered: SQNR gain per smoothed activation as bars, largest first, then the numbers. */
    private static void smoothing(StringBuilder h, List<QuantizationReport.Smoothing> rows) {
        h.append("<h2>Smoothing: where it mattered</h2><p>Bar: gain in SQNR (dB) of each smoothed activation quantized")
                .append(" per tensor (calibration histograms, this run's range method); spread: largest over median")
                .append(" per-channel |max|.</p>");
        double max = 1;
        for (QuantizationReport.Smoothing s : rows) {
            max = Math.max(max, Math.abs(s.gainDb()));
        }
        int rowH = 18;
        h.append("<svg width=\"900\" height=\"").append(rowH * rows.size() + 10).append("\">");
        for (int i = 0; i < rows.size(); i++) {
            QuantizationReport.Smoothing s = rows.get(i);
            int y = i * rowH + 5;
            int w = (int) (BAR_WIDTH * Math.abs(s.gainDb()) / max);
            h.append("<text x=\"0\" y=\"").append(y + 13).append("\" font-size=\"12\">").append(esc(s.activation()))
                    .append("</text><rect x=\"380\" y=\"").append(y).append("\" width=\"").append(w).append("\" height=\"")
                    .append(rowH - 4).append("\" fill=\"").append(s.gainDb() >= 0 ? "#59a14f" : "#e15759").append("\"/><text x=\"")
                    .append(385 + w).append("\" y=\"").append(y + 12).append("\" font-size=\"11\">").append(fmt(s.gainDb()))
                    .append(" dB</text>");
        }
        h.append("</svg><table><tr><th>activation</th><th>layers</th><th>placement</th><th>alpha</th><th>spread before</th>")
                .append("<th>spread after</th><th>SQNR before dB</th><th>SQNR after dB</th></tr>");
        for (QuantizationReport.Smoothing s : rows) {
            h.append("<tr><td>").append(esc(s.activation())).append("</td><td>").append(esc(String.join(", ", s.layers())))
                    .append("</td><td>").append(s.folded() ? "folded" : "Mul").append("</td><td>").append(fmt(s.alpha()))
                    .append("</td><td>").append(fmt(s.spreadBefore()))
                    .append("</td><td>").append(fmt(s.spreadAfter())).append("</td><td>").append(fmt(s.sqnrBeforeDb()))
                    .append("</td><td>").append(fmt(s.sqnrAfterDb())).append("</td></tr>");
        }
        h.append("</table>");
    }

    private static void sensitivity(StringBuilder h, List<QuantizationReport.Layer> layers) {
        h.append("<h2>Layers</h2>");
        double max = 1;
        for (QuantizationReport.Layer l : layers) {
            if (l.sensitivity() != null && Double.isFinite(l.sensitivity().comparison().sqnrDb())) {
                max = Math.max(max, l.sensitivity().comparison().sqnrDb());
            }
        }
        int rowH = 18;
        h.append("<p>Bar: output SQNR (dB) with this layer alone quantized; shorter is more sensitive.</p>");
        h.append("<svg width=\"900\" height=\"").append(rowH * layers.size() + 10).append("\">");
        for (int i = 0; i < layers.size(); i++) {
            QuantizationReport.Layer l = layers.get(i);
            int y = i * rowH + 5;
            h.append("<text x=\"0\" y=\"").append(y + 13).append("\" font-size=\"12\">").append(esc(l.name())).append("</text>");
            if (l.sensitivity() != null) {
                double v = l.sensitivity().comparison().sqnrDb();
                int w = (int) (BAR_WIDTH * (Double.isFinite(v) ? Math.max(0, v) / max : 1));
                h.append("<rect x=\"300\" y=\"").append(y).append("\" width=\"").append(w).append("\" height=\"")
                        .append(rowH - 4).append("\" fill=\"").append(l.precision().equals("fp32") ? "#e15759" : "#4e79a7")
                        .append("\"/><text x=\"").append(305 + w).append("\" y=\"").append(y + 12).append("\" font-size=\"11\">")
                        .append(fmt(v)).append(" dB</text>");
            }
        }
        h.append("</svg><table><tr><th>layer</th><th>op</th><th>precision</th><th>weight SQNR dB</th><th>accuracy alone</th>")
                .append("<th>output SQNR dB</th><th>rel. error</th><th>mean cos</th><th>min cos</th><th>top-1 agreement</th></tr>");
        for (QuantizationReport.Layer l : layers) {
            h.append("<tr><td>").append(esc(l.name())).append("</td><td>").append(l.opType()).append("</td><td>")
                    .append(l.precision()).append("</td><td>").append(fmt(l.weightSqnrDb())).append("</td>");
            if (l.sensitivity() != null) {
                scoreCells(h, l.sensitivity());
            }
            h.append("</tr>");
        }
        h.append("</table>");
    }

    private static void mixed(StringBuilder h, MixedPrecisionSearch.Result m) {
        h.append("<h2>Mixed precision</h2><p>Budget: ")
                .append(Double.isNaN(m.accuracyBudget()) ? "" : "accuracy loss &le; " + fmt(m.accuracyBudget()) + " ")
                .append(Double.isNaN(m.sqnrTarget()) ? "" : "output SQNR &ge; " + fmt(m.sqnrTarget()) + " dB")
                .append(". Kept in FP32: <b>").append(m.fp32Layers().isEmpty() ? "none" : esc(String.join(", ", m.fp32Layers())))
                .append("</b>.</p><table><tr><th>FP32 layers</th><th>meets</th><th>accuracy</th><th>SQNR dB</th><th>rel. error</th>")
                .append("<th>mean cos</th><th>min cos</th><th>top-1 agreement</th></tr>");
        for (MixedPrecisionSearch.Step s : m.steps()) {
            h.append("<tr><td>").append(esc(s.fp32Layers().isEmpty() ? "(none)" : String.join(", ", s.fp32Layers())))
                    .append("</td><td>").append(s.meets() ? "yes" : "no").append("</td>");
            scoreCells(h, s.score());
            h.append("</tr>");
        }
        h.append("</table>");
    }

    private static void methods(StringBuilder h, QuantizationReport r) {
        h.append("<h2>Range methods compared</h2>");
        if (!r.methods().isEmpty()) {
            h.append("<table><tr><th>method</th><th>weights</th><th>accuracy</th><th>SQNR dB</th><th>rel. error</th>")
                    .append("<th>mean cos</th><th>min cos</th><th>top-1 agreement</th><th>Tare engine accuracy</th></tr>");
            for (QuantizationReport.MethodScore m : r.methods()) {
                h.append("<tr><td>").append(esc(m.method())).append("</td><td>").append(m.perChannel() ? "per-channel" : "per-tensor")
                        .append("</td>");
                h.append("<td>").append(fmt(m.score().accuracy())).append("</td>");
                OutputComparison c = m.score().comparison();
                h.append("<td>").append(fmt(c.sqnrDb())).append("</td><td>").append(fmt(c.relativeError())).append("</td><td>")
                        .append(fmt(c.meanCosine())).append("</td><td>").append(fmt(c.minCosine())).append("</td><td>")
                        .append(fmt(c.top1Agreement())).append("</td><td>")
                        .append(m.engine() == null ? "&ndash;" : fmt(m.engine().score().accuracy())).append("</td></tr>");
            }
            h.append("</table>");
        }
        if (r.activations().isEmpty()) {
            return;
        }
        List<String> names = List.copyOf(r.activations().getFirst().candidates().keySet());
        h.append("<p>Per activation: SQNR (dB) of the activation quantized with each method's range (from its histogram).</p>");
        int rowH = 12 * names.size() + 8;
        h.append("<svg width=\"900\" height=\"").append(rowH * r.activations().size() + 30).append("\">");
        for (int k = 0; k < names.size(); k++) {
            h.append("<rect x=\"").append(300 + k * 110).append("\" y=\"2\" width=\"10\" height=\"10\" fill=\"").append(COLORS[k % COLORS.length])
                    .append("\"/><text x=\"").append(314 + k * 110).append("\" y=\"11\" font-size=\"11\">").append(esc(names.get(k))).append("</text>");
        }
        double max = 1;
        for (QuantizationReport.Activation a : r.activations()) {
            for (QuantizationReport.Candidate c : a.candidates().values()) {
                if (Double.isFinite(c.sqnrDb())) {
                    max = Math.max(max, c.sqnrDb());
                }
            }
        }
        for (int i = 0; i < r.activations().size(); i++) {
            QuantizationReport.Activation a = r.activations().get(i);
            int y = 20 + i * rowH;
            h.append("<text x=\"0\" y=\"").append(y + 12).append("\" font-size=\"11\">").append(esc(a.name())).append("</text>");
            int k = 0;
            for (Map.Entry<String, QuantizationReport.Candidate> c : a.candidates().entrySet()) {
                double v = c.getValue().sqnrDb();
                int w = (int) (BAR_WIDTH * (Double.isFinite(v) ? Math.max(0, v) / max : 1));
                h.append("<rect x=\"300\" y=\"").append(y + k * 12).append("\" width=\"").append(w).append("\" height=\"10\" fill=\"")
                        .append(COLORS[k % COLORS.length]).append("\"/><text x=\"").append(304 + w).append("\" y=\"").append(y + k * 12 + 9)
                        .append("\" font-size=\"9\">").append(fmt(v)).append("</text>");
                k++;
            }
        }
        h.append("</svg>");
    }

    private static void nonUniform(StringBuilder h, QuantizationReport.NonUniform n) {
        h.append("<h2>Non-uniform weights: k-means codebook of ").append(n.levels()).append(" levels vs uniform grids</h2>")
                .append("<table><tr><th>weights</th><th>accuracy</th><th>SQNR dB</th><th>rel. error</th><th>mean cos</th>")
                .append("<th>min cos</th><th>top-1 agreement</th></tr>");
        h.append("<tr><td>k-means</td>");
        scoreCells(h, n.kmeans());
        h.append("</tr><tr><td>uniform per tensor</td>");
        scoreCells(h, n.uniformPerTensor());
        h.append("</tr><tr><td>uniform per channel</td>");
        scoreCells(h, n.uniformPerChannel());
        h.append("</tr></table><table><tr><th>layer</th><th>k-means weight SQNR dB</th><th>uniform per tensor</th>")
                .append("<th>uniform per channel</th></tr>");
        for (NonUniformWeights.LayerComparison c : n.layers()) {
            h.append("<tr><td>").append(esc(c.layer())).append("</td><td>").append(fmt(c.kmeansSqnrDb())).append("</td><td>")
                    .append(fmt(c.uniformPerTensorSqnrDb())).append("</td><td>").append(fmt(c.uniformPerChannelSqnrDb()))
                    .append("</td></tr>");
        }
        h.append("</table>");
    }

    private static void histogram(StringBuilder h, QuantizationReport.Activation a) {
        int w = 300;
        int ht = 120;
        CoarseHistogram c = a.histogram();
        long[] counts = c.counts();
        double maxLog = 0;
        for (long v : counts) {
            maxLog = Math.max(maxLog, Math.log10(1 + v));
        }
        double lo = Math.min(c.lo(), a.range().lo());
        double hi = Math.max(c.hi(), a.range().hi());
        double span = hi > lo ? hi - lo : 1;
        h.append("<div class=\"hist\"><svg width=\"").append(w).append("\" height=\"").append(ht + 30).append("\">");
        double bw = (c.hi() - c.lo()) / counts.length;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                continue;
            }
            double x0 = (c.lo() + i * bw - lo) / span * w;
            double bh = maxLog == 0 ? 0 : Math.log10(1 + counts[i]) / maxLog * ht;
            h.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4e79a7\"/>",
                    x0, ht - bh, Math.max(1, bw / span * w), bh));
        }
        line(h, (a.min() - lo) / span * w, ht, "#999");
        line(h, (a.max() - lo) / span * w, ht, "#999");
        line(h, (a.range().lo() - lo) / span * w, ht, "#e15759");
        line(h, (a.range().hi() - lo) / span * w, ht, "#e15759");
        h.append("<text x=\"2\" y=\"").append(ht + 12).append("\" font-size=\"10\">").append(esc(a.name())).append("</text>")
                .append("<text x=\"2\" y=\"").append(ht + 25).append("\" font-size=\"10\">[").append(fmt(a.range().lo())).append(", ")
                .append(fmt(a.range().hi())).append("] of [").append(fmt(a.min())).append(", ").append(fmt(a.max()))
                .append("], clipped ").append(fmt(100 * a.clipRate())).append("%, SQNR ").append(fmt(a.sqnrDb()))
                .append(" dB").append(a.quantized() ? "" : " (not quantized: its layers stay FP32)").append("</text></svg></div>");
    }

    private static void line(StringBuilder h, double x, int ht, String color) {
        h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\"/>",
                x, x, ht, color));
    }

    private static void scoreCells(StringBuilder h, ModelScore s) {
        OutputComparison c = s.comparison();
        h.append("<td>").append(fmt(s.accuracy())).append("</td><td>").append(fmt(c.sqnrDb())).append("</td><td>")
                .append(fmt(c.relativeError())).append("</td><td>").append(fmt(c.meanCosine())).append("</td><td>")
                .append(fmt(c.minCosine())).append("</td><td>").append(fmt(c.top1Agreement())).append("</td>");
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "&ndash;";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "&infin;" : "-&infin;";
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.4g", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
