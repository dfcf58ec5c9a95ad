package io.tare.server.quantize;

import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.ClipRate;
import io.tare.kernels.calibration.ClipRange;
import io.tare.kernels.calibration.QuantizationError;
import io.tare.kernels.calibration.RangeMethod;
import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.kernels.calibration.TensorHistogram;
import io.tare.proto.onnx.ModelProto;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The offline post-training quantization pipeline behind {@code tare quantize}:
 * <ol>
 *   <li>read the FP32 model, find its quantizable layers (none is an error);</li>
 *   <li>optional FP32 rewrites that need no data: cross-layer equalization;</li>
 *   <li>calibrate: stream the calibration samples through ONNX Runtime, histogram every activation;</li>
 *   <li>optional rewrites that need statistics: SmoothQuant smoothing (then calibrate again);</li>
 *   <li>choose activation ranges with the range method, for the layers' inputs and the values of the
 *       residual joins ({@link ResidualJoins}, unless kept float); quantize weights (bias correction optional);</li>
 *   <li>measure layer sensitivity and, with a budget, keep the fewest sensitive layers in FP32;</li>
 *   <li>export QDQ, load it in ONNX Runtime and measure it against FP32;</li>
 *   <li>only then write the model, the TensorRT cache and the reports, each through a temporary file.</li>
 * </ol>
 * Any bad input fails before step 8, so a failed run writes nothing.
 */
public final class Quantizer {

    private static final List<String> COMPARED_METHODS = List.of("minmax", "percentile-99.99", "percentile-99.999",
            "entropy", "mse");

    private Quantizer() {
    }

    /** Runs the pipeline and writes its outputs. @throws QuantizeException on bad input (nothing is written) */
    public static QuantizationReport run(QuantizeOptions o, ProgressBar progress) {
        o.validate();
        ModelProto model = ModelProtoFile.read(o.model);
        ModelInputs inputs = ModelInputs.of(model.getGraph());
        if (o.meanPool != null && inputs.get(o.meanPool) == null) {
            throw new QuantizeException("--mean-pool names '" + o.meanPool + "', which is not a model input " + inputs.names());
        }
        List<String> transforms = new ArrayList<>();
        if (OpsetUpgrade.needed(model)) {
            model = OpsetUpgrade.apply(model, transforms);
        }
        List<QuantizableLayer> layers = LayerFinder.find(model.getGraph());
        if (layers.isEmpty()) {
            throw new QuantizeException(o.model + " has no quantizable layer (a Conv, Gemm or MatMul whose weight is a float initializer)");
        }
        if (o.equalize) {
            model = CrossLayerEqualization.apply(model, layers, transforms);
            layers = LayerFinder.find(model.getGraph());
        }
        int[] labels = null;
        SampleSet evalFile = null;
        try (SampleSet calib = SampleSet.open(o.calibration, o.shape, inputs)) {
            if (o.data != null) {
                evalFile = SampleSet.open(o.data, o.shape, inputs);
                if (o.labels != null) {
                    long n = evalFile.sampleCount();
                    labels = LabelFile.read(o.labels, n);
                }
            }
            if (o.kmeansLevels > 0) {
                return nonUniform(o, model, layers, evalFile != null ? evalFile : calib, labels, transforms);
            }
            Calibration cal = ActivationRecorder.record(model, layers, calib, o.batch, o.calibrationSamples, o.threads,
                    progress.phase("calibrate"));
            double calSeconds = cal.seconds();
            RangeMethod method = RangeMethods.byName(o.method, o.percentile);
            List<QuantizationReport.Smoothing> smoothing = List.of();
            if (o.smoothing()) {
                ActivationSmoothing.Result smoothed = ActivationSmoothing.apply(model, layers, cal, o.smoothingStrength(), transforms);
                model = smoothed.model();
                layers = LayerFinder.find(model.getGraph());
                Calibration before = cal;
                cal = ActivationRecorder.record(model, layers, calib, o.batch, o.calibrationSamples, o.threads,
                        progress.phase("calibrate (smoothed)"));
                calSeconds += cal.seconds();
                smoothing = smoothingEntries(smoothed.smoothed(), before, cal, method, o.encoding);
            }
            List<ResidualJoins.Join> joins = o.residualJoins ? ResidualJoins.find(model, layers) : List.of();
            List<String> activationNames = rangedValues(layers, joins);
            Map<String, ActivationRanges.Choice> choices = ActivationRanges.choose(cal, activationNames, method, o.encoding);
            Map<String, double[]> means = new LinkedHashMap<>();
            if (o.biasCorrection) {
                cal.channels().forEach((k, v) -> means.put(k, v.mean()));
                transforms.add("bias correction: each INT8 layer's bias minus (W_q - W) E[x], E[x] per input channel over "
                        + cal.samples() + " calibration samples");
            }
            PlanBuilder plans = new PlanBuilder(layers, ActivationRanges.params(choices), o.encoding, o.perChannel,
                    o.weightBits(), o.int4Group, means, joins);

            SampleSet scoringFile = evalFile != null ? evalFile : calib;
            long scoringSamples = evalFile != null ? o.evaluationSamples : o.sensitivitySamples;
            Evaluation eval = new Evaluation(model, scoringFile, scoringSamples, labels, o.meanPool, o.batch, o.threads);
            List<LayerSensitivity.Entry> sensitivity = List.of();
            if (o.sensitivity || o.reportDir != null || o.wantsSearch()) {
                Evaluation sens = eval.subset(model, o.sensitivitySamples);
                sensitivity = LayerSensitivity.measure(model, plans, sens, progress.phase("sensitivity"));
            }
            MixedPrecisionSearch.Result search = null;
            Set<String> keep = new LinkedHashSet<>();
            if (o.wantsSearch()) {
                search = MixedPrecisionSearch.run(model, plans, eval, sensitivity, o.accuracyBudget, o.sqnrTarget,
                        progress.phase("mixed precision"));
                if (!search.met()) {
                    throw new QuantizeException("no mixed-precision configuration with at least one INT8 layer meets the budget"
                            + " (best tried: " + search.steps().getLast().score() + "); nothing written");
                }
                keep.addAll(search.fp32Layers());
            }
            ExportPlan finalPlan = plans.plan(keep);
            QdqExporter.Result export = QdqExporter.export(model, finalPlan);
            OrtEvaluator.Outputs finalOrt = eval.ortOutputs(export.model(), "the QDQ export");
            ModelScore finalScore = eval.score(finalOrt);
            EngineCheck engine = o.engineCheck ? eval.engineScore(export.model(), finalOrt) : null;
            // static mode quantizes every layer, weights per channel in 8 bits, activations uint8: it
            // mirrors exactly those exports, and only those are compared with it. The engine's STATIC
            // mode keeps float tensors between layers (the layer-only layout); with the joins quantized,
            // what the server serves for a float model given a scale table is its promotion to this
            // layout (QdqPromotion), so that is what is checked
            boolean mirrored = o.encoding == ActivationEncoding.UINT8_ASYMMETRIC && keep.isEmpty() && o.int4Group == 0
                    && o.perChannel && o.weightBits() == 8;
            EngineCheck engineStatic = !o.engineCheck || !mirrored ? null
                    : finalPlan.quantizeStream()
                    ? eval.engineScore(QdqPromotion.promote(model, ActivationRanges.params(choices)), finalOrt)
                    : eval.engineStaticScore(model, ActivationRanges.params(choices), finalOrt);

            List<QuantizationReport.MethodScore> methodScores = new ArrayList<>();
            if (o.compareMethods) {
                methodScores = compareMethods(model, layers, joins, cal, o, eval, keep, means, progress.phase("compare methods"));
            }
            Map<String, Float> trtScales = trtScales(cal, method);
            byte[] trtBytes = o.trtCache == null ? null
                    : TensorRtCalibrationCache.format(TensorRtCalibrationCache.DEFAULT_HEADER, trtScales).getBytes(StandardCharsets.UTF_8);
            QuantizationReport report = new QuantizationReport(o.model.toString(), o.output.toString(), settings(o, joins, finalPlan),
                    cal.samples(), calSeconds, transforms, activationEntries(cal, choices, o.encoding, finalPlan),
                    layerEntries(layers, export, keep, sensitivity),
                    new QuantizationReport.FinalEvaluation(eval.dataName(), eval.samples(), eval.fp32Accuracy(), finalScore, engine,
                            engineStatic),
                    search, methodScores, trtBytes == null ? 0 : trtScales.size(), null, smoothing);
            byte[] json = ReportJson.write(report).getBytes(StandardCharsets.UTF_8);
            byte[] html = o.reportDir == null ? null : ReportHtml.write(report).getBytes(StandardCharsets.UTF_8);

            ModelProtoFile.writeAtomically(o.output, export.model().toByteArray());
            if (trtBytes != null) {
                ModelProtoFile.writeAtomically(o.trtCache, trtBytes);
            }
            if (o.reportDir != null) {
                ModelProtoFile.writeAtomically(o.reportDir.resolve("report.json"), json);
                ModelProtoFile.writeAtomically(o.reportDir.resolve("report.html"), html);
            }
            return report;
        } finally {
            if (evalFile != null) {
                evalFile.close();
            }
        }
    }

    /** The k-means weight-only export, measured beside uniform grids of as many levels; writes model and reports. */
    private static QuantizationReport nonUniform(QuantizeOptions o, ModelProto model, List<QuantizableLayer> layers,
                                                 SampleSet scoringFile, int[] labels, List<String> transforms) {
        long samples = o.data != null ? o.evaluationSamples : o.sensitivitySamples;
        Evaluation eval = new Evaluation(model, scoringFile, samples, labels, o.meanPool, o.batch, o.threads);
        NonUniformWeights.Result nu = NonUniformWeights.build(model, layers, o.kmeansLevels);
        ModelScore kmeans = eval.score(nu.kmeans(), "the k-means export");
        QuantizationReport.NonUniform summary = new QuantizationReport.NonUniform(o.kmeansLevels, nu.layers(), kmeans,
                eval.score(nu.uniformPerTensor(), "the uniform per-tensor twin"),
                eval.score(nu.uniformPerChannel(), "the uniform per-channel twin"));
        List<QuantizationReport.Layer> layerEntries = new ArrayList<>();
        Map<String, Double> sqnr = new LinkedHashMap<>();
        nu.layers().forEach(c -> sqnr.put(c.layer(), c.kmeansSqnrDb()));
        for (QuantizableLayer l : layers) {
            layerEntries.add(new QuantizationReport.Layer(l.name(), l.opType(), l.weightDims(), l.activation(),
                    "kmeans-" + o.kmeansLevels, sqnr.getOrDefault(l.name(), Double.NaN), null));
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("weights", "k-means codebook, " + o.kmeansLevels + " levels per tensor, weight-only (activations FP32)");
        QuantizationReport report = new QuantizationReport(o.model.toString(), o.output.toString(), settings, 0, 0, transforms,
                List.of(), layerEntries, new QuantizationReport.FinalEvaluation(eval.dataName(), eval.samples(), eval.fp32Accuracy(),
                        kmeans, null, null), null, List.of(), 0, summary, List.of());
        byte[] json = ReportJson.write(report).getBytes(StandardCharsets.UTF_8);
        byte[] html = o.reportDir == null ? null : ReportHtml.write(report).getBytes(StandardCharsets.UTF_8);
        ModelProtoFile.writeAtomically(o.output, nu.kmeans().toByteArray());
        if (o.reportDir != null) {
            ModelProtoFile.writeAtomically(o.reportDir.resolve("report.json"), json);
            ModelProtoFile.writeAtomically(o.reportDir.resolve("report.html"), html);
        }
        return report;
    }

    /**
     * TensorRT's scale per calibrated tensor: the same method on the same histogram, in symmetric
     * int8 (TensorRT has no zero points), so with {@code --activation-type int8} these are exactly
     * the scales of the QDQ export.
     */
    static Map<String, Float> trtScales(Calibration cal, RangeMethod method) {
        Map<String, Float> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorHistogram> e : cal.histograms().entrySet()) {
            if (!e.getValue().isEmpty()) {
                out.put(e.getKey(), method.scaleZeroPoint(e.getValue(), ActivationEncoding.INT8_SYMMETRIC).scale());
            }
        }
        return out;
    }

    /** Each smoothed activation's per-tensor SQNR before and after, largest gain first. */
    private static List<QuantizationReport.Smoothing> smoothingEntries(List<ActivationSmoothing.Smoothed> smoothed,
            Calibration before, Calibration after, RangeMethod method, ActivationEncoding enc) {
        List<QuantizationReport.Smoothing> out = new ArrayList<>();
        for (ActivationSmoothing.Smoothed s : smoothed) {
            out.add(new QuantizationReport.Smoothing(s.activation(), s.layers(), s.folded(), s.alpha(), s.spreadBefore(),
                    s.spreadAfter(),
                    sqnr(before.histogram(s.activation()), method, enc), sqnr(after.histogram(s.quantizedAs()), method, enc)));
        }
        out.sort(java.util.Comparator.comparingDouble(QuantizationReport.Smoothing::gainDb).reversed());
        return out;
    }

    private static double sqnr(TensorHistogram h, RangeMethod method, ActivationEncoding enc) {
        return sqnr(CoarseHistogram.meanSquare(h), h, method.scaleZeroPoint(h, enc), enc);
    }

    private static List<QuantizationReport.MethodScore> compareMethods(ModelProto model, List<QuantizableLayer> layers,
            List<ResidualJoins.Join> joins, Calibration cal, QuantizeOptions o, Evaluation eval, Set<String> keep,
            Map<String, double[]> means, ProgressBar progress) {
        List<QuantizationReport.MethodScore> out = new ArrayList<>();
        List<String> acts = rangedValues(layers, joins);
        progress.start(COMPARED_METHODS.size() * 2L);
        for (String name : COMPARED_METHODS) {
            RangeMethod m = name.startsWith("percentile-")
                    ? RangeMethods.byName("percentile", Double.parseDouble(name.substring("percentile-".length())))
                    : RangeMethods.byName(name, o.percentile);
            Map<String, ScaleZeroPoint> params = ActivationRanges.params(ActivationRanges.choose(cal, acts, m, o.encoding));
            for (boolean pc : new boolean[] {false, true}) {
                PlanBuilder plans = new PlanBuilder(layers, params, o.encoding, pc, o.weightBits(), o.int4Group, means, joins);
                ModelProto qdq = QdqExporter.export(model, plans.plan(keep)).model();
                OrtEvaluator.Outputs ort = eval.ortOutputs(qdq, "the " + name + " export");
                out.add(new QuantizationReport.MethodScore(name, pc, eval.score(ort),
                        o.engineCheck ? eval.engineScore(qdq, ort) : null));
                progress.update(out.size());
            }
        }
        progress.finish();
        return out;
    }

    /** The values that get ranges: the layers' inputs, then the joins' other values (graph order, each once). */
    private static List<String> rangedValues(List<QuantizableLayer> layers, List<ResidualJoins.Join> joins) {
        Set<String> names = new LinkedHashSet<>();
        layers.forEach(l -> names.add(l.activation()));
        joins.forEach(j -> names.addAll(j.values()));
        return List.copyOf(names);
    }

    private static List<QuantizationReport.Activation> activationEntries(Calibration cal,
            Map<String, ActivationRanges.Choice> choices, ActivationEncoding enc, ExportPlan exported) {
        Set<String> quantized = new java.util.HashSet<>();
        exported.int8Layers().forEach(l -> quantized.add(l.activation()));
        if (exported.quantizeStream()) {
            quantized.addAll(exported.activations().keySet());
        }
        List<QuantizationReport.Activation> out = new ArrayList<>();
        for (Map.Entry<String, ActivationRanges.Choice> e : choices.entrySet()) {
            TensorHistogram h = cal.histogram(e.getKey());
            double power = CoarseHistogram.meanSquare(h);
            Map<String, QuantizationReport.Candidate> candidates = new LinkedHashMap<>();
            for (String name : COMPARED_METHODS) {
                RangeMethod m = name.startsWith("percentile-")
                        ? RangeMethods.byName("percentile", Double.parseDouble(name.substring("percentile-".length())))
                        : RangeMethods.byName(name, 0);
                ClipRange r = m.range(h, enc);
                candidates.put(name, new QuantizationReport.Candidate(r, sqnr(power, h, r.toScaleZeroPoint(enc), enc)));
            }
            ScaleZeroPoint p = e.getValue().params();
            out.add(new QuantizationReport.Activation(e.getKey(), h.min(), h.max(), h.count(), e.getValue().range(), p,
                    ClipRate.of(h, p, enc).rate(), sqnr(power, h, p, enc), candidates,
                    CoarseHistogram.of(h, CoarseHistogram.DEFAULT_BINS), quantized.contains(e.getKey())));
        }
        return out;
    }

    private static double sqnr(double power, TensorHistogram h, ScaleZeroPoint p, ActivationEncoding enc) {
        return Sqnr.decibels(power, QuantizationError.meanSquared(h, p, enc));
    }

    private static List<QuantizationReport.Layer> layerEntries(List<QuantizableLayer> layers, QdqExporter.Result export,
            Set<String> keep, List<LayerSensitivity.Entry> sensitivity) {
        Map<String, ModelScore> sens = new LinkedHashMap<>();
        for (LayerSensitivity.Entry e : sensitivity) {
            sens.put(e.layer().name(), e.score());
        }
        List<QuantizationReport.Layer> out = new ArrayList<>();
        for (QuantizableLayer l : layers) {
            QuantizedWeight w = export.weights().get(l.name());
            String precision = keep.contains(l.name()) ? "fp32" : w != null && w.bits() == 4 ? "int4-weight-only" : "int8";
            out.add(new QuantizationReport.Layer(l.name(), l.opType(), l.weightDims(), l.activation(), precision,
                    w == null ? Double.NaN : w.sqnrDb(), sens.get(l.name())));
        }
        return out;
    }

    private static String residualJoins(QuantizeOptions o, List<ResidualJoins.Join> joins, ExportPlan exported) {
        if (!o.residualJoins) {
            return "float (--residual-joins float: Q/DQ only in front of each layer)";
        }
        if (joins.isEmpty()) {
            return "none in the model (Q/DQ in front of each layer)";
        }
        long quantized = joins.stream().filter(j -> exported.activations().keySet().containsAll(j.values())).count();
        return "quantized: " + quantized + " of " + joins.size() + " joins 8-bit, every reader of a quantized value reads it"
                + " dequantized (PyTorch's layout)";
    }

    private static Map<String, String> settings(QuantizeOptions o, List<ResidualJoins.Join> joins, ExportPlan exported) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("method", o.method.equals("percentile") ? "percentile-" + o.percentile : o.method);
        s.put("weights", (o.perChannel ? "per-channel" : "per-tensor") + " symmetric int" + o.weightBits());
        s.put("activations", o.encoding == ActivationEncoding.INT8_SYMMETRIC ? "int8 symmetric, per tensor" : "uint8 asymmetric, per tensor");
        if (o.int4Group > 0) {
            s.put("gemm/matmul weights", "int4 weight-only, blocks of " + o.int4Group);
        }
        if (o.smoothing()) {
            s.put("smoothing alpha", o.smoothAuto ? "auto" : Double.toString(o.smoothAlpha));
        }
        s.put("residual joins", residualJoins(o, joins, exported));
        s.put("bias correction", Boolean.toString(o.biasCorrection));
        s.put("equalization", Boolean.toString(o.equalize));
        if (!Double.isNaN(o.accuracyBudget)) {
            s.put("accuracy budget", Double.toString(o.accuracyBudget));
        }
        if (!Double.isNaN(o.sqnrTarget)) {
            s.put("sqnr target dB", Double.toString(o.sqnrTarget));
        }
        return s;
    }
}
