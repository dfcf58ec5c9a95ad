package io.tare.server.engine.ops;

import io.tare.server.engine.EngineException;
import java.util.Arrays;

/**
 * ONNX multidirectional (numpy) broadcasting: shapes are right-aligned, and each axis must be
 * equal or 1 in every operand. Provides the output shape and per-operand strides in the output's
 * index space (0 along broadcast axes), which the element loops walk with an odometer.
 */
public final class Broadcasting {
    private Broadcasting() {
    }

    /** The broadcast shape of the operands. @throws EngineException when they are incompatible */
    public static int[] shape(int[]... shapes) {
        int rank = 0;
        for (int[] s : shapes) {
            rank = Math.max(rank, s.length);
        }
        int[] out = new int[rank];
        Arrays.fill(out, 1);
        for (int[] s : shapes) {
            int offset = rank - s.length;
            for (int i = 0; i < s.length; i++) {
                int d = s[i];
                int o = out[offset + i];
                if (d == o || d == 1) {
                    continue;
                }
                if (o == 1) {
                    out[offset + i] = d;
                } else {
                    throw new EngineException("shapes " + describe(shapes) + " cannot be broadcast together");
                }
            }
        }
        // a zero-sized axis wins over 1
        for (int[] s : shapes) {
            int offset = rank - s.length;
            for (int i = 0; i < s.length; i++) {
                if (s[i] == 0) {
                    out[offset + i] = 0;
                }
            }
        }
        return out;
    }

    /** Strides of {@code in} (row-major) expressed along the axes of {@code out}; 0 where broadcast. */
    public static int[] strides(int[] in, int[] out) {
        int[] strides = new int[out.length];
        int stride = 1;
        for (int i = in.length - 1; i >= 0; i--) {
            int o = out.length - in.length + i;
            strides[o] = in[i] == 1 ? 0 : stride;
            stride *= in[i];
        }
        return strides;
    }

    /** Visits every output element in order with the matching flat index of each operand. */
    @FunctionalInterface
    public interface TernaryVisitor {
        void visit(int outIndex, int a, int b, int c);
    }

    /**
     * Walks {@code outShape} in C order, calling {@code visitor} with flat offsets into up to three
     * operands given by their strides (pass an all-zero array for an unused operand).
     */
    public static void forEach(int[] outShape, int[] sa, int[] sb, int[] sc, TernaryVisitor visitor) {
        int rank = outShape.length;
        int total = 1;
        for (int d : outShape) {
            total *= d;
        }
        if (total == 0) {
            return;
        }
        if (rank == 0) {
            visitor.visit(0, 0, 0, 0);
            return;
        }
        int[] idx = new int[rank];
        int a = 0;
        int b = 0;
        int c = 0;
        int inner = outShape[rank - 1];
        int ia = sa[rank - 1];
        int ib = sb[rank - 1];
        int ic = sc[rank - 1];
        for (int o = 0; o < total; o += inner) {
            for (int j = 0; j < inner; j++) {
                visitor.visit(o + j, a + j * ia, b + j * ib, c + j * ic);
            }
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                a += sa[d];
                b += sb[d];
                c += sc[d];
                if (idx[d] < outShape[d]) {
                    break;
                }
                a -= sa[d] * outShape[d];
                b -= sb[d] * outShape[d];
                c -= sc[d] * outShape[d];
                idx[d] = 0;
            }
        }
    }

    private static String describe(int[]... shapes) {
        StringBuilder sb = new StringBuilder();
        for (int[] s : shapes) {
            sb.append(sb.isEmpty() ? "" : ", ").append(Arrays.toString(s));
        }
        return sb.toString();
    }
}
