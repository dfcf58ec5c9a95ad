package io.tare.server.engine.ops;

/**
 * Float kernels that round exactly as ONNX Runtime's CPU kernels do on x86-64 with FMA3 (its MLAS
 * library, and Eigen for reductions), so that the engine and ONNX Runtime produce the same float
 * bits for the same inputs.
 *
 * <p><b>Why bit parity matters.</b> A model quantized dynamically (DynamicQuantizeLinear before
 * every MatMulInteger, as ONNX Runtime's own INT8 transformers are) rounds every activation to 8
 * bits with a per-tensor scale taken from the tensor's min and max. A one-ulp difference in a float
 * op upstream moves the odd value across a rounding boundary, or the max and with it the whole
 * tensor's scale, and a dozen quantized layers amplify that into differences as large as the
 * quantization noise itself: with correctly rounded erf/exp and double accumulations, the engine's
 * all-MiniLM-L6-v2 INT8 embeddings agreed with ONNX Runtime's only to cosine 0.9906. The integer
 * ops were already exact; what differed were exactly the ops below, whose results depend on an
 * approximation or a summation order. Each function here states the order it reproduces.
 *
 * <p>Everything is float arithmetic with {@link Math#fma(float, float, float)} where ONNX Runtime
 * uses a fused multiply-add; the JIT compiles both to the same instruction, and Java's float
 * semantics are strict IEEE 754, so the results are bit-identical by construction, not by tuning.
 * Stateless and thread-safe.
 */
public final class OnnxRuntimeParity {
    // erf: polynomial on |x| < 0.921875, 1 - exp(-poly) above, |x| clamped to 3.925 (erf = 1 in float)
    private static final float ERF_UPPER = 3.925f;
    private static final float ERF_SPLIT = 0.921875f;
    // polynomial coefficients, highest order first (straight-line Horner below: constants the JIT folds)
    private static final float S0 = -5.99104969e-4f;
    private static final float S1 = 4.99339588e-3f;
    private static final float S2 = -2.67667342e-2f;
    private static final float S3 = 1.12818025e-1f;
    private static final float S4 = -3.76124859e-1f;
    private static final float S5 = 1.28379151e-1f;
    private static final float B0 = 1.72948930e-5f;
    private static final float B1 = -3.83208680e-4f;
    private static final float B2 = 3.88393435e-3f;
    private static final float B3 = -2.42545605e-2f;
    private static final float B4 = 1.06777847e-1f;
    private static final float B5 = 6.34846687e-1f;
    private static final float B6 = 1.28717512e-1f;
    private static final float ERF_EXP_LOWER = -88.3762626647949f;
    private static final float ERF_EXP_LN2_HI = -6.93145752e-1f;
    private static final float ERF_EXP_LN2_LO = -1.42860677e-6f;
    private static final float E0 = 1.38319808e-3f;
    private static final float E1 = 8.37550033e-3f;
    private static final float E2 = 4.16689515e-2f;
    private static final float E3 = 1.66664466e-1f;
    private static final float E4 = 4.99999851e-1f;

    // exp as used by Softmax: round-to-nearest via a magic bias, two-step ln2 range reduction
    private static final float LOG2_RECIPROCAL = 1.44269504088896341f;
    private static final float ROUNDING_BIAS = 12582912f; // 1.5 * 2^23
    private static final float SUM_EXP_LOWER = -88.3762626647949f;
    private static final float EXP_LN2_HI = -6.93145752e-1f;
    private static final float EXP_LN2_LO = -1.42860677e-6f;
    private static final float P0 = 0x1.694000p-10f;
    private static final float P1 = 0x1.125edcp-7f;
    private static final float P2 = 0x1.555b5ap-5f;
    private static final float P3 = 0x1.555450p-3f;
    private static final float P4 = 0x1.fffff6p-2f;
    private static final int ONE_BITS = 0x3F800000;

    /** Lanes of the reduction accumulators (the softmax sum is 8-wide, AVX). */
    private static final int SOFTMAX_LANES = 8;
    /** Eigen's packet width in ONNX Runtime's x86-64 build (SSE: 4 floats), for ReduceMean/ReduceSum. */
    private static final int REDUCE_LANES = 4;

    private OnnxRuntimeParity() {
    }

    /**
     * erf(x) as ONNX Runtime's Erf kernel computes it: faithfully rounded (within 1 ulp of the true
     * value), not correctly rounded, so it differs from a double-precision erf in the last bit for
     * about one value in seven. NaN gives NaN.
     */
    public static float erf(float x) {
        // NaN needs no test: Math.min keeps it, the polynomial path carries it to the result
        float a = Math.min(Math.abs(x), ERF_UPPER);
        float r;
        if (a < ERF_SPLIT) {
            float s = a * a;
            r = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(S0, s, S1), s, S2), s, S3), s, S4), s, S5);
            r = Math.fma(r, a, a);
        } else {
            float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(B0, a, B1), a, B2), a, B3), a, B4), a, B5),
                    a, B6);
            p = Math.fma(p, a, a);
            float e = Math.max(-p, ERF_EXP_LOWER);
            float t = Math.fma(LOG2_RECIPROCAL, e, ROUNDING_BIAS);
            float m = t - ROUNDING_BIAS;
            float f = Math.fma(m, ERF_EXP_LN2_HI, e);
            f = Math.fma(m, ERF_EXP_LN2_LO, f);
            float y = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(E0, f, E1), f, E2), f, E3), f, E4), f, 1f),
                    f, 1f);
            y *= Float.intBitsToFloat(((int) m + 127) << 23);
            r = 1f - y;
        }
        // the kernel ORs the input's sign bit onto |erf|
        return Float.intBitsToFloat(Float.floatToRawIntBits(r) | (Float.floatToRawIntBits(x) & 0x80000000));
    }

    /**
     * exp(x + negativeMax) as ONNX Runtime's softmax computes each exponential (inputs below about
     * -88.38 are clamped there, so tiny results are not denormal).
     */
    static float softmaxExp(float x, float negativeMax) {
        float v = Math.max(x + negativeMax, SUM_EXP_LOWER);
        float t = Math.fma(v, LOG2_RECIPROCAL, ROUNDING_BIAS);
        float m = t - ROUNDING_BIAS;
        v = Math.fma(m, EXP_LN2_HI, v);
        v = Math.fma(m, EXP_LN2_LO, v);
        // the last two coefficients are both 1
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(P0, v, P1), v, P2), v, P3), v, P4), v, 1f), v, 1f);
        // the rounded integer sits in t's low mantissa bits: shifted into the exponent field it scales p by 2^m
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(t) << 23) + ONE_BITS);
    }

    /**
     * Softmax of one contiguous row, {@code y[yOff..yOff+n) = softmax(x[xOff..xOff+n))}, as ONNX
     * Runtime computes it: exponentials of x - max, summed in 8 lanes (element i into lane i % 8, in
     * order), the lanes combined pairwise ((l0+l1)+(l2+l3)) + ((l4+l5)+(l6+l7)), then every
     * exponential multiplied by the float 1/sum. {@code x} and {@code y} may be the same row.
     */
    public static void softmaxRow(float[] x, int xOff, float[] y, int yOff, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[xOff + i]);
        }
        float negativeMax = -max;
        float l0 = 0f;
        float l1 = 0f;
        float l2 = 0f;
        float l3 = 0f;
        float l4 = 0f;
        float l5 = 0f;
        float l6 = 0f;
        float l7 = 0f;
        int i = 0;
        for (; i + SOFTMAX_LANES <= n; i += SOFTMAX_LANES) {
            int s = xOff + i;
            int d = yOff + i;
            float e0 = softmaxExp(x[s], negativeMax);
            float e1 = softmaxExp(x[s + 1], negativeMax);
            float e2 = softmaxExp(x[s + 2], negativeMax);
            float e3 = softmaxExp(x[s + 3], negativeMax);
            float e4 = softmaxExp(x[s + 4], negativeMax);
            float e5 = softmaxExp(x[s + 5], negativeMax);
            float e6 = softmaxExp(x[s + 6], negativeMax);
            float e7 = softmaxExp(x[s + 7], negativeMax);
            y[d] = e0;
            y[d + 1] = e1;
            y[d + 2] = e2;
            y[d + 3] = e3;
            y[d + 4] = e4;
            y[d + 5] = e5;
            y[d + 6] = e6;
            y[d + 7] = e7;
            l0 += e0;
            l1 += e1;
            l2 += e2;
            l3 += e3;
            l4 += e4;
            l5 += e5;
            l6 += e6;
            l7 += e7;
        }
        // the last partial vector: element i + j into lane j (lanes past the end add 0, a no-op)
        for (int j = 0; i + j < n; j++) {
            float e = softmaxExp(x[xOff + i + j], negativeMax);
            y[yOff + i + j] = e;
            switch (j) {
                case 0 -> l0 += e;
                case 1 -> l1 += e;
                case 2 -> l2 += e;
                case 3 -> l3 += e;
                case 4 -> l4 += e;
                case 5 -> l5 += e;
                default -> l6 += e;
            }
        }
        float sum = ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7));
        float scale = 1f / sum;
        for (int j = 0; j < n; j++) {
            y[yOff + j] *= scale;
        }
    }

    /**
     * The float sum of {@code x[off..off+n)} in the order of Eigen's vectorized sum with 4-float
     * packets (ONNX Runtime's ReduceSum/ReduceMean over a contiguous, 16-byte aligned row): two
     * packet accumulators over pairs of packets, then one more packet if one is left, the packet's
     * lanes combined as (p0+p2) + (p1+p3), then the leftover elements one by one. Rows shorter than
     * one packet are summed left to right.
     */
    public static float sum(float[] x, int off, int n) {
        final int p = REDUCE_LANES;
        int alignedSize = n / p * p;
        if (alignedSize == 0) {
            float s = n == 0 ? 0f : x[off];
            for (int i = 1; i < n; i++) {
                s += x[off + i];
            }
            return s;
        }
        int alignedSize2 = n / (2 * p) * (2 * p);
        float a0 = x[off];
        float a1 = x[off + 1];
        float a2 = x[off + 2];
        float a3 = x[off + 3];
        if (alignedSize > p) {
            float b0 = x[off + 4];
            float b1 = x[off + 5];
            float b2 = x[off + 6];
            float b3 = x[off + 7];
            for (int i = 2 * p; i < alignedSize2; i += 2 * p) {
                int s = off + i;
                a0 += x[s];
                a1 += x[s + 1];
                a2 += x[s + 2];
                a3 += x[s + 3];
                b0 += x[s + 4];
                b1 += x[s + 5];
                b2 += x[s + 6];
                b3 += x[s + 7];
            }
            a0 += b0;
            a1 += b1;
            a2 += b2;
            a3 += b3;
            if (alignedSize > alignedSize2) {
                int s = off + alignedSize2;
                a0 += x[s];
                a1 += x[s + 1];
                a2 += x[s + 2];
                a3 += x[s + 3];
            }
        }
        float result = (a0 + a2) + (a1 + a3);
        for (int i = alignedSize; i < n; i++) {
            result += x[off + i];
        }
        return result;
    }
}
