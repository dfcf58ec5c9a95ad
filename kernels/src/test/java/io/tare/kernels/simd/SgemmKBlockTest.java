package io.tare.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tare.kernels.KernelProvider;
import io.tare.kernels.KernelTier;
import io.tare.kernels.gemm.PackedFloatMatrix;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API SGEMM with K blocks ({@code -Dtare.kernels.sgemmKc}, off by default, so the
 * parity suite does not reach it): every block size, row remainder (6-, 4- and 1-row tiles, 8 rows
 * as 4 + 4) and a partial last panel, against a double-precision reference within the parity
 * suite's tolerance and bit for bit against the unblocked call (a later block continues each
 * element's FMA chain from C, in k order, which the engine's ONNX Runtime parity relies on);
 * columns past n stay untouched.
 */
class SgemmKBlockTest {
    @Test
    void blockedMatchesDoubleReference() {
        assumeTrue(KernelProvider.tier(KernelTier.SIMD).isPresent(), "no Vector API tier here");
        SimdKernels simd = (SimdKernels) KernelProvider.tier(KernelTier.SIMD).orElseThrow();
        Random rnd = new Random(11);
        int[][] shapes = {{1, 300, 20}, {2, 129, 40}, {5, 64, 33}, {8, 300, 64}, {13, 257, 17}, {14, 513, 100}};
        for (int[] s : shapes) {
            int m = s[0], k = s[1], n = s[2];
            float[] a = new float[m * k];
            float[] b = new float[k * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) rnd.nextGaussian();
            }
            PackedFloatMatrix packed = PackedFloatMatrix.pack(b, 0, k, n, false, simd.floatPanelWidth());
            int ldc = n + 3;
            float[] unblocked = new float[m * ldc];
            simd.sgemm(a, 0, k, m, packed, 0, packed.panels(), unblocked, 0, ldc, 0);
            for (int kBlock : new int[] {0, 1, 7, 64, 128, 256}) {
                float[] c = new float[m * ldc];
                java.util.Arrays.fill(c, Float.NaN);
                simd.sgemm(a, 0, k, m, packed, 0, packed.panels(), c, 0, ldc, kBlock);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double ref = 0;
                        for (int kk = 0; kk < k; kk++) {
                            ref += (double) a[i * k + kk] * b[kk * n + j];
                        }
                        assertEquals(ref, c[i * ldc + j], 1e-5 * k + 1e-5, m + "x" + k + "x" + n + " kc=" + kBlock);
                        assertEquals(Float.floatToRawIntBits(unblocked[i * ldc + j]),
                                Float.floatToRawIntBits(c[i * ldc + j]), "bits differ from unblocked, kc=" + kBlock);
                    }
                    for (int j = n; j < ldc; j++) {
                        assertEquals(Float.NaN, c[i * ldc + j], "column " + j + " written, kc=" + kBlock);
                    }
                }
            }
        }
    }
}
