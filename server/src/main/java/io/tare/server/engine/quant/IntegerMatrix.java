package io.tare.server.engine.quant;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;

/**
 * Exact integer matrix products for the quantized operators: operands are first widened to int
 * with their zero points subtracted, then {@code C[m,n] = sum_k A[m,k] * B[k,n]} in int32 (the
 * i-k-j order keeps the inner loop contiguous for the JIT's vectorizer). 8-bit operands with K
 * below 2^16 cannot overflow int32.
 */
public final class IntegerMatrix {
    private IntegerMatrix() {
    }

    public static void multiply(int[] a, int aOff, int[] b, int bOff, int[] c, int cOff, int m, int k, int n) {
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * n;
            java.util.Arrays.fill(c, cRow, cRow + n, 0);
            int aRow = aOff + i * k;
            for (int p = 0; p < k; p++) {
                int av = a[aRow + p];
                if (av == 0) {
                    continue;
                }
                int bRow = bOff + p * n;
                for (int j = 0; j < n; j++) {
                    c[cRow + j] += av * b[bRow + j];
                }
            }
        }
    }

    /** Widens 8-bit data to int, subtracting one zero point. */
    public static void widen(byte[] q, int off, int n, boolean unsigned, int zeroPoint, int[] out, int outOff) {
        if (unsigned) {
            for (int i = 0; i < n; i++) {
                out[outOff + i] = (q[off + i] & 0xFF) - zeroPoint;
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[outOff + i] = q[off + i] - zeroPoint;
            }
        }
    }

    /** True for the 8-bit types the integer operators accept. */
    public static boolean isEightBit(DataType t) {
        return t == DataType.UINT8 || t == DataType.INT8;
    }

    /** The zero point of a per-tensor zero-point input (absent means 0). */
    public static int scalarZeroPoint(Tensor zp) {
        return zp == null ? 0 : (int) zp.getLong(0);
    }
}
