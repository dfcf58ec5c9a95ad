package io.tare.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tare.kernels.KernelProvider;
import io.tare.kernels.KernelTier;
import io.tare.kernels.gemm.PackedFloatMatrix;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API SGEMM's row tiles (6, 4 and 2 rows) sum each element as one fused multiply-add
 * chain in k order, bit for bit (what the engine's ONNX Runtime parity for attention relies on),
 * whichever of them a row count and the vector width pick; only the last rows of the 6/4 tiling
 * (m % 6 % 4 of them, none when m % 6 == 2 and m >= 8) go to the 1-row tile, whose sums differ.
 */
class SgemmChainTest {
    @Test
    void tiledRowsAreOneFmaChainInKOrder() {
        assumeTrue(KernelProvider.tier(KernelTier.SIMD).isPresent(), "no Vector API tier here");
        SimdKernels simd = (SimdKernels) KernelProvider.tier(KernelTier.SIMD).orElseThrow();
        Random rnd = new Random(21);
        int k = 37;
        int n = 40; // a partial last panel
        for (int m : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 18, 20, 22, 26, 64, 70, 131}) {
            float[] a = new float[m * k];
            float[] b = new float[k * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) rnd.nextGaussian();
            }
            PackedFloatMatrix packed = PackedFloatMatrix.pack(b, 0, k, n, false, simd.floatPanelWidth());
            float[] c = new float[m * n];
            simd.sgemm(a, 0, k, m, packed, 0, packed.panels(), c, 0, n);
            int untiled = m % 6 == 2 && m >= 8 ? 0 : m % 6 % 4;
            for (int i = 0; i < m - untiled; i++) {
                for (int j = 0; j < n; j++) {
                    float chain = 0f;
                    for (int kk = 0; kk < k; kk++) {
                        chain = Math.fma(a[i * k + kk], b[kk * n + j], chain);
                    }
                    assertEquals(Float.floatToRawIntBits(chain), Float.floatToRawIntBits(c[i * n + j]),
                            "m=" + m + " row " + i + " column " + j);
                }
            }
        }
    }
}
