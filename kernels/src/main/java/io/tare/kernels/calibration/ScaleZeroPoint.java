package io.tare.kernels.calibration;

/**
 * Per-tensor quantization parameters derived from a {@link ClipRange}, with ONNX
 * {@code QuantizeLinear} semantics: {@code q = saturate(roundHalfEven(x / scale) + zeroPoint)}.
 *
 * @param scale     positive and finite
 * @param zeroPoint within the encoding's {@code [qmin, qmax]} (not checked here: the record does not
 *                  know its encoding)
 */
public record ScaleZeroPoint(float scale, int zeroPoint) {

    public ScaleZeroPoint {
        if (!(scale > 0) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite: " + scale);
        }
    }

    /** ONNX QuantizeLinear of one value (float division, round half to even, saturate). */
    public int quantize(float x, ActivationEncoding encoding) {
        double q = Math.rint(x / scale) + zeroPoint;
        return (int) Math.max(encoding.qmin(), Math.min(encoding.qmax(), q));
    }

    /** ONNX DequantizeLinear. */
    public float dequantize(int q) {
        return (q - zeroPoint) * scale;
    }

    /** Lowest value the encoding represents without saturating, {@code scale * (qmin - zeroPoint)}. */
    public double representableLow(ActivationEncoding encoding) {
        return (double) scale * (encoding.qmin() - zeroPoint);
    }

    /** Highest value the encoding represents, {@code scale * (qmax - zeroPoint)}. */
    public double representableHigh(ActivationEncoding encoding) {
        return (double) scale * (encoding.qmax() - zeroPoint);
    }
}
