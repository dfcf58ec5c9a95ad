package io.tare.kernels.quant;

/**
 * ONNX DynamicQuantizeLinear's choice of uint8 scale and zero point from a data range, written
 * as its reference does: the range is widened to include 0, {@code scale = (max - min) / 255},
 * {@code zeroPoint = saturate(rint(0 - min / scale))}, all in float.
 *
 * <p>An all-zero range gives scale 0 and zero point 0; quantizing with it yields 0 (0/0 is NaN,
 * which every tier maps to 0), and dequantizing gives 0 again.
 */
public final class DynamicRange {
    private DynamicRange() {
    }

    public static float scale(float min, float max) {
        float lo = Math.min(0f, min);
        float hi = Math.max(0f, max);
        return (hi - lo) / 255f;
    }

    public static int zeroPoint(float min, float scale) {
        float lo = Math.min(0f, min);
        float zp = (float) Math.rint(0f - lo / scale);
        return (int) Math.max(0f, Math.min(255f, zp));
    }

    /** Symmetric signed scale for an absolute maximum: absMax / 127 (1 when absMax is 0). */
    public static float symmetricScale(float min, float max) {
        float absMax = Math.max(Math.abs(min), Math.abs(max));
        return absMax > 0f ? absMax / 127f : 1f;
    }
}
