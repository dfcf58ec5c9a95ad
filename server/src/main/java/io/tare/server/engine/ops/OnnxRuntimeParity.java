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

    // the exp inside erf rounds to nearest through a magic bias
    private static final float LOG2_RECIPROCAL = 1.44269504088896341f;
    private static final float ROUNDING_BIAS = 12582912f; // 1.5 * 2^23

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
     * Softmax of one contiguous row as ONNX Runtime computes it: the kernels' scalar reference
     * ({@link io.tare.kernels.scalar.SoftmaxReference#row}, which states the order), which every
     * kernel tier's {@code softmax} reproduces bit for bit. {@code x} and {@code y} may be the same row.
     */
    public static void softmaxRow(float[] x, int xOff, float[] y, int yOff, int n) {
        io.tare.kernels.scalar.SoftmaxReference.row(x, xOff, y, yOff, n);
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
