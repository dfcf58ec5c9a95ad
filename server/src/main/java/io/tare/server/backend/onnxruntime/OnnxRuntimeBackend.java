package io.tare.server.backend.onnxruntime;

import io.tare.server.backend.Backend;
import io.tare.server.backend.BackendModel;
import io.tare.server.backend.ModelSource;

/** Runs ONNX models (FP32, QDQ and QOperator INT8) on ONNX Runtime. */
public final class OnnxRuntimeBackend implements Backend {
    public static final String NAME = "onnxruntime";

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
        return OrtModel.load(source);
    }
}
