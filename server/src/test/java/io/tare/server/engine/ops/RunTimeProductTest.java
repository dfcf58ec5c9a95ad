package io.tare.server.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tare.kernels.gemm.Gemm;
import io.tare.server.engine.compute.Compute;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link RunTimeProduct}: every element is ONNX Runtime's k-order chain of fused multiply-adds,
 * also for row counts where the kernels' 64-row blocks would leave rows to their 1-row tile
 * (attention over more than 64 tokens), with row strides and offsets as the permuted MatMul uses
 * (B read where it lies, as attention's V is).
 */
class RunTimeProductTest {

    @Test
    void everyElementIsTheKOrderFmaChain() {
        Gemm gemm = Compute.forThreads(1).gemm();
        Random rnd = new Random(23);
        for (int m : new int[] {1, 2, 5, 8, 13, 14, 32, 62, 64, 70, 126, 128, 130}) {
            for (int[] kn : new int[][] {{32, 128}, {128, 32}, {7, 9}}) {
                int k = kn[0];
                int n = kn[1];
                int lda = k + 3;
                int ldc = n + 5;
                int ldb = n + 2;
                float[] a = new float[2 + m * lda];
                float[] b = new float[3 + k * ldb];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) rnd.nextGaussian();
                }
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) rnd.nextGaussian();
                }
                float[] c = new float[1 + m * ldc];
                RunTimeProduct.multiply(gemm, a, 2, lda, m, k, b, 3, ldb, n, c, 1, ldc);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        float want = 0f;
                        for (int p = 0; p < k; p++) {
                            want = Math.fma(a[2 + i * lda + p], b[3 + p * ldb + j], want);
                        }
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(c[1 + i * ldc + j]),
                                "m=" + m + " k=" + k + " n=" + n + " at (" + i + ", " + j + ")");
                    }
                }
            }
        }
    }
}
