package io.tare.server.engine.quant;

import io.tare.server.engine.ops.OperatorRegistry;

/**
 * The engine's INT8 layers, {@code tare:Int8Gemm} (Gemm/MatMul) and {@code tare:Int8Conv} (2-D
 * Conv), produced by the lowering passes, never read from files.
 *
 * <p>Inputs: {@code x, x_scale, x_zero_point, w_q, w_scale, w_zero_point, bias[, y_scale,
 * y_zero_point]}. The 8-bit weight is packed once at load for the kernels' INT8 GEMM (per-channel
 * scales and zero points). The activation is either already quantized (8-bit {@code x} with its
 * scale and zero point: QDQ and torch INT8 models) or float, quantized here per request (see
 * {@link ActivationSource}). Products accumulate exactly in int32 (zero points corrected with row
 * and column sums); the epilogue writes {@code act(acc * sx * sw[c] + bias[c])} in float, or, when
 * the requantize-fusion pass gave the node {@code y_scale, y_zero_point}, that value quantized to
 * 8 bits for the next INT8 layer.
 */
public final class Int8LinearOps {
    public static final String DOMAIN = "tare";
    public static final String GEMM = "Int8Gemm";
    public static final String CONV = "Int8Conv";
    /** The fused residual join (see {@link Int8Add}). */
    public static final String ADD = "Int8Add";
    /** Attribute on dynamic nodes: 1 to quantize activations per row instead of per tensor. */
    public static final String ATTR_PER_ROW = "tare.per_row";
    /** Attribute on Int8Conv: 1 when input 0 is stored channels-last, [N, H, W, C]. */
    public static final String ATTR_NHWC_INPUT = "tare.nhwc_input";
    /** Attribute on Int8Conv: 1 to write the (8-bit) output channels-last, [N, H, W, C]. */
    public static final String ATTR_NHWC_OUTPUT = "tare.nhwc_output";
    /**
     * Attribute on Int8Gemm (see {@link io.tare.server.engine.passes.SharedActivationRows}): {@code s >= 0}
     * quantizes the input into shared buffer s, {@code -1 - s} takes it from there as already filled.
     */
    public static final String ATTR_SHARED_ROWS = "tare.shared_rows";
    /** Input index of the fused output scale (the zero point follows it). */
    public static final int OUTPUT_SCALE_INPUT = 7;

    private Int8LinearOps() {
    }

    public static void register(OperatorRegistry r) {
        r.register(DOMAIN, GEMM, 1, Int8Gemm::create);
        r.register(DOMAIN, CONV, 1, Int8Conv::create);
        r.register(DOMAIN, ADD, 1, Int8Add::create);
    }
}
