package io.tare.server.cli;

import io.tare.kernels.KernelProvider;
import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.server.quantize.ProgressBar;
import io.tare.server.quantize.QuantizationReport;
import io.tare.server.quantize.QuantizeException;
import io.tare.server.quantize.QuantizeOptions;
import io.tare.server.quantize.Quantizer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/** {@code tare quantize}: FP32 ONNX + calibration data in; QDQ ONNX, TensorRT cache and reports out. */
final class QuantizeCommand {

    static final String USAGE = """
            tare quantize --model in.onnx --calibration X --output out.onnx [flags]
              --calibration FILE|DIR   samples: for a model with one input a .npy [N, ...] or a raw little-endian
                                       file (.f32/.i64/.i32, needs --shape unless the input's sample shape is
                                       fixed); for several inputs a directory with one such file per input,
                                       named after it: input_ids.npy, attention_mask.npy, token_type_ids.npy
                                       (characters other than letters, digits, . _ - become _)
              --shape D1,D2,...        shape of one sample of each raw file, without the batch dimension (1,28,28)
              --method M               minmax | percentile | entropy | mse (default entropy)
              --percentile P           for --method percentile (default 99.999)
              --per-channel            weights per output channel (default per tensor)
              --activation-type T      uint8 (asymmetric, default) | int8 (symmetric)
              --weight-bits 8|7        weight bits (default 8); 7 (max|w| / 63): on CPUs without VNNI, Tare's engine
                                       then runs its faster exact VPMADDUBSW kernel and ONNX Runtime's AVX2 kernels
                                       cannot saturate (int16 pairs stay in range). No auto: a file is for any machine
              --reduce-range           ONNX Runtime's name for --weight-bits 7
              --residual-joins J       quantized (default) | float: a CNN's residual joins (an Add of two layer
                                       outputs or inputs) quantized too, every reader of a quantized value reading it
                                       dequantized (PyTorch's layout: Tare's engine keeps the stream 8-bit); float puts
                                       Q/DQ only in front of each layer. No effect without joins. ONNX Runtime on CPUs
                                       without VNNI saturates on 8-bit weights in this layout: add --weight-bits 7
              --smooth ALPHA|auto      SmoothQuant activation smoothing with migration strength ALPHA in [0,1], or
                                       auto: per activation the strength (or none) with the least estimated noise
              --bias-correction        subtract the expected output shift of quantized weights from each bias
              --equalize               cross-layer equalization of Conv/Gemm -> [Relu] -> Conv/Gemm chains
              --data FILE|DIR --labels FILE  evaluation data (same layout as --calibration) and labels (.u8 or .npy)
              --mean-pool INPUT        compare outputs mean-pooled over axis 1 where mask input INPUT is non-zero
                                       (sentence embeddings of a transformer encoder: --mean-pool attention_mask)
              --accuracy-budget B      keep the most sensitive layers FP32 until top-1 loss <= B (needs --data/--labels)
              --sqnr-target DB         keep the most sensitive layers FP32 until output SQNR >= DB
              --weights-int4 GROUP     Gemm/MatMul weights INT4 weight-only, blocks of GROUP (32, 128); opset 21
              --weights-kmeans L       non-uniform weight-only export instead: a k-means codebook of L = 16 or 256
                                       levels per weight, measured against uniform grids of as many levels
              --trt-cache FILE         also write a TensorRT IInt8EntropyCalibrator2 cache
              --report DIR             write DIR/report.json and DIR/report.html (with layer sensitivity)
              --compare-methods        evaluate every range method, per tensor and per channel, for the report
              --sensitivity            measure layer sensitivity even without a report
              --engine-check           also run the export in Tare's engine and compare it with ONNX Runtime
              --batch N  --threads N  --calibration-samples N  --eval-samples N  --sensitivity-samples N
              --quiet                  no progress bars
            """;

    private static final Set<String> VALUED = Set.of("model", "calibration", "shape", "method", "percentile",
            "activation-type", "smooth", "data", "labels", "accuracy-budget", "sqnr-target", "weights-int4", "output",
            "trt-cache", "report", "weights-kmeans", "mean-pool", "residual-joins", "weight-bits", "batch", "threads", "calibration-samples", "eval-samples", "sensitivity-samples");
    private static final Set<String> SWITCHES = Set.of("per-channel", "reduce-range", "bias-correction", "equalize",
            "compare-methods", "sensitivity", "quiet", "engine-check");

    private QuantizeCommand() {
    }

    static int run(String[] args) {
        Flags f = Flags.parse(args, 1, VALUED, SWITCHES);
        QuantizeOptions o = new QuantizeOptions()
                .model(path(f, "model"))
                .calibration(path(f, "calibration"))
                .output(path(f, "output"))
                .shape(f.has("shape") ? shape(f.get("shape", "")) : null)
                .method(f.get("method", QuantizeOptions.DEFAULT_METHOD))
                .percentile(number(f, "percentile", 99.999))
                .perChannel(f.isOn("per-channel"))
                .activationEncoding(encoding(f.get("activation-type", "uint8")))
                .reduceRange(sevenBitWeights(f))
                .smooth("auto".equals(f.get("smooth", null)) ? Double.NaN : number(f, "smooth", Double.NaN))
                .biasCorrection(f.isOn("bias-correction"))
                .equalize(f.isOn("equalize"))
                .data(path(f, "data"))
                .labels(path(f, "labels"))
                .meanPool(f.get("mean-pool", null))
                .residualJoins(residualJoins(f.get("residual-joins", "quantized")))
                .accuracyBudget(number(f, "accuracy-budget", Double.NaN))
                .sqnrTarget(number(f, "sqnr-target", Double.NaN))
                .int4Group(f.getInt("weights-int4", 0))
                .kmeans(f.getInt("weights-kmeans", 0))
                .trtCache(path(f, "trt-cache"))
                .reportDir(path(f, "report"))
                .compareMethods(f.isOn("compare-methods"))
                .sensitivity(f.isOn("sensitivity"))
                .engineCheck(f.isOn("engine-check"))
                .batch(f.getInt("batch", QuantizeOptions.DEFAULT_BATCH))
                .threads(f.getInt("threads", 1))
                .calibrationSamples((long) number(f, "calibration-samples", Long.MAX_VALUE))
                .evaluationSamples((long) number(f, "eval-samples", Long.MAX_VALUE))
                .sensitivitySamples((long) number(f, "sensitivity-samples", QuantizeOptions.DEFAULT_SENSITIVITY_SAMPLES));
        if ("auto".equals(f.get("smooth", null))) {
            o.smoothAuto();
        }
        ProgressBar progress = f.isOn("quiet") ? ProgressBar.SILENT : new ProgressBar(System.err, "");
        QuantizationReport r;
        try {
            r = Quantizer.run(o, progress);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new QuantizeException(e.getMessage(), e);
        }
        print(r);
        if (!sevenBitWeights(f) && KernelProvider.get().favoursSevenBitWeights()) {
            // the ORT scores above were taken on this CPU: they are ORT's, not the model's
            System.out.println("note: this CPU has no VNNI, so ONNX Runtime multiplies 8-bit weights with its saturating"
                    + " AVX2 kernel here and its scores above can fall below the model's (Tare's engine stays exact);"
                    + " --weight-bits 7 (--reduce-range) avoids the saturation, on such CPUs and everywhere else");
        }
        return 0;
    }

    private static void print(QuantizationReport r) {
        QuantizationReport.FinalEvaluation e = r.evaluation();
        java.util.Map<String, Long> byPrecision = new java.util.TreeMap<>();
        r.layers().forEach(l -> byPrecision.merge(l.precision(), 1L, Long::sum));
        System.out.printf(Locale.ROOT, "wrote %s (%d layers: %s)%n", r.output(), r.layers().size(),
                String.join(", ", byPrecision.entrySet().stream().map(x -> x.getValue() + " " + x.getKey()).toList()));
        if (r.calibrationSamples() > 0) {
            System.out.printf(Locale.ROOT, "calibration: %d samples in %.1f s%n", r.calibrationSamples(), r.calibrationSeconds());
        }
        r.transforms().forEach(t -> System.out.println(t));
        for (QuantizationReport.Smoothing sm : r.smoothing().subList(0, Math.min(6, r.smoothing().size()))) {
            System.out.printf(Locale.ROOT, "  smoothing %-48s alpha %.2f: SQNR %.1f -> %.1f dB, channel spread %.1f -> %.1f (%s)%n",
                    sm.activation(), sm.alpha(), sm.sqnrBeforeDb(), sm.sqnrAfterDb(), sm.spreadBefore(), sm.spreadAfter(),
                    String.join(", ", sm.layers()));
        }
        String accuracy = Double.isNaN(e.fp32Accuracy()) ? "accuracy n/a (no --labels)"
                : String.format(Locale.ROOT, "accuracy %.4f (FP32 %.4f)", e.score().accuracy(), e.fp32Accuracy());
        System.out.printf(Locale.ROOT, "ONNX Runtime on the export, %d samples of %s: %s, output SQNR %.1f dB,"
                        + " mean cosine %.5f, min cosine %.5f, top-1 agreement with FP32 %.4f%n", e.samples(), e.data(), accuracy,
                e.score().comparison().sqnrDb(), e.score().comparison().meanCosine(),
                e.score().comparison().minCosine(), e.score().comparison().top1Agreement());
        if (e.engine() != null) {
            System.out.printf(Locale.ROOT, "Tare engine on the export: accuracy %.4f, output SQNR %.1f dB, top-1 agreement with ONNX Runtime %.4f%n",
                    e.engine().score().accuracy(), e.engine().score().comparison().sqnrDb(), e.engine().agreementWithOrt());
        }
        if (e.engineStatic() != null) {
            System.out.printf(Locale.ROOT, "Tare engine STATIC mode (FP32 model + these scales): accuracy %.4f, output SQNR %.1f dB,"
                            + " top-1 agreement with ONNX Runtime on the export %.4f%n", e.engineStatic().score().accuracy(),
                    e.engineStatic().score().comparison().sqnrDb(), e.engineStatic().agreementWithOrt());
        }
        if (r.mixedPrecision() != null) {
            System.out.println("kept in FP32 to meet the budget: "
                    + (r.mixedPrecision().fp32Layers().isEmpty() ? "none" : String.join(", ", r.mixedPrecision().fp32Layers())));
        }
        if (r.nonUniform() != null) {
            QuantizationReport.NonUniform n = r.nonUniform();
            System.out.printf(Locale.ROOT, "k-means %d levels: accuracy %.4f, output SQNR %.1f dB | uniform per tensor %.4f, %.1f dB"
                            + " | uniform per channel %.4f, %.1f dB%n", n.levels(), n.kmeans().accuracy(), n.kmeans().comparison().sqnrDb(),
                    n.uniformPerTensor().accuracy(), n.uniformPerTensor().comparison().sqnrDb(), n.uniformPerChannel().accuracy(),
                    n.uniformPerChannel().comparison().sqnrDb());
            n.layers().forEach(c -> System.out.printf(Locale.ROOT, "  %-28s weight SQNR k-means %.1f dB, uniform per tensor %.1f dB,"
                    + " per channel %.1f dB%n", c.layer(), c.kmeansSqnrDb(), c.uniformPerTensorSqnrDb(), c.uniformPerChannelSqnrDb()));
        }
        for (QuantizationReport.MethodScore m : r.methods()) {
            System.out.printf(Locale.ROOT, "  %-18s %-11s accuracy %.4f  SQNR %.1f dB%s%n", m.method(),
                    m.perChannel() ? "per-channel" : "per-tensor", m.score().accuracy(), m.score().comparison().sqnrDb(),
                    m.engine() == null ? "" : String.format(Locale.ROOT, "  | Tare engine %.4f (agreement %.4f)",
                            m.engine().score().accuracy(), m.engine().agreementWithOrt()));
        }
        if (r.trtCacheEntries() > 0) {
            System.out.println("TensorRT cache: " + r.trtCacheEntries() + " tensors");
        }
    }

    private static Path path(Flags f, String name) {
        String v = f.get(name, null);
        return v == null ? null : Path.of(v);
    }

    private static double number(Flags f, String name, double fallback) {
        String v = f.get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new Flags.UsageException("--" + name + " must be a number, not '" + v + "'");
        }
    }

    private static int[] shape(String s) {
        String[] parts = s.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new Flags.UsageException("--shape must be comma-separated positive integers, not '" + s + "'");
            }
            if (out[i] <= 0) {
                throw new Flags.UsageException("--shape dimensions must be positive: '" + s + "'");
            }
        }
        return out;
    }

    /**
     * {@code --weight-bits 8|7}, or {@code --reduce-range} (ONNX Runtime's name for 7). Unlike the
     * engine's {@code weight_bits}, no {@code auto}: a file is written for whichever machine runs it.
     */
    private static boolean sevenBitWeights(Flags f) {
        boolean reduceRange = f.isOn("reduce-range");
        if (!f.has("weight-bits")) {
            return reduceRange;
        }
        int bits = Options.fixedWeightBits(f);
        if (reduceRange && bits != 7) {
            throw new Flags.UsageException("--reduce-range means --weight-bits 7, which contradicts --weight-bits "
                    + f.get("weight-bits", ""));
        }
        return bits == 7;
    }

    private static boolean residualJoins(String s) {
        return switch (s) {
            case "quantized" -> true;
            case "float" -> false;
            default -> throw new Flags.UsageException("--residual-joins must be quantized or float, not '" + s + "'");
        };
    }

    private static ActivationEncoding encoding(String s) {
        return switch (s) {
            case "uint8" -> ActivationEncoding.UINT8_ASYMMETRIC;
            case "int8" -> ActivationEncoding.INT8_SYMMETRIC;
            default -> throw new Flags.UsageException("--activation-type must be uint8 or int8, not '" + s + "'");
        };
    }
}
