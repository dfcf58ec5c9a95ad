package io.tare.server.engine.ops;

/**
 * Which rows of a run-time FP32 product the kernels' SGEMM may take while keeping ONNX Runtime's
 * rounding. ONNX Runtime's SGEMM accumulates every output element in k order with one fused
 * multiply-add per step, and so do the kernels' 6-row and 4-row tiles; their 1-row tile splits k
 * over four accumulators (so that batch 1 is not bound by FMA latency), which rounds differently.
 * In attention (QK^T, then the probabilities times V) those rows feed dynamically quantized
 * layers, so the engine runs them itself with {@link FloatMatrix#multiply}, which accumulates in
 * k order with fused multiply-adds. The MiniLM test against ONNX Runtime guards the assumption.
 */
final class SgemmRows {
    private SgemmRows() {
    }

    /**
     * The trailing rows of an {@code m}-row product that the kernels would give to their 1-row tile:
     * none when {@code m % 6 == 2} and {@code m >= 8}, which they cut as 6s and two 4s; else
     * {@code m % 6 % 4}.
     */
    static int untiled(int m) {
        return m % 6 == 2 && m >= 8 ? 0 : m % 6 % 4;
    }
}
