package io.tare.server.engine.ops;

/**
 * Plain-Java FP32 matrix product used by the FP32 operators: C[m,n] (+)= A[m,k] x B[k,n], all
 * row-major with explicit offsets and leading dimensions. The i-k-j loop order keeps the inner
 * loop a contiguous AXPY that the JIT vectorizes. Each element of C is accumulated in k order with
 * one fused multiply-add per step, the rounding of ONNX Runtime's SGEMM. Stateless.
 */
public final class FloatMatrix {
    private FloatMatrix() {
    }

    /**
     * @param accumulate add to C instead of overwriting it
     */
    public static void multiply(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
            int ldc, int m, int k, int n, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc;
            if (!accumulate) {
                java.util.Arrays.fill(c, cRow, cRow + n, 0f);
            }
            int aRow = aOff + i * lda;
            for (int p = 0; p < k; p++) {
                float av = a[aRow + p];
                if (av == 0f) {
                    continue;
                }
                int bRow = bOff + p * ldb;
                for (int j = 0; j < n; j++) {
                    c[cRow + j] = Math.fma(av, b[bRow + j], c[cRow + j]);
                }
            }
        }
    }

    /** Transposes a [rows, cols] block into [cols, rows]. */
    public static void transpose(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[dstOff + c * rows + r] = src[srcOff + r * cols + c];
            }
        }
    }
}
