package io.tare.server.quantize;

import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.proto.onnx.ModelProto;
import java.util.Map;

/**
 * The yardstick every candidate model is measured with: a fixed evaluation set (the first
 * {@code samples} of a sample set, with labels when given) and the FP32 model's outputs on it
 * (mean-pooled over a mask input when one is named; see {@link OutputCollector}).
 * {@link #score} runs a candidate through ONNX Runtime and returns its accuracy and its distance
 * to FP32.
 */
final class Evaluation {

    private final String output;
    private final SampleSet data;
    private final long samples;
    private final int[] labels;
    private final String meanPool;
    private final int batch;
    private final int threads;
    private final OrtEvaluator.Outputs fp32;

    /** @param meanPool the mask input to pool the output with, or null */
    Evaluation(ModelProto fp32Model, SampleSet data, long samples, int[] labels, String meanPool, int batch, int threads) {
        this.output = fp32Model.getGraph().getOutput(0).getName();
        this.data = data;
        this.samples = Math.min(samples, data.sampleCount());
        this.labels = labels;
        this.meanPool = meanPool;
        this.batch = batch;
        this.threads = threads;
        this.fp32 = OrtEvaluator.run(fp32Model.toByteArray(), output, data, this.samples, labels, meanPool, batch, threads,
                "the FP32 model");
    }

    /** The same yardstick on the first {@code n} samples only (layer sensitivity runs once per layer). */
    Evaluation subset(ModelProto fp32Model, long n) {
        return new Evaluation(fp32Model, data, Math.min(n, samples), labels, meanPool, batch, threads);
    }

    double fp32Accuracy() {
        return fp32.accuracy();
    }

    long samples() {
        return samples;
    }

    boolean hasLabels() {
        return labels != null;
    }

    String dataName() {
        return data.path().toString();
    }

    /**
     * Runs {@code candidate} in Tare's engine on the same samples.
     *
     * @return the engine's score and the top-1 agreement between engine and ONNX Runtime outputs
     */
    EngineCheck engineScore(ModelProto candidate, OrtEvaluator.Outputs ort) {
        OrtEvaluator.Outputs e = EngineEvaluator.run(candidate, output, data, samples, labels, meanPool, batch);
        return new EngineCheck(new ModelScore(e.accuracy(), e.compareTo(fp32)), e.compareTo(ort).top1Agreement());
    }

    /** The FP32 model in Tare's engine STATIC mode with {@code uint8} activation scales, against FP32 and the export in ORT. */
    EngineCheck engineStaticScore(ModelProto fp32Model, Map<String, ScaleZeroPoint> uint8, OrtEvaluator.Outputs ort) {
        OrtEvaluator.Outputs e = EngineEvaluator.runStatic(fp32Model, uint8, output, data, samples, labels, meanPool, batch);
        return new EngineCheck(new ModelScore(e.accuracy(), e.compareTo(fp32)), e.compareTo(ort).top1Agreement());
    }

    /** The candidate's raw ONNX Runtime outputs, for {@link #engineScore}. */
    OrtEvaluator.Outputs ortOutputs(ModelProto candidate, String what) {
        return OrtEvaluator.run(candidate.toByteArray(), output, data, samples, labels, meanPool, batch, threads, what);
    }

    ModelScore score(OrtEvaluator.Outputs o) {
        return new ModelScore(o.accuracy(), o.compareTo(fp32));
    }

    ModelScore score(ModelProto candidate, String what) {
        return score(ortOutputs(candidate, what));
    }
}
