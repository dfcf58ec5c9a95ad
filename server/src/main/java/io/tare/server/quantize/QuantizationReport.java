package io.tare.server.quantize;

import io.tare.kernels.calibration.ClipRange;
import io.tare.kernels.calibration.ScaleZeroPoint;
import java.util.List;
import java.util.Map;

/**
 * What a {@code tare quantize} run did and what was lost where: the content of the JSON and HTML
 * reports.
 *
 * @param model            input model path
 * @param output           QDQ model path
 * @param settings         the options that shaped the result, as written on the command line
 * @param calibrationSamples samples calibration ran
 * @param calibrationSeconds wall time of the calibration pass(es)
 * @param transforms       FP32 rewrites applied before calibration (equalization, smoothing, bias correction), in words
 * @param activations      every quantized activation
 * @param layers           every quantizable layer
 * @param evaluation       the final model measured against FP32
 * @param mixedPrecision   the search, or null when no budget was given
 * @param methods          accuracy per range method and weight granularity, or empty when not compared
 * @param trtCacheEntries  tensors written to the TensorRT cache (0 when none was written)
 * @param nonUniform       the k-means codebook export against uniform grids, or null when not asked for
 * @param smoothing        per smoothed activation, what smoothing changed (largest SQNR gain first); empty without smoothing
 */
public record QuantizationReport(String model, String output, Map<String, String> settings, long calibrationSamples,
                                 double calibrationSeconds, List<String> transforms, List<Activation> activations,
                                 List<Layer> layers, FinalEvaluation evaluation, MixedPrecisionSearch.Result mixedPrecision,
                                 List<MethodScore> methods, int trtCacheEntries, NonUniform nonUniform,
                                 List<Smoothing> smoothing) {

    /**
     * One quantized activation.
     *
     * @param candidates per range method: the range it would choose and the SQNR of the
     *                   activation quantized with it (from the histogram)
     * @param histogram  a coarse view of the calibration histogram for plots
     * @param quantized  whether the export quantizes it (false when every layer reading it stays FP32
     *                   or is weight-only)
     */
    public record Activation(String name, float min, float max, long count, ClipRange range, ScaleZeroPoint params,
                             double clipRate, double sqnrDb, Map<String, Candidate> candidates, CoarseHistogram histogram,
                             boolean quantized) {
    }

    /** A range method's choice for one activation. */
    public record Candidate(ClipRange range, double sqnrDb) {
    }

    /**
     * One layer: how it was exported and, when measured, how much quantizing it alone costs.
     *
     * @param precision   "int8", "int4-weight-only" or "fp32"
     * @param weightSqnrDb SQNR of its quantized weight (NaN when FP32)
     * @param sensitivity the model output with this layer alone quantized, or null when not measured
     */
    public record Layer(String name, String opType, long[] weightDims, String activation, String precision,
                        double weightSqnrDb, ModelScore sensitivity) {
    }

    /**
     * @param data          the evaluation data (its path), or the calibration data when none was given
     * @param samples       samples evaluated
     * @param fp32Accuracy  NaN without labels
     * @param score         the exported model through ONNX Runtime
     * @param engine        the same file in Tare's engine, or null when not checked
     * @param engineStatic  the FP32 model in Tare's engine with these uint8 scales (all layers INT8,
     *                      per-channel 8-bit weights) as the server runs a static table: the engine's
     *                      STATIC mode, or with the residual joins quantized the promoted QDQ graph
     *                      ({@link QdqPromotion}); null when not checked or not applicable
     */
    public record FinalEvaluation(String data, long samples, double fp32Accuracy, ModelScore score, EngineCheck engine,
                                  EngineCheck engineStatic) {
    }

    /**
     * Non-uniform (k-means) weights measured against uniform symmetric grids of as many levels.
     *
     * @param levels      codebook size (16 or 256)
     * @param layers      per layer weight SQNR: codebook, uniform per tensor, uniform per channel
     * @param kmeans      the exported codebook model
     * @param uniformPerTensor  the same weights on a uniform per-tensor grid (FP32 activations)
     * @param uniformPerChannel the same weights on a uniform per-channel grid (FP32 activations)
     */
    public record NonUniform(int levels, List<NonUniformWeights.LayerComparison> layers, ModelScore kmeans,
                             ModelScore uniformPerTensor, ModelScore uniformPerChannel) {
    }

    /** Accuracy and output fidelity of one method / weight granularity (engine: null when not checked). */
    public record MethodScore(String method, boolean perChannel, ModelScore score, EngineCheck engine) {
    }

    /**
     * What SmoothQuant smoothing did to one activation, measured on the calibration histograms with
     * the run's range method and activation type: where it mattered is where the SQNR rose.
     *
     * @param activation   the activation before smoothing
     * @param layers       the layers reading it (their weights absorbed the scales)
     * @param folded       whether the scales were folded into the producing op (else an inserted Mul)
     * @param alpha        the migration strength used for it
     * @param spreadBefore largest over median per-channel |max| before smoothing
     * @param spreadAfter  the same after
     * @param sqnrBeforeDb SQNR of the activation quantized per tensor, before smoothing
     * @param sqnrAfterDb  the same, after
     */
    public record Smoothing(String activation, List<String> layers, boolean folded, double alpha, double spreadBefore,
                            double spreadAfter, double sqnrBeforeDb, double sqnrAfterDb) {

        public double gainDb() {
            return sqnrAfterDb - sqnrBeforeDb;
        }
    }
}
