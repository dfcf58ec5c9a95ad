package io.tare.server.backend.tare;

import io.tare.server.backend.Backend;
import io.tare.server.backend.BackendModel;
import io.tare.server.backend.ModelSource;

/**
 * Runs ONNX models on Tare's own graph engine: FP32, dynamic INT8 and static INT8 (activation scales
 * from a pre-quantized file or from online calibration). Selected with {@code backend: "tare"} in
 * config.pbtxt; registered after onnxruntime, so a model that names no backend still gets ONNX
 * Runtime.
 */
public final class TareBackend implements Backend {
    public static final String NAME = "tare";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean accepts(ModelSource source) {
        return source.modelFile().getFileName().toString().endsWith(".onnx");
    }

    @Override
    public BackendModel load(ModelSource source) {
        return TareModel.load(source);
    }
}
