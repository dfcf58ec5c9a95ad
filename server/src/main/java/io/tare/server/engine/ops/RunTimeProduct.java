package io.tare.server.engine.ops;

import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.simd.RowTiles;

/**
 * One FP32 product of two run-time operands (attention's QK^T and probabilities times V), rounded
 * as ONNX Runtime's SGEMM: every element accumulated in k order with one fused multiply-add per
 * step. The kernels' 6-, 4- and 2-row tiles do that, their 1-row tile does not ({@link RowTiles}),
 * and {@link Gemm#sgemmPlain} cuts A into {@link Gemm#ROW_BLOCK}-row blocks, each tiled on its own.
 * So rows go to the kernels one block at a time, and each block's last rows that would reach the
 * 1-row tile run in {@link FloatMatrix#multiply} instead, which accumulates in k order with fused
 * multiply-adds (none for blocks of 64 rows). In attention those rows feed dynamically quantized
 * layers; the MiniLM test against ONNX Runtime guards the assumption. The scalar tier (the
 * reference the others are tested against, and the fallback where neither the Vector API nor the
 * native library runs) sums without fused multiply-adds, so there the products round differently.
 * Stateless.
 */
final class RunTimeProduct {
    private RunTimeProduct() {
    }

    /**
     * {@code C[m, n] = A[m, k] x B[k, n]}: A row-major with row stride {@code lda}, B row-major with
     * row stride {@code ldb} read where it lies (no packing: each B is used once, by every row),
     * C with row stride {@code ldc}.
     */
    static void multiply(Gemm gemm, float[] a, int aOff, int lda, int m, int k, float[] b, int bOff, int ldb, int n,
            float[] c, int cOff, int ldc) {
        for (int i0 = 0; i0 < m; i0 += Gemm.ROW_BLOCK) {
            int rows = Math.min(Gemm.ROW_BLOCK, m - i0);
            int tiled = RowTiles.chained(rows);
            if (tiled > 0) {
                gemm.sgemmPlain(a, aOff + i0 * lda, lda, tiled, k, b, bOff, ldb, n, c, cOff + i0 * ldc, ldc);
            }
            if (tiled < rows) {
                FloatMatrix.multiply(a, aOff + (i0 + tiled) * lda, lda, b, bOff, ldb, c, cOff + (i0 + tiled) * ldc, ldc,
                        rows - tiled, k, n, false);
            }
        }
    }
}
