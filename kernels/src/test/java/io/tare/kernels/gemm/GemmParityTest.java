package io.tare.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.kernels.Kernels;
import io.tare.kernels.Tiers;
import io.tare.kernels.pool.ComputePool;
import io.tare.kernels.quant.ActivationQuantizer;
import io.tare.kernels.quant.QuantizedRows;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.Int4Packing;
import io.tare.kernels.tensor.QuantParams;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GEMM family per tier against references: INT8 exactly against a direct triple loop over the
 * unpacked operands, FP32 within a tolerance that grows with k against a double-precision loop.
 */
class GemmParityTest {
    /** (m, k, n): tail sizes in each dimension, panel edges, K beyond the 512-step exact chunk. */
    static final int[][] SHAPES = {
            {1, 1, 1}, {1, 7, 13}, {7, 13, 16}, {13, 16, 31}, {4, 31, 64}, {5, 64, 127}, {3, 127, 7},
            {2, 1021, 17}, {1, 4096, 33}, {6, 4098, 16}, {64, 64, 64}, {65, 33, 1021}, {1, 768, 4098},
            // Native AVX2 row-blocked path (>= 10 rows): 6-row tiles and every remainder, K blocks of 256.
            {10, 257, 33}, {17, 600, 48}, {70, 516, 20},
    };

    static Stream<Kernels> tiers() {
        return Tiers.all();
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void sgemmWithinToleranceOfDoubleReference(Kernels tier) {
        Random rnd = new Random(3);
        Gemm gemm = new Gemm(tier, null);
        for (int[] s : SHAPES) {
            int m = s[0], k = s[1], n = s[2];
            float[] a = gaussian(rnd, m * k);
            float[] b = gaussian(rnd, k * n);
            for (boolean transposed : new boolean[] {false, true}) {
                float[] bIn = transposed ? transpose(b, k, n) : b;
                PackedFloatMatrix packed = gemm.packFloat(bIn, 0, k, n, transposed);
                float[] c = new float[m * (n + 1)];
                gemm.sgemm(a, 0, k, m, packed, c, 0, n + 1, Epilogue.NONE);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double ref = 0;
                        for (int kk = 0; kk < k; kk++) {
                            ref += (double) a[i * k + kk] * b[kk * n + j];
                        }
                        assertEquals(ref, c[i * (n + 1) + j], tolerance(k), tier.tier() + " " + m + "x" + k + "x" + n);
                    }
                    assertEquals(0f, c[i * (n + 1) + n], "column past n written");
                }
            }
        }
    }

    /**
     * B read where it lies, with a row stride wider than its columns and its last element the last
     * of its array (a tile reading a whole column group past n would fail), gives the bits of the
     * same tier's product over B packed, which the test above checks against the reference.
     */
    @ParameterizedTest
    @MethodSource("tiers")
    void sgemmPlainGivesThePackedProductsBits(Kernels tier) {
        Random rnd = new Random(31);
        for (int[] s : SHAPES) {
            int m = s[0], k = s[1], n = s[2];
            int lda = k + 2;
            int ldb = n + 3;
            int bOff = 5;
            float[] a = gaussian(rnd, m * lda);
            float[] b = gaussian(rnd, bOff + (k - 1) * ldb + n);
            float[] dense = new float[k * n];
            for (int kk = 0; kk < k; kk++) {
                System.arraycopy(b, bOff + kk * ldb, dense, kk * n, n);
            }
            PackedFloatMatrix packed = PackedFloatMatrix.pack(dense, 0, k, n, false, tier.floatPanelWidth());
            float[] expected = new float[m * n];
            tier.sgemm(a, 1, lda, m, packed, 0, packed.panels(), expected, 0, n);
            float[] c = new float[m * (n + 1)];
            tier.sgemmPlain(a, 1, lda, m, k, b, bOff, ldb, n, c, 0, n + 1);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(Float.floatToRawIntBits(expected[i * n + j]), Float.floatToRawIntBits(c[i * (n + 1) + j]),
                            tier.tier() + " " + m + "x" + k + "x" + n + " at " + i + "," + j);
                }
                assertEquals(0f, c[i * (n + 1) + n], "column past n written");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void int8ExactForEveryTypePairAndZeroPoint(Kernels tier) {
        Random rnd = new Random(4);
        Gemm gemm = new Gemm(tier, null);
        ActivationQuantizer quantizer = new ActivationQuantizer(tier);
        DType[][] pairs = {{DType.UINT8, DType.INT8}, {DType.INT8, DType.INT8}, {DType.UINT8, DType.UINT8},
                {DType.INT8, DType.UINT8}, {DType.UINT8, DType.INT4}};
        for (int[] s : SHAPES) {
            int m = s[0], k = s[1], n = s[2];
            for (DType[] pair : pairs) {
                DType ta = pair[0], tb = pair[1];
                byte[] a = randomQuantized(rnd, m * k, ta);
                byte[] b = randomQuantized(rnd, k * n, tb);
                int za = ta == DType.INT8 ? -128 : 255;
                int[] zb = new int[n];
                float[] sb = new float[n];
                for (int j = 0; j < n; j++) {
                    zb[j] = tb.qmin() + rnd.nextInt(tb.qmax() - tb.qmin() + 1);
                    sb[j] = 0.01f;
                }
                zb[0] = tb.qmax();
                QuantParams pb = QuantParams.perAxis(tb, 1, sb, zb);
                byte[] bStored = b;
                if (tb.bits() == 4) {
                    bStored = new byte[(k * n + 1) / 2];
                    Int4Packing.pack(b, 0, k * n, bStored, 0);
                }
                PackedInt8Matrix packed = gemm.packInt8(bStored, 0, k, n, false, pb);
                QuantizedRows rows = new QuantizedRows(m, k);
                quantizer.fromQuantized(a, 0, k, m, ta, new float[] {1f}, new int[] {za}, rows);
                int[] c = new int[m * n];
                gemm.int8Exact(rows, packed, c, 0, n);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        int ref = 0;
                        for (int kk = 0; kk < k; kk++) {
                            ref += (ta.fromByte(a[i * k + kk]) - za) * (value(tb, b[kk * n + j]) - zb[j]);
                        }
                        assertEquals(ref, c[i * n + j], tier.tier() + " " + ta + "x" + tb + " " + m + "x" + k + "x" + n);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void int8SaturationEdgesStayExactAtLongK(Kernels tier) {
        Gemm gemm = new Gemm(tier, null);
        // 3 rows take the native tier's direct path, 13 its row-blocked one.
        for (int m : new int[] {3, 13}) {
            saturationEdges(gemm, tier, m);
        }
    }

    private static void saturationEdges(Gemm gemm, Kernels tier, int m) {
        int k = 4098, n = 31;
        byte[] a = new byte[m * k];
        byte[] b = new byte[k * n];
        java.util.Arrays.fill(a, (byte) 255);
        java.util.Arrays.fill(b, (byte) -128);
        for (int i = 0; i < k; i += 7) {
            b[i] = 127;
        }
        PackedInt8Matrix packed = gemm.packInt8(b, 0, k, n, false, QuantParams.perTensor(DType.INT8, 1f, 0));
        QuantizedRows rows = new QuantizedRows(m, k);
        new ActivationQuantizer(tier).fromQuantized(a, 0, k, m, DType.UINT8, new float[] {1f}, new int[] {0}, rows);
        int[] c = new int[m * n];
        gemm.int8Exact(rows, packed, c, 0, n);
        for (int j = 0; j < n; j++) {
            long ref = 0;
            for (int kk = 0; kk < k; kk++) {
                ref += 255L * b[kk * n + j];
            }
            for (int i = 0; i < m; i++) {
                assertEquals(ref, c[i * n + j], tier.tier() + " row " + i + " column " + j);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void epiloguesMatchScalarTier(Kernels tier) {
        Random rnd = new Random(5);
        Kernels ref = Tiers.scalar();
        for (int[] s : SHAPES) {
            int m = s[0], k = s[1], n = s[2];
            float[] x = gaussian(rnd, m * k);
            float[] w = gaussian(rnd, k * n);
            float[] bias = gaussian(rnd, n);
            for (Activation act : Activation.values()) {
                Epilogue ep = Epilogue.of(bias, act);
                float[] want = int8Float(ref, x, w, m, k, n, ep);
                float[] got = int8Float(tier, x, w, m, k, n, ep);
                QuantParams out = QuantParams.perTensor(DType.INT8, 0.05f, 3);
                byte[] wantQ = int8Requant(ref, x, w, m, k, n, ep.withRequantization(out));
                byte[] gotQ = int8Requant(tier, x, w, m, k, n, ep.withRequantization(out));
                if (act != Activation.GELU) {
                    // Same exact integers, same epilogue code: equal bit for bit.
                    assertArrayEquals(want, got, 0f, tier.tier() + " int8+" + act);
                    assertArrayEquals(wantQ, gotQ, tier.tier() + " requant " + act);
                } else {
                    // GELU is the tier's own vectorized one: within its documented relative error,
                    // and a requantized value may then round to the neighbouring step.
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], 2e-6f * Math.abs(want[i]) + 1e-30f, tier.tier() + " int8+GELU");
                        assertTrue(Math.abs(wantQ[i] - gotQ[i]) <= 1, tier.tier() + " requant GELU");
                    }
                }

                float[] wantW = w8a32(ref, x, w, m, k, n, ep);
                float[] gotW = w8a32(tier, x, w, m, k, n, ep);
                for (int i = 0; i < wantW.length; i++) {
                    assertEquals(wantW[i], gotW[i], tolerance(k) * 0.05f, tier.tier() + " w8a32+" + act);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void dynamicInt8TracksFp32(Kernels tier) {
        Random rnd = new Random(6);
        int m = 8, k = 768, n = 96;
        float[] x = gaussian(rnd, m * k);
        float[] w = gaussian(rnd, k * n);
        Gemm gemm = new Gemm(tier, null);
        float[] exact = new float[m * n];
        gemm.sgemm(x, 0, k, m, gemm.packFloat(w, 0, k, n, false), exact, 0, n, Epilogue.NONE);
        float[] q = int8Float(tier, x, w, m, k, n, Epilogue.NONE);
        double err = 0, norm = 0;
        for (int i = 0; i < exact.length; i++) {
            err += (q[i] - exact[i]) * (q[i] - exact[i]);
            norm += exact[i] * exact[i];
        }
        assertTrue(Math.sqrt(err / norm) < 0.02, "relative error " + Math.sqrt(err / norm));
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void twoThreadsGiveTheSameBits(Kernels tier) {
        Random rnd = new Random(7);
        int m = 9, k = 300, n = 517;
        float[] x = gaussian(rnd, m * k);
        float[] w = gaussian(rnd, k * n);
        try (ComputePool pool = new ComputePool(2, true)) {
            Gemm one = new Gemm(tier, null);
            Gemm two = new Gemm(tier, pool);
            PackedFloatMatrix pf = one.packFloat(w, 0, k, n, false);
            float[] c1 = new float[m * n];
            float[] c2 = new float[m * n];
            one.sgemm(x, 0, k, m, pf, c1, 0, n, Epilogue.of(null, Activation.RELU));
            two.sgemm(x, 0, k, m, pf, c2, 0, n, Epilogue.of(null, Activation.RELU));
            assertArrayEquals(c1, c2, 0f);
            // B where it lies: column groups split over the workers, from an offset, with a row stride wider
            // than n (517, not a multiple of the panel width) and more rows than one block
            int mp = Gemm.ROW_BLOCK + 7;
            float[] xp = gaussian(rnd, mp * k);
            float[] wp = gaussian(rnd, 3 + k * (n + 4));
            float[] p1 = new float[mp * n];
            float[] p2 = new float[mp * n];
            one.sgemmPlain(xp, 0, k, mp, k, wp, 3, n + 4, n, p1, 0, n);
            two.sgemmPlain(xp, 0, k, mp, k, wp, 3, n + 4, n, p2, 0, n);
            assertArrayEquals(p1, p2, 0f);
            PackedInt8Matrix pq = one.quantizeWeights(w, 0, k, n, false);
            QuantizedRows rows = new QuantizedRows(m, k);
            new ActivationQuantizer(tier).perRow(x, 0, k, m, rows);
            int[] i1 = new int[m * n];
            int[] i2 = new int[m * n];
            one.int8Exact(rows, pq, i1, 0, n);
            two.int8Exact(rows, pq, i2, 0, n);
            assertArrayEquals(i1, i2);
            // Dequantized output with an int32 bias and a ReLU, at an offset and a wider row stride:
            // the native tier's fused path writes straight into C, so C's placement matters.
            int[] bias32 = new int[n];
            for (int j = 0; j < n; j++) {
                bias32[j] = rnd.nextInt(2001) - 1000;
            }
            Epilogue ep = Epilogue.of(null, Activation.RELU).withInt32Bias(bias32);
            one.int8(rows, pq, c1, 0, n, ep);
            int off = 3;
            int ldc = n + 5;
            float[] wide = new float[off + m * ldc];
            java.util.Arrays.fill(wide, -7f);
            two.int8(rows, pq, wide, off, ldc, ep);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < ldc; j++) {
                    float want = j < n ? c1[i * n + j] : -7f;
                    assertEquals(want, wide[off + i * ldc + j], 0f, "row " + i + " column " + j);
                }
            }
            assertEquals(-7f, wide[0], 0f);
            one.w8a32(x, 0, k, m, pq, c1, 0, n, Epilogue.NONE);
            two.w8a32(x, 0, k, m, pq, c2, 0, n, Epilogue.NONE);
            assertArrayEquals(c1, c2, 0f);
        }
    }

    private static float[] int8Float(Kernels tier, float[] x, float[] w, int m, int k, int n, Epilogue ep) {
        Gemm gemm = new Gemm(tier, null);
        PackedInt8Matrix packed = gemm.quantizeWeights(w, 0, k, n, false);
        QuantizedRows rows = new QuantizedRows(m, k);
        new ActivationQuantizer(tier).perRow(x, 0, k, m, rows);
        float[] c = new float[m * n];
        gemm.int8(rows, packed, c, 0, n, ep);
        return c;
    }

    private static byte[] int8Requant(Kernels tier, float[] x, float[] w, int m, int k, int n, Epilogue ep) {
        Gemm gemm = new Gemm(tier, null);
        PackedInt8Matrix packed = gemm.quantizeWeights(w, 0, k, n, false);
        QuantizedRows rows = new QuantizedRows(m, k);
        new ActivationQuantizer(tier).perTensor(x, 0, k, m, rows);
        byte[] c = new byte[m * n];
        gemm.int8Requantize(rows, packed, c, 0, n, ep);
        return c;
    }

    private static float[] w8a32(Kernels tier, float[] x, float[] w, int m, int k, int n, Epilogue ep) {
        Gemm gemm = new Gemm(tier, null);
        // Asymmetric UINT8 weights exercise the zero-point correction of W8A32.
        byte[] q = new byte[k * n];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) Math.max(0, Math.min(255, Math.round(w[i] * 40f) + 120));
        }
        float[] scales = new float[n];
        int[] zps = new int[n];
        for (int j = 0; j < n; j++) {
            scales[j] = 0.025f;
            zps[j] = 120 + (j % 5);
        }
        PackedInt8Matrix packed = gemm.packInt8(q, 0, k, n, false, QuantParams.perAxis(DType.UINT8, 1, scales, zps));
        float[] c = new float[m * n];
        gemm.w8a32(x, 0, k, m, packed, c, 0, n, ep);
        return c;
    }

    static float tolerance(int k) {
        return 1e-5f * k + 1e-5f;
    }

    static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static float[] transpose(float[] b, int k, int n) {
        float[] t = new float[k * n];
        for (int kk = 0; kk < k; kk++) {
            for (int j = 0; j < n; j++) {
                t[j * k + kk] = b[kk * n + j];
            }
        }
        return t;
    }

    private static byte[] randomQuantized(Random rnd, int count, DType t) {
        byte[] v = new byte[count];
        for (int i = 0; i < count; i++) {
            int r = rnd.nextInt(8);
            // Saturation edges are over-represented: qmin, qmax, 0.
            int x = r == 0 ? t.qmin() : r == 1 ? t.qmax() : r == 2 ? 0 : t.qmin() + rnd.nextInt(t.qmax() - t.qmin() + 1);
            v[i] = (byte) x;
        }
        return v;
    }

    private static int value(DType t, byte b) {
        return switch (t) {
            case INT8, INT4 -> b;
            case UINT8 -> b & 0xFF;
            default -> throw new IllegalArgumentException();
        };
    }
}
