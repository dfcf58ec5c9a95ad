package io.tare.server.backend;

import io.tare.server.backend.onnxruntime.OnnxRuntimeBackend;

class OnnxRuntimeBackendCompatibilityTest extends BackendCompatibilityKit {
    @Override
    protected Backend backend() {
        return new OnnxRuntimeBackend();
    }
}
