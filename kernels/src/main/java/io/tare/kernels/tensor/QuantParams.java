package io.tare.kernels.tensor;

import java.util.Arrays;

/**
 * Scale and zero point of a quantized tensor, per tensor ({@code axis == -1}, one entry) or per
 * axis (one entry per index along {@code axis}). Immutable.
 *
 * <p>Real value = (q - zeroPoint) * scale. Quantizing follows ONNX QuantizeLinear: divide by the
 * scale, round half to even, add the zero point, saturate to the type's range. Symmetric means
 * every zero point is 0 (signed types) — the usual choice for weights, which lets GEMM skip the
 * row-sum correction.
 */
public final class QuantParams {
    private final DType dtype;
    private final int axis;
    private final float[] scales;
    private final int[] zeroPoints;

    private QuantParams(DType dtype, int axis, float[] scales, int[] zeroPoints) {
        if (!dtype.isQuantized()) {
            throw new IllegalArgumentException("quantized type expected, got " + dtype);
        }
        if (scales.length != zeroPoints.length || scales.length == 0) {
            throw new IllegalArgumentException("need as many zero points as scales (>0)");
        }
        for (int i = 0; i < scales.length; i++) {
            if (!(scales[i] > 0f) || Float.isInfinite(scales[i])) {
                throw new IllegalArgumentException("scale must be positive and finite: " + scales[i]);
            }
            if (zeroPoints[i] < dtype.qmin() || zeroPoints[i] > dtype.qmax()) {
                throw new IllegalArgumentException("zero point " + zeroPoints[i] + " outside " + dtype);
            }
        }
        this.dtype = dtype;
        this.axis = axis;
        this.scales = scales;
        this.zeroPoints = zeroPoints;
    }

    public static QuantParams perTensor(DType dtype, float scale, int zeroPoint) {
        return new QuantParams(dtype, -1, new float[] {scale}, new int[] {zeroPoint});
    }

    public static QuantParams perAxis(DType dtype, int axis, float[] scales, int[] zeroPoints) {
        if (axis < 0) {
            throw new IllegalArgumentException("per-axis parameters need a non-negative axis");
        }
        return new QuantParams(dtype, axis, scales.clone(), zeroPoints.clone());
    }

    /**
     * Symmetric parameters covering {@code absMax}: zero point 0 for signed types, the mid-point
     * for unsigned ones, scale = absMax / (qmax) so that ±absMax maps into range.
     * An all-zero input (absMax 0) gets scale 1 so that it still quantizes to the zero point.
     */
    public static QuantParams symmetric(DType dtype, float absMax) {
        return new QuantParams(dtype, -1, new float[] {symmetricScale(dtype, absMax)},
                new int[] {symmetricZeroPoint(dtype)});
    }

    /** Per-axis symmetric parameters, one absMax per channel. */
    public static QuantParams symmetricPerAxis(DType dtype, int axis, float[] absMax) {
        float[] s = new float[absMax.length];
        int[] z = new int[absMax.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = symmetricScale(dtype, absMax[i]);
            z[i] = symmetricZeroPoint(dtype);
        }
        return new QuantParams(dtype, axis, s, z);
    }

    /**
     * The scale that maps {@code absMax} to the type's positive bound. Signed types use the
     * restricted symmetric range (±qmax, never qmin), so -absMax does not saturate.
     */
    public static float symmetricScale(DType dtype, float absMax) {
        int half = dtype.isSigned() ? dtype.qmax() : (dtype.qmax() + 1) / 2 - 1;
        return absMax > 0f ? absMax / half : 1f;
    }

    private static int symmetricZeroPoint(DType dtype) {
        return dtype.isSigned() ? 0 : (dtype.qmax() + 1) / 2;
    }

    public DType dtype() {
        return dtype;
    }

    /** The quantized axis, or -1 for per-tensor parameters. */
    public int axis() {
        return axis;
    }

    public boolean isPerTensor() {
        return axis < 0;
    }

    /** Number of (scale, zero point) entries: 1 per tensor, else the size of the axis. */
    public int count() {
        return scales.length;
    }

    public float scale(int channel) {
        return scales[isPerTensor() ? 0 : channel];
    }

    public int zeroPoint(int channel) {
        return zeroPoints[isPerTensor() ? 0 : channel];
    }

    /** True when every zero point is 0. */
    public boolean isSymmetric() {
        for (int z : zeroPoints) {
            if (z != 0) {
                return false;
            }
        }
        return true;
    }

    public float[] scales() {
        return scales.clone();
    }

    public int[] zeroPoints() {
        return zeroPoints.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantParams q && q.dtype == dtype && q.axis == axis && Arrays.equals(q.scales, scales)
                && Arrays.equals(q.zeroPoints, zeroPoints);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(scales) * 31 + Arrays.hashCode(zeroPoints);
    }

    @Override
    public String toString() {
        return isPerTensor()
                ? "QuantParams[" + dtype + " scale=" + scales[0] + " zp=" + zeroPoints[0] + "]"
                : "QuantParams[" + dtype + " axis=" + axis + " n=" + scales.length + "]";
    }
}
