package io.tare.kernels.gemm;

import io.tare.kernels.tensor.QuantParams;

/**
 * What a GEMM does to each result before storing it: optional per-column bias, an activation,
 * and (INT8 GEMM only) requantization to an 8-bit output with per-tensor parameters. The
 * per-channel dequantization of INT8 results is implied by the operands' own scales. Immutable.
 *
 * <p>Order: dequantize, add bias, activate, requantize ({@code saturate(rint(v / scale) + zp)}).
 * A requantizing epilogue with no bias and no activation uses ONNX QLinearMatMul's own formula,
 * {@code rint(acc * (float)(sa * sb / sy)) + zp} computed in double, so that QLinearMatMul is bit-exact.
 */
public final class Epilogue {
    public static final Epilogue NONE = new Epilogue(null, Activation.NONE, null);

    private final float[] bias;
    private final Activation activation;
    private final QuantParams output;

    private Epilogue(float[] bias, Activation activation, QuantParams output) {
        this.bias = bias;
        this.activation = activation;
        this.output = output;
        if (output != null && (!output.isPerTensor() || output.dtype().bits() != 8)) {
            throw new IllegalArgumentException("requantization needs per-tensor 8-bit parameters: " + output);
        }
    }

    /** Bias per output column (length >= N; not copied, do not modify while in use) and activation. */
    public static Epilogue of(float[] bias, Activation activation) {
        return new Epilogue(bias, activation, null);
    }

    public Epilogue withRequantization(QuantParams outputParams) {
        return new Epilogue(bias, activation, outputParams);
    }

    /** Bias per column, or null. */
    public float[] bias() {
        return bias;
    }

    public Activation activation() {
        return activation;
    }

    /** Output quantization, or null for an FP32 output. */
    public QuantParams output() {
        return output;
    }

    boolean isPlain() {
        return bias == null && activation == Activation.NONE;
    }
}
