package io.tare.server.engine.ops;

import io.tare.kernels.Kernels;
import io.tare.server.engine.DataType;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.Tensor;

/**
 * {@code tare:MaskedSoftmax}, attention's {@code Softmax(Add(Div(scores, c), mask), axis=-1)} as
 * one step (made by {@link io.tare.server.engine.passes.SoftmaxFusion}, never read from files).
 * Inputs: {@code scores} (FLOAT), optional {@code mask} (FLOAT, broadcast with the scores as Add does); attribute
 * {@link #DIVISOR} or {@link #MULTIPLIER} when the scores were scaled by a constant first.
 *
 * <p>Each row is formed in the output as {@code scores / c + mask} (or {@code * c}), the same float
 * operations as the nodes it replaces, then the kernels' softmax runs on it in place, in ONNX
 * Runtime's rounding ({@link Kernels#softmax}): the same bits as the three nodes, with one pass
 * over the scores instead of three. Stateless.
 */
public final class MaskedSoftmax {
    public static final String DOMAIN = "tare";
    public static final String OP = "MaskedSoftmax";
    /** The constant the scores were divided by. */
    public static final String DIVISOR = "tare_divisor";
    /** The constant the scores were multiplied by. */
    public static final String MULTIPLIER = "tare_multiplier";

    private MaskedSoftmax() {
    }

    static void register(OperatorRegistry r) {
        r.register(DOMAIN, OP, 1, s -> {
            Scaling scaling = Scaling.of(s.attrs());
            Kernels kernels = s.compute().kernels();
            return ctx -> run(ctx, kernels, scaling.divide(), scaling.multiply(), scaling.c());
        });
    }

    /**
     * How the scores are scaled before the mask: divided by c, multiplied by c, or neither. A divisor
     * whose reciprocal is exact (a power of two, attention's sqrt(64) = 8 among them) becomes a
     * multiplier: {@code x * (1 / c)} is the same float as {@code x / c} for every x (both are the
     * one rounding of the same real number), and a vector division costs several multiplications.
     */
    record Scaling(boolean divide, boolean multiply, float c) {
        static Scaling of(io.tare.server.engine.graph.Attributes a) {
            if (a.has(DIVISOR)) {
                float c = a.getFloat(DIVISOR, 1f);
                return hasExactReciprocal(c) ? new Scaling(false, true, 1f / c) : new Scaling(true, false, c);
            }
            return new Scaling(false, a.has(MULTIPLIER), a.getFloat(MULTIPLIER, 1f));
        }

        /** c = +-2^e with 1 / c a normal float too. */
        static boolean hasExactReciprocal(float c) {
            int exponent = Math.getExponent(c);
            return (Float.floatToRawIntBits(c) & 0x007FFFFF) == 0 && exponent >= -126 && exponent <= 126;
        }
    }

    private static void run(OpContext ctx, Kernels kernels, boolean divide, boolean multiply, float c) {
        Tensor x = ctx.input(0);
        Tensor mask = ctx.input(1);
        Tensor y = ctx.output(0, DataType.FLOAT, shape(x, mask));
        compute(kernels, x, mask, y, divide, multiply, c);
    }

    /** The output's shape: the Add's broadcast, usually the mask ([B, 1, 1, S]) stretched to the scores ([B, H, S, S]). */
    static int[] shape(Tensor x, Tensor mask) {
        if (x.type() != DataType.FLOAT || (mask != null && mask.type() != DataType.FLOAT)) {
            throw new EngineException("MaskedSoftmax needs FLOAT scores and mask, got " + x.type());
        }
        int[] shape = mask == null ? x.shape() : Broadcasting.shape(x.shape(), mask.shape());
        if (shape.length == 0) {
            throw new EngineException("MaskedSoftmax needs scores of rank >= 1");
        }
        return shape;
    }

    /** {@code y = softmax(x / c + mask)} over the last axis; y has {@link #shape}. */
    static void compute(Kernels kernels, Tensor x, Tensor mask, Tensor y, boolean divide, boolean multiply, float c) {
        int[] shape = y.shape();
        int rank = shape.length;
        int n = shape[rank - 1];
        int rows = n == 0 ? 0 : y.size() / n;
        float[] in = x.floats();
        float[] out = y.floats();
        float[] m = mask == null ? null : mask.floats();
        int[] xs = Broadcasting.strides(x.shape(), shape);
        int[] ms = mask == null ? new int[rank] : Broadcasting.strides(mask.shape(), shape);
        int[] index = new int[rank];
        int xo = 0;
        int mo = 0;
        for (int r = 0; r < rows; r++) {
            row(kernels, in, xo, xs[rank - 1], out, r * n, n, divide, multiply, c, m, mo, ms[rank - 1]);
            // odometer over the leading axes, moving the operands' offsets by their strides
            for (int d = rank - 2; d >= 0; d--) {
                index[d]++;
                xo += xs[d];
                mo += ms[d];
                if (index[d] < shape[d]) {
                    break;
                }
                xo -= xs[d] * shape[d];
                mo -= ms[d] * shape[d];
                index[d] = 0;
            }
        }
    }

    /**
     * One row: {@code y[o..o+n) = softmax(x[xo..] / c + mask[mo..])}, x's and the mask's elements
     * {@code xStride} and {@code maskStride} apart (0: broadcast); mask may be null; x may be y.
     * Contiguous rows go to the kernels' {@link Kernels#scaledMaskedSoftmax} whole; broadcast ones
     * are formed in y first.
     */
    static void row(Kernels kernels, float[] x, int xo, int xStride, float[] y, int o, int n, boolean divide,
            boolean multiply, float c, float[] mask, int mo, int maskStride) {
        if (xStride == 1 && (mask == null || maskStride == 1)) {
            kernels.scaledMaskedSoftmax(x, xo, divide || multiply ? c : 1f, divide, mask, mo, y, o, n);
            return;
        }
        scaled(x, xo, xStride, y, o, n, divide, multiply, c);
        if (mask != null) {
            addMask(y, o, mask, mo, maskStride, n);
        }
        kernels.softmax(y, o, y, o, n);
    }

    /** Row {@code o} of y = x's row at {@code xo} (stride 1, or 0 when broadcast) divided or multiplied by c. */
    private static void scaled(float[] x, int xo, int stride, float[] y, int o, int n, boolean divide,
            boolean multiply, float c) {
        if (stride == 0) {
            float v = divide ? x[xo] / c : multiply ? x[xo] * c : x[xo];
            java.util.Arrays.fill(y, o, o + n, v);
        } else if (divide) {
            for (int i = 0; i < n; i++) {
                y[o + i] = x[xo + i] / c;
            }
        } else if (multiply) {
            for (int i = 0; i < n; i++) {
                y[o + i] = x[xo + i] * c;
            }
        } else {
            System.arraycopy(x, xo, y, o, n);
        }
    }

    private static void addMask(float[] y, int o, float[] m, int mo, int stride, int n) {
        if (stride == 1) {
            for (int i = 0; i < n; i++) {
                y[o + i] += m[mo + i];
            }
        } else {
            float v = m[mo];
            for (int i = 0; i < n; i++) {
                y[o + i] += v;
            }
        }
    }
}
