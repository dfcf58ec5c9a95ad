package io.tare.server.engine;

/** How a model's MatMul/Gemm/Conv layers run. */
public enum ExecutionMode {
    /**
     * As the file says: float layers in FP32; layers that the file itself quantizes (QDQ pairs,
     * QOperator nodes, torch INT8 exports) in INT8.
     */
    FP32,
    /** Float weights quantized per channel to INT8 at load; activations quantized per request. */
    DYNAMIC,
    /** Like DYNAMIC, but activation scales come from the model's {@link ScaleTable}. */
    STATIC
}
