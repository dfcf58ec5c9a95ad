package io.tare.kernels;

import java.util.Optional;

/**
 * Checks, without linking the Vector API classes unless the module is present, whether the simd
 * tier can run: {@code jdk.incubator.vector} must be in the boot layer (--add-modules) and give
 * vectors of at least 256 bits.
 */
final class SimdProbe {
    private SimdProbe() {
    }

    static Optional<String> unavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return Optional.of("module jdk.incubator.vector not loaded (run with --add-modules jdk.incubator.vector)");
        }
        try {
            if (!io.tare.kernels.simd.SimdKernels.isUseful()) {
                return Optional.of("preferred vector size below 256 bits");
            }
        } catch (LinkageError e) {
            return Optional.of("Vector API failed to link: " + e);
        }
        return Optional.empty();
    }

    static Kernels create() {
        return new io.tare.kernels.simd.SimdKernels();
    }
}
