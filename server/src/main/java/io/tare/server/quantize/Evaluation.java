package io.tare.server.quantize;

import io.tare.proto.onnx.ModelProto;

/**
 * The yardstick every candidate model is measured with: a fixed evaluation set (the first
 * {@code samples} of a sample file, with labels when given) and the FP32 model's outputs on it.
 * {@link #score} runs a candidate through ONNX Runtime and returns its accuracy and its distance
 * to FP32.
 */
final class Evaluation {

    private final ModelInput input;
    private final String output;
    private final SampleFile data;
    private final long samples;
    private final int[] labels;
    private final int batch;
    private final int threads;
    private final OrtEvaluator.Outputs fp32;

    Evaluation(ModelProto fp32Model, ModelInput input, SampleFile data, long samples, int[] labels, int batch, int threads) {
        this.input = input;
        this.output = fp32Model.getGraph().getOutput(0).getName();
        this.data = data;
        this.samples = Math.min(samples, data.sampleCount());
        this.labels = labels;
        this.batch = batch;
        this.threads = threads;
        this.fp32 = OrtEvaluator.run(fp32Model.toByteArray(), input, output, data, this.samples, labels, batch, threads,
                "the FP32 model");
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
        OrtEvaluator.Outputs e = EngineEvaluator.run(candidate, input, output, data, samples, labels, batch);
        return new EngineCheck(new ModelScore(e.accuracy(), e.compareTo(fp32)), e.compareTo(ort).top1Agreement());
    }

    /** The FP32 model in Tare's engine STATIC mode with {@code uint8} activation scales, against FP32 and the export in ORT. */
    EngineCheck engineStaticScore(ModelProto fp32Model, java.util.Map<String, io.tare.kernels.calibration.ScaleZeroPoint> uint8,
                                  OrtEvaluator.Outputs ort) {
        OrtEvaluator.Outputs e = EngineEvaluator.runStatic(fp32Model, uint8, input, output, data, samples, labels, batch);
        return new EngineCheck(new ModelScore(e.accuracy(), e.compareTo(fp32)), e.compareTo(ort).top1Agreement());
    }

    /** The candidate's raw ONNX Runtime outputs, for {@link #engineScore}. */
    OrtEvaluator.Outputs ortOutputs(ModelProto candidate, String what) {
        return OrtEvaluator.run(candidate.toByteArray(), input, output, data, samples, labels, batch, threads, what);
    }

    ModelScore score(OrtEvaluator.Outputs o) {
        return new ModelScore(o.accuracy(), o.compareTo(fp32));
    }

    ModelScore score(ModelProto candidate, String what) {
        OrtEvaluator.Outputs o = OrtEvaluator.run(candidate.toByteArray(), input, output, data, samples, labels, batch,
                threads, what);
        return new ModelScore(o.accuracy(), o.compareTo(fp32));
    }
}
