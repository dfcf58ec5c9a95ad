package io.tare.server.backend.tare;

import io.tare.server.backend.Backend;
import io.tare.server.backend.BackendCompatibilityKit;

class TareBackendCompatibilityTest extends BackendCompatibilityKit {
    @Override
    protected Backend backend() {
        return new TareBackend();
    }
}
