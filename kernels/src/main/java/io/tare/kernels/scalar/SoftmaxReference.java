package io.tare.kernels.scalar;

/**
 * Softmax of one contiguous float row, rounded exactly as ONNX Runtime's CPU softmax (its MLAS
 * library on x86-64 with FMA3) rounds it: the scalar reference every tier's
 * {@link io.tare.kernels.Kernels#softmax} must reproduce bit for bit.
 *
 * <p><b>Why bit parity.</b> Attention probabilities feed layers whose activations are quantized
 * dynamically (per tensor, from the tensor's min and max): a one-ulp difference moves values across
 * rounding boundaries, and a dozen quantized layers amplify that to quantization-noise size. So the
 * exponential is MLAS's polynomial (not a correctly rounded exp) and the sum is MLAS's 8-lane one.
 *
 * <p>All arithmetic is float with {@link Math#fma(float, float, float)} where MLAS uses a fused
 * multiply-add; Java's float semantics are strict IEEE 754, so vector tiers that perform the same
 * operations lane by lane get the same bits. Stateless and thread-safe.
 */
public final class SoftmaxReference {
    /** Lanes of the sum's accumulators (MLAS sums in one AVX register of 8 floats). */
    public static final int LANES = 8;

    // exp: round-to-nearest via a magic bias, two-step ln2 range reduction, degree-6 polynomial
    public static final float LOG2_RECIPROCAL = 1.44269504088896341f;
    public static final float ROUNDING_BIAS = 12582912f; // 1.5 * 2^23
    /** Below this, exp would be denormal: MLAS clamps its input here. */
    public static final float LOWER = -88.3762626647949f;
    public static final float LN2_HI = -6.93145752e-1f;
    public static final float LN2_LO = -1.42860677e-6f;
    public static final float P0 = 0x1.694000p-10f;
    public static final float P1 = 0x1.125edcp-7f;
    public static final float P2 = 0x1.555b5ap-5f;
    public static final float P3 = 0x1.555450p-3f;
    public static final float P4 = 0x1.fffff6p-2f;
    /** Bits of 1.0f: adding the shifted integer to them forms 2^m. */
    public static final int ONE_BITS = 0x3F800000;

    private SoftmaxReference() {
    }

    /**
     * exp(x + negativeMax) as MLAS's softmax computes each exponential (inputs below about -88.38
     * are clamped there, so tiny results are not denormal).
     */
    public static float exp(float x, float negativeMax) {
        float v = Math.max(x + negativeMax, LOWER);
        float t = Math.fma(v, LOG2_RECIPROCAL, ROUNDING_BIAS);
        float m = t - ROUNDING_BIAS;
        v = Math.fma(m, LN2_HI, v);
        v = Math.fma(m, LN2_LO, v);
        // the last two coefficients are both 1
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(P0, v, P1), v, P2), v, P3), v, P4), v, 1f), v, 1f);
        // the rounded integer sits in t's low mantissa bits: shifted into the exponent field it scales p by 2^m
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(t) << 23) + ONE_BITS);
    }

    /**
     * {@code y[yOff..yOff+n) = softmax(x[xOff..xOff+n))}: exponentials of x - max, summed in 8 lanes
     * (element i into lane i % 8, in order), the lanes combined pairwise ((l0+l1)+(l2+l3)) +
     * ((l4+l5)+(l6+l7)), then every exponential multiplied by the float 1/sum. {@code x} and
     * {@code y} may be the same row.
     */
    public static void row(float[] x, int xOff, float[] y, int yOff, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[xOff + i]);
        }
        float negativeMax = -max;
        float[] lanes = new float[LANES];
        for (int i = 0; i < n; i++) {
            float e = exp(x[xOff + i], negativeMax);
            y[yOff + i] = e;
            lanes[i % LANES] += e;
        }
        float scale = 1f / combine(lanes[0], lanes[1], lanes[2], lanes[3], lanes[4], lanes[5], lanes[6], lanes[7]);
        for (int i = 0; i < n; i++) {
            y[yOff + i] *= scale;
        }
    }

    /** The 8 lane sums combined in MLAS's horizontal order. */
    public static float combine(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) {
        return ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
    }
}
