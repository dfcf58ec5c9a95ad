package io.tare.server.quantize;

import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.PercentileRange;
import java.nio.file.Path;

/**
 * Everything {@code tare quantize} was asked to do. Build with the fluent setters, then
 * {@link #validate()} (the {@link Quantizer} does) before any work starts. Not thread-safe.
 */
public final class QuantizeOptions {

    public static final String DEFAULT_METHOD = "entropy";
    public static final int DEFAULT_BATCH = ActivationRecorder.DEFAULT_BATCH;
    /** Samples of the evaluation set used for layer sensitivity (per layer one run over them). */
    public static final long DEFAULT_SENSITIVITY_SAMPLES = 512;

    Path model;
    Path calibration;
    int[] shape;
    String method = DEFAULT_METHOD;
    double percentile = PercentileRange.DEFAULT_PERCENTILE;
    boolean perChannel;
    ActivationEncoding encoding = ActivationEncoding.UINT8_ASYMMETRIC;
    boolean reduceRange;
    double smoothAlpha = Double.NaN;
    boolean smoothAuto;
    boolean biasCorrection;
    boolean equalize;
    double accuracyBudget = Double.NaN;
    double sqnrTarget = Double.NaN;
    Path data;
    Path labels;
    int int4Group;
    Path output;
    Path trtCache;
    Path reportDir;
    int batch = DEFAULT_BATCH;
    long calibrationSamples = Long.MAX_VALUE;
    long evaluationSamples = Long.MAX_VALUE;
    long sensitivitySamples = DEFAULT_SENSITIVITY_SAMPLES;
    boolean sensitivity;
    boolean compareMethods;
    int threads = 1;
    boolean engineCheck;
    int kmeansLevels;
    String meanPool;
    boolean residualJoins = true;

    public QuantizeOptions model(Path p) { model = p; return this; }
    public QuantizeOptions calibration(Path p) { calibration = p; return this; }
    public QuantizeOptions shape(int[] s) { shape = s; return this; }
    public QuantizeOptions method(String m) { method = m; return this; }
    public QuantizeOptions percentile(double p) { percentile = p; return this; }
    public QuantizeOptions perChannel(boolean b) { perChannel = b; return this; }
    public QuantizeOptions activationEncoding(ActivationEncoding e) { encoding = e; return this; }
    public QuantizeOptions reduceRange(boolean b) { reduceRange = b; return this; }
    /** SmoothQuant migration strength in [0, 1]; NaN for off. */
    public QuantizeOptions smooth(double alpha) { smoothAlpha = alpha; smoothAuto = false; return this; }
    /** SmoothQuant with the migration strength (or none) chosen per activation by estimated output noise. */
    public QuantizeOptions smoothAuto() { smoothAlpha = ActivationSmoothing.AUTO_ALPHAS[0]; smoothAuto = true; return this; }
    public QuantizeOptions biasCorrection(boolean b) { biasCorrection = b; return this; }
    public QuantizeOptions equalize(boolean b) { equalize = b; return this; }
    /** Largest accepted top-1 accuracy loss against FP32 (needs data and labels); NaN for none. */
    public QuantizeOptions accuracyBudget(double b) { accuracyBudget = b; return this; }
    /** Smallest accepted output SQNR against FP32, in dB; NaN for none. */
    public QuantizeOptions sqnrTarget(double db) { sqnrTarget = db; return this; }
    public QuantizeOptions data(Path p) { data = p; return this; }
    public QuantizeOptions labels(Path p) { labels = p; return this; }
    /** Weight-only INT4 block length for Gemm/MatMul; 0 for off. */
    public QuantizeOptions int4Group(int g) { int4Group = g; return this; }
    public QuantizeOptions output(Path p) { output = p; return this; }
    public QuantizeOptions trtCache(Path p) { trtCache = p; return this; }
    public QuantizeOptions reportDir(Path p) { reportDir = p; return this; }
    public QuantizeOptions batch(int b) { batch = b; return this; }
    public QuantizeOptions calibrationSamples(long n) { calibrationSamples = n; return this; }
    public QuantizeOptions evaluationSamples(long n) { evaluationSamples = n; return this; }
    public QuantizeOptions sensitivitySamples(long n) { sensitivitySamples = n; return this; }
    /** Measure each layer's sensitivity (implied by a report or a budget). */
    public QuantizeOptions sensitivity(boolean b) { sensitivity = b; return this; }
    /** Evaluate every range method on the evaluation data for the report. */
    public QuantizeOptions compareMethods(boolean b) { compareMethods = b; return this; }
    public QuantizeOptions threads(int t) { threads = t; return this; }
    /** Weight-only k-means codebook with 16 or 256 levels instead of INT8 (0: off). */
    public QuantizeOptions kmeans(int levels) { kmeansLevels = levels; return this; }
    /**
     * Compare outputs after mean-pooling them over axis 1 where this mask input is non-zero (the
     * sentence embeddings of a transformer encoder); null compares the raw first output.
     */
    public QuantizeOptions meanPool(String maskInput) { meanPool = maskInput; return this; }
    /**
     * Quantize the residual joins of a convolutional network too ({@link ResidualJoins}) and write
     * PyTorch's layout, where every reader of a quantized value reads it dequantized (default); false
     * keeps Q/DQ in front of each layer only, the joins and skip connections float. Models without
     * joins export the same either way.
     */
    public QuantizeOptions residualJoins(boolean quantize) { residualJoins = quantize; return this; }
    /** Also run the export (and each compared method's) in Tare's engine and report it beside ONNX Runtime. */
    public QuantizeOptions engineCheck(boolean b) { engineCheck = b; return this; }

    /** @throws QuantizeException naming the first inconsistent option */
    public void validate() {
        if (model == null || calibration == null || output == null) {
            throw new QuantizeException("--model, --calibration and --output are required");
        }
        RangeMethods.byName(method, percentile);
        if (!Double.isNaN(smoothAlpha) && !(smoothAlpha >= 0 && smoothAlpha <= 1)) {
            throw new QuantizeException("--smooth ALPHA must be in [0, 1]: " + smoothAlpha);
        }
        if (!Double.isNaN(accuracyBudget) && (accuracyBudget < 0 || data == null || labels == null)) {
            throw new QuantizeException("--accuracy-budget needs a non-negative budget, --data and --labels");
        }
        if (labels != null && data == null) {
            throw new QuantizeException("--labels needs --data");
        }
        if (int4Group != 0 && (int4Group < 16 || Integer.bitCount(int4Group) != 1)) {
            throw new QuantizeException("--weights-int4 GROUP must be a power of two >= 16 (32 and 128 are usual): " + int4Group);
        }
        if (batch < 1 || threads < 1) {
            throw new QuantizeException("--batch and --threads must be positive");
        }
        if (kmeansLevels != 0 && (kmeansLevels != 16 && kmeansLevels != 256 || int4Group != 0 || wantsSearch()
                || trtCache != null || !Double.isNaN(smoothAlpha) || biasCorrection || compareMethods)) {
            throw new QuantizeException("--weights-kmeans takes 16 or 256 and is a weight-only export of its own: it does not"
                    + " combine with --weights-int4, budgets, --trt-cache, --smooth, --bias-correction or --compare-methods");
        }
        if (output.toAbsolutePath().equals(model.toAbsolutePath())) {
            throw new QuantizeException("--output must differ from --model");
        }
    }

    boolean wantsSearch() {
        return !Double.isNaN(accuracyBudget) || !Double.isNaN(sqnrTarget);
    }

    int weightBits() {
        return reduceRange ? 7 : 8;
    }

    boolean smoothing() {
        return smoothAuto || !Double.isNaN(smoothAlpha);
    }

    ActivationSmoothing.Strength smoothingStrength() {
        return smoothAuto ? new ActivationSmoothing.Strength(ActivationSmoothing.AUTO_ALPHAS, true, perChannel, weightBits())
                : ActivationSmoothing.Strength.fixed(smoothAlpha);
    }
}
