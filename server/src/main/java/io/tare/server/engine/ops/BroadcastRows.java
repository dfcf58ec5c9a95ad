package io.tare.server.engine.ops;

/**
 * FP32 broadcasting arithmetic one output row (last axis) at a time: the operands' offsets are
 * stepped once per row, and the inner loop runs over the last axis with each operand either
 * contiguous (stride 1) or constant (stride 0). Covers bias adds ([N] against [..., N]),
 * normalization by per-row statistics ([..., 1]) and attention masks ([B, 1, 1, S]) with loops the
 * JIT vectorizes, instead of a visitor call per element. Stateless.
 */
final class BroadcastRows {
    private BroadcastRows() {
    }

    /**
     * {@code z = op(x, y)} over {@code shape} with broadcast strides {@code sx}, {@code sy}
     * (from {@link Broadcasting#strides}); returns false (doing nothing) when the shape is empty
     * or a scalar, which the caller handles otherwise.
     */
    static boolean compute(float[] x, int[] sx, float[] y, int[] sy, float[] z, int[] shape, BinaryOps.Arith op) {
        int rank = shape.length;
        if (rank == 0) {
            return false;
        }
        int cols = shape[rank - 1];
        int rows = 1;
        for (int d = 0; d < rank - 1; d++) {
            rows *= shape[d];
        }
        if (cols == 0 || rows == 0) {
            return true;
        }
        int[] index = new int[rank - 1];
        int xo = 0;
        int yo = 0;
        int xs = sx[rank - 1];
        int ys = sy[rank - 1];
        for (int r = 0; r < rows; r++) {
            row(x, xo, xs, y, yo, ys, z, r * cols, cols, op);
            // odometer over the leading axes, moving the operand offsets by their strides
            for (int d = rank - 2; d >= 0; d--) {
                index[d]++;
                xo += sx[d];
                yo += sy[d];
                if (index[d] < shape[d]) {
                    break;
                }
                xo -= sx[d] * shape[d];
                yo -= sy[d] * shape[d];
                index[d] = 0;
            }
        }
        return true;
    }

    private static void row(float[] x, int xo, int xs, float[] y, int yo, int ys, float[] z, int zo, int n,
            BinaryOps.Arith op) {
        if (xs == 1 && ys == 1) {
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) { z[zo + i] = x[xo + i] + y[yo + i]; } }
                case SUB -> { for (int i = 0; i < n; i++) { z[zo + i] = x[xo + i] - y[yo + i]; } }
                case MUL -> { for (int i = 0; i < n; i++) { z[zo + i] = x[xo + i] * y[yo + i]; } }
                case DIV -> { for (int i = 0; i < n; i++) { z[zo + i] = x[xo + i] / y[yo + i]; } }
                default -> { for (int i = 0; i < n; i++) { z[zo + i] = op.apply(x[xo + i], y[yo + i]); } }
            }
        } else if (xs == 1) {
            float b = y[yo];
            if (op == BinaryOps.Arith.POW && b == 2f) {
                // squaring (LayerNorm's variance): exact, since (double) a * a fits a double's mantissa
                for (int i = 0; i < n; i++) {
                    z[zo + i] = x[xo + i] * x[xo + i];
                }
                return;
            }
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) { z[zo + i] = x[xo + i] + b; } }
                case SUB -> { for (int i = 0; i < n; i++) { z[zo + i] = x[xo + i] - b; } }
                case MUL -> { for (int i = 0; i < n; i++) { z[zo + i] = x[xo + i] * b; } }
                case DIV -> { for (int i = 0; i < n; i++) { z[zo + i] = x[xo + i] / b; } }
                default -> { for (int i = 0; i < n; i++) { z[zo + i] = op.apply(x[xo + i], b); } }
            }
        } else if (ys == 1) {
            float a = x[xo];
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) { z[zo + i] = a + y[yo + i]; } }
                case SUB -> { for (int i = 0; i < n; i++) { z[zo + i] = a - y[yo + i]; } }
                case MUL -> { for (int i = 0; i < n; i++) { z[zo + i] = a * y[yo + i]; } }
                case DIV -> { for (int i = 0; i < n; i++) { z[zo + i] = a / y[yo + i]; } }
                default -> { for (int i = 0; i < n; i++) { z[zo + i] = op.apply(a, y[yo + i]); } }
            }
        } else {
            java.util.Arrays.fill(z, zo, zo + n, op.apply(x[xo], y[yo]));
        }
    }
}
