package io.tare.kernels.gemm;

import io.tare.kernels.tensor.QuantParams;

/**
 * What a GEMM does to each result before storing it: an optional int32 bias (INT8 GEMMs), an
 * optional per-column float bias, an activation, requantization to an 8-bit output with per-tensor
 * parameters (INT8 GEMMs), or accumulation into the output (FP32 outputs). The per-channel
 * dequantization of INT8 results is implied by the operands' own scales. Immutable.
 *
 * <p>Order: int32 bias into the exact accumulator, dequantize, add float bias, activate, then
 * either requantize ({@code saturate(rint(v * (1 / scale)) + zp)}, the reciprocal computed once)
 * or store ({@code C = v}), or accumulate ({@code C += v}, for residual adds).
 *
 * <p>A requantizing epilogue with no float bias and no activation uses ONNX QLinearMatMul's own
 * formula, {@code rint((acc + int32Bias) * (float)(sa * sb / sy)) + zp} with the product taken in
 * double, so that QLinearMatMul (and QLinearConv with its int32 bias) are bit-exact. Its multiplier
 * is computed once per column, not per element. The other requantizing path multiplies by
 * {@code 1 / sy}; it may differ from a division by one unit where {@code v / sy} lies within an
 * ulp of a rounding tie.
 */
public final class Epilogue {
    public static final Epilogue NONE = new Epilogue(null, null, Activation.NONE, null, false);

    private final int[] int32Bias;
    private final float[] bias;
    private final Activation activation;
    private final QuantParams output;
    private final float outputInverseScale;
    private final boolean accumulate;
    /**
     * A memo, not state: the requantizing terms {@link TiledRequantization} derived from this
     * epilogue for the last block shape it met, replaced whole (a racing thread at worst computes
     * the same terms again).
     */
    private volatile TiledRequantization.Terms tiledTerms;

    private Epilogue(int[] int32Bias, float[] bias, Activation activation, QuantParams output, boolean accumulate) {
        this.int32Bias = int32Bias;
        this.bias = bias;
        this.activation = activation;
        this.output = output;
        this.accumulate = accumulate;
        if (output != null && (!output.isPerTensor() || output.dtype().bits() != 8)) {
            throw new IllegalArgumentException("requantization needs per-tensor 8-bit parameters: " + output);
        }
        if (output != null && accumulate) {
            throw new IllegalArgumentException("an 8-bit output cannot be accumulated into");
        }
        this.outputInverseScale = output == null ? Float.NaN : 1f / output.scale(0);
    }

    /** Bias per output column (length >= N; not copied, do not modify while in use) and activation. */
    public static Epilogue of(float[] bias, Activation activation) {
        return new Epilogue(null, bias, activation, null, false);
    }

    public Epilogue withRequantization(QuantParams outputParams) {
        return new Epilogue(int32Bias, bias, activation, outputParams, accumulate);
    }

    /**
     * Adds {@code bias[j]} to column j's exact int32 accumulator before anything else (INT8 GEMMs
     * only; ONNX QLinearConv's bias, quantized with scale {@code sa * sb[j]} and zero point 0).
     * Not copied: do not modify while in use. Int32 arithmetic wraps like the accumulator's.
     */
    public Epilogue withInt32Bias(int[] bias) {
        return new Epilogue(bias, this.bias, activation, output, accumulate);
    }

    /** The same epilogue, but adding its results into C ({@code C += v}) instead of overwriting C. */
    public Epilogue accumulating() {
        return new Epilogue(int32Bias, bias, activation, output, true);
    }

    /** Int32 bias per column, or null. */
    public int[] int32Bias() {
        return int32Bias;
    }

    /** Float bias per column, or null. */
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

    /** Whether results are added into C rather than stored. */
    public boolean accumulates() {
        return accumulate;
    }

    /** {@code 1 / output().scale(0)}, computed once; NaN without an output. */
    float outputInverseScale() {
        return outputInverseScale;
    }

    TiledRequantization.Terms tiledTerms() {
        return tiledTerms;
    }

    void tiledTerms(TiledRequantization.Terms terms) {
        tiledTerms = terms;
    }

    /** No float bias and no activation: the requantizing path may use QLinearMatMul's formula. */
    boolean isPlain() {
        return bias == null && activation == Activation.NONE;
    }

    /** Nothing to do to an FP32 result stored in place. */
    boolean isIdentity() {
        return isPlain() && !accumulate;
    }
}
