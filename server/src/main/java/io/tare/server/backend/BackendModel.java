package io.tare.server.backend;

import io.tare.server.core.ModelSignature;

/**
 * One loaded model version. It owns the weights; {@link ModelInstance}s share them. Closed exactly
 * once, by the repository, after every instance is closed.
 */
public interface BackendModel extends AutoCloseable {
    ModelSignature signature();

    /** Platform string reported in model metadata, e.g. {@code onnxruntime_onnx}. */
    String platform();

    /**
     * Creates the {@code index}-th execution instance. Each instance is driven by one scheduler
     * thread and is never run concurrently with itself.
     */
    ModelInstance createInstance(int index);

    @Override
    void close();
}
