package io.tare.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.kernels.Kernels;
import io.tare.kernels.Tiers;
import io.tare.kernels.quant.ActivationQuantizer;
import io.tare.kernels.quant.QuantizedRows;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.Int4Packing;
import io.tare.kernels.tensor.QuantParams;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Weights that {@link PackedInt8Matrix#fitsSevenBits() fit seven bits}, which the native AVX2 tier
 * multiplies with VPMADDUBSW (int16 pair sums, exact only when every weight lies in [-64, 63]):
 * every tier bit-identical to the exact reference at tail sizes in m, k and n, at the saturation
 * edges, through the fused epilogue (int32 and dequantized float with bias and activation) and the
 * requantizing one; and matrices just outside the range (-65, 64) must not take that kernel.
 */
class SevenBitWeightsTest {
    /** GemmParityTest's shapes (every tail size in m, k and n) plus 8 rows (two 4-row tiles) and 9, 10. */
    private static final int[][] SHAPES = java.util.stream.Stream.concat(Arrays.stream(GemmParityTest.SHAPES),
            Stream.of(new int[] {8, 768, 48}, new int[] {9, 257, 33}, new int[] {10, 600, 20})).toArray(int[][]::new);

    static Stream<Kernels> tiers() {
        return Tiers.all();
    }

    /** Only the tier that has the VPMADDUBSW kernel asks for 7-bit weights: elsewhere they cost accuracy for nothing. */
    @ParameterizedTest
    @MethodSource("tiers")
    void onlyNativeAvx2FavoursSevenBitWeights(Kernels tier) {
        boolean avx2 = tier instanceof io.tare.kernels.foreign.NativeKernels nk && nk.isa().equals("avx2");
        assertEquals(avx2, tier.favoursSevenBitWeights(), tier.description());
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void exactForEveryActivationTypeAndSevenBitWeightType(Kernels tier) {
        Random rnd = new Random(41);
        Gemm gemm = new Gemm(tier, null);
        ActivationQuantizer quantizer = new ActivationQuantizer(tier);
        // weights: INT8 in [-64, 63], UINT8 in [64, 191] (stored shifted by -128), INT4 (always 7 bits)
        DType[] weightTypes = {DType.INT8, DType.UINT8, DType.INT4};
        for (int[] s : SHAPES) {
            int m = s[0], k = s[1], n = s[2];
            for (DType ta : new DType[] {DType.UINT8, DType.INT8}) {
                for (DType tb : weightTypes) {
                    byte[] a = edgeActivations(rnd, m * k, ta);
                    int[] bValues = sevenBitWeights(rnd, k * n, tb);
                    int za = ta.qmin() + rnd.nextInt(ta.qmax() - ta.qmin() + 1);
                    int[] zb = new int[n];
                    float[] sb = new float[n];
                    for (int j = 0; j < n; j++) {
                        zb[j] = tb == DType.INT4 ? rnd.nextInt(16) - 8 : bLow(tb) + rnd.nextInt(128);
                        sb[j] = 0.01f;
                    }
                    PackedInt8Matrix packed = gemm.packInt8(stored(bValues, tb), 0, k, n, false,
                            QuantParams.perAxis(tb, 1, sb, zb));
                    assertTrue(packed.fitsSevenBits(), tb + " weights in range");
                    QuantizedRows rows = new QuantizedRows(m, k);
                    quantizer.fromQuantized(a, 0, k, m, ta, new float[] {1f}, new int[] {za}, rows);
                    int[] c = new int[m * n];
                    gemm.int8Exact(rows, packed, c, 0, n);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            int ref = 0;
                            for (int kk = 0; kk < k; kk++) {
                                ref += (ta.fromByte(a[i * k + kk]) - za) * (bValues[kk * n + j] - zb[j]);
                            }
                            assertEquals(ref, c[i * n + j], tier.tier() + " " + ta + "x" + tb + " " + m + "x" + k + "x"
                                    + n + " at " + i + "," + j);
                        }
                    }
                }
            }
        }
    }

    /** A at 0 and 255 (UINT8) or -128 and 127 (INT8) against weights at -64 and 63, k past 4096. */
    @ParameterizedTest
    @MethodSource("tiers")
    void saturationEdgesStayExact(Kernels tier) {
        Gemm gemm = new Gemm(tier, null);
        int k = 4098, n = 31;
        for (int m : new int[] {1, 3, 4, 13}) {
            for (DType ta : new DType[] {DType.UINT8, DType.INT8}) {
                for (int pattern = 0; pattern < 3; pattern++) {
                    byte[] a = new byte[m * k];
                    Arrays.fill(a, (byte) ta.qmax());
                    if (pattern == 2) {
                        for (int i = 0; i < a.length; i += 3) {
                            a[i] = (byte) ta.qmin();
                        }
                    }
                    int[] b = new int[k * n];
                    for (int i = 0; i < b.length; i++) {
                        // pattern 0: all -64, 1: all 63, 2: runs of both
                        b[i] = pattern == 0 ? -64 : pattern == 1 ? 63 : (i / 5) % 2 == 0 ? -64 : 63;
                    }
                    checkExact(gemm, tier, a, ta, b, m, k, n, true);
                }
            }
        }
    }

    /**
     * A weight of -65 next to another one makes 255 * -65 * 2 = -33150, which VPMADDUBSW saturates to
     * -32768: a matrix holding it must not be marked seven-bit, and its products must stay exact. 64 is
     * outside seven bits too, though no pair with it alone can saturate (255 * 128 = 32640): checked
     * by the mark. -64 and 63 are inside.
     */
    @ParameterizedTest
    @MethodSource("tiers")
    void weightsJustOutsideSevenBitsTakeTheExactKernel(Kernels tier) {
        Gemm gemm = new Gemm(tier, null);
        int k = 256, n = 16;
        for (int m : new int[] {2, 13}) {
            byte[] a = new byte[m * k];
            Arrays.fill(a, (byte) 255);
            for (int outside : new int[] {-65, 64, -128, 127}) {
                int[] b = new int[k * n];
                Arrays.fill(b, outside == 64 ? 63 : -64);
                for (int kk = 0; kk < k; kk++) {
                    b[kk * n + 5] = outside;
                }
                checkExact(gemm, tier, a, DType.UINT8, b, m, k, n, false);
            }
        }
        // the data above does saturate a VPMADDUBSW pair (so a wrong mark would change the result)
        assertNotEquals(255 * -65 * 2, saturatedPair(255, -65, 255, -65));
        assertEquals(255 * 64 * 2, saturatedPair(255, 64, 255, 64));
    }

    @Test
    void markIsSetExactlyForStoredValuesInMinus64To63() {
        Gemm gemm = new Gemm(Tiers.scalar(), null);
        int[][] cases = {{-64, 63, 1}, {-65, 0, 0}, {0, 64, 0}, {-64, 0, 1}, {0, 63, 1}, {-128, 127, 0}};
        for (int[] c : cases) {
            byte[] b = {(byte) c[0], 0, (byte) c[1], 5};
            PackedInt8Matrix p = gemm.packInt8(b, 0, 2, 2, false, QuantParams.perTensor(DType.INT8, 1f, 0));
            assertEquals(c[2] == 1, p.fitsSevenBits(), c[0] + ".." + c[1]);
            assertEquals(p.fitsSevenBits(), p.copy().fitsSevenBits());
        }
        // UINT8 is stored shifted by -128: 64..191 fit, 63 and 192 do not
        QuantParams u8 = QuantParams.perTensor(DType.UINT8, 1f, 128);
        assertTrue(gemm.packInt8(new byte[] {64, (byte) 191}, 0, 1, 2, false, u8).fitsSevenBits());
        assertFalse(gemm.packInt8(new byte[] {63, (byte) 191}, 0, 1, 2, false, u8).fitsSevenBits());
        assertFalse(gemm.packInt8(new byte[] {64, (byte) 192}, 0, 1, 2, false, u8).fitsSevenBits());
        // 7-bit quantization lands in [-63, 63]; 8-bit uses the whole range
        float[] w = {-2f, 1f, 0.5f, 2f, -0.25f, 0f};
        assertTrue(gemm.quantizeWeights(w, 0, 3, 2, false, 7).fitsSevenBits());
        assertFalse(gemm.quantizeWeights(w, 0, 3, 2, false, 8).fitsSevenBits());
        assertEquals(-63, gemm.quantizeWeights(w, 0, 3, 2, false, 7).value(0, 0));
        assertEquals(2f / 63, gemm.quantizeWeights(w, 0, 3, 2, false, 7).scale(0));
    }

    /**
     * The fused epilogue (dequantized float with an int32 bias and every activation, and int32) and
     * the requantizing GEMM with 7-bit weights from FP32, per-row and per-tensor activations: equal to
     * the scalar tier bit for bit (GELU within its documented error, as in GemmParityTest).
     */
    @ParameterizedTest
    @MethodSource("tiers")
    void epiloguesOnSevenBitWeightsMatchScalarTier(Kernels tier) {
        Random rnd = new Random(43);
        Kernels ref = Tiers.scalar();
        for (int[] s : SHAPES) {
            int m = s[0], k = s[1], n = s[2];
            float[] x = GemmParityTest.gaussian(rnd, m * k);
            float[] w = GemmParityTest.gaussian(rnd, k * n);
            int[] bias32 = new int[n];
            for (int j = 0; j < n; j++) {
                bias32[j] = rnd.nextInt(2001) - 1000;
            }
            for (Activation act : Activation.values()) {
                Epilogue ep = Epilogue.of(null, act).withInt32Bias(bias32);
                float[] want = dequantized(ref, x, w, m, k, n, ep);
                float[] got = dequantized(tier, x, w, m, k, n, ep);
                Epilogue requant = Epilogue.of(null, act).withRequantization(QuantParams.perTensor(DType.INT8, 0.05f, 3));
                byte[] wantQ = requantized(ref, x, w, m, k, n, requant);
                byte[] gotQ = requantized(tier, x, w, m, k, n, requant);
                if (act != Activation.GELU) {
                    assertArrayEquals(want, got, 0f, tier.tier() + " " + act + " " + m + "x" + k + "x" + n);
                    assertArrayEquals(wantQ, gotQ, tier.tier() + " requant " + act);
                } else {
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], 2e-6f * Math.abs(want[i]) + 1e-30f, tier.tier() + " GELU");
                        assertTrue(Math.abs(wantQ[i] - gotQ[i]) <= 1, tier.tier() + " requant GELU");
                    }
                }
            }
            int[] wantI = exactInt(ref, x, w, m, k, n);
            assertArrayEquals(wantI, exactInt(tier, x, w, m, k, n), tier.tier() + " int32 " + m + "x" + k + "x" + n);
        }
    }

    private static void checkExact(Gemm gemm, Kernels tier, byte[] a, DType ta, int[] b, int m, int k, int n,
            boolean sevenBits) {
        PackedInt8Matrix packed = gemm.packInt8(stored(b, DType.INT8), 0, k, n, false,
                QuantParams.perTensor(DType.INT8, 1f, 0));
        assertEquals(sevenBits, packed.fitsSevenBits());
        QuantizedRows rows = new QuantizedRows(m, k);
        new ActivationQuantizer(tier).fromQuantized(a, 0, k, m, ta, new float[] {1f}, new int[] {0}, rows);
        int[] c = new int[m * n];
        gemm.int8Exact(rows, packed, c, 0, n);
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                long ref = 0;
                for (int kk = 0; kk < k; kk++) {
                    ref += (long) ta.fromByte(a[i * k + kk]) * b[kk * n + j];
                }
                assertEquals(ref, c[i * n + j], tier.tier() + " " + ta + " m " + m + " row " + i + " column " + j);
            }
        }
    }

    /** VPMADDUBSW's lane: a0 * b0 + a1 * b1 saturated to int16. */
    private static int saturatedPair(int a0, int b0, int a1, int b1) {
        return Math.clamp(a0 * b0 + a1 * b1, Short.MIN_VALUE, Short.MAX_VALUE);
    }

    private static float[] dequantized(Kernels tier, float[] x, float[] w, int m, int k, int n, Epilogue ep) {
        float[] c = new float[m * n];
        new Gemm(tier, null).int8(rows(tier, x, m, k, true), packedSevenBits(tier, w, k, n), c, 0, n, ep);
        return c;
    }

    private static byte[] requantized(Kernels tier, float[] x, float[] w, int m, int k, int n, Epilogue ep) {
        byte[] c = new byte[m * n];
        new Gemm(tier, null).int8Requantize(rows(tier, x, m, k, false), packedSevenBits(tier, w, k, n), c, 0, n, ep);
        return c;
    }

    private static int[] exactInt(Kernels tier, float[] x, float[] w, int m, int k, int n) {
        int[] c = new int[m * n];
        new Gemm(tier, null).int8Exact(rows(tier, x, m, k, false), packedSevenBits(tier, w, k, n), c, 0, n);
        return c;
    }

    private static PackedInt8Matrix packedSevenBits(Kernels tier, float[] w, int k, int n) {
        return new Gemm(tier, null).quantizeWeights(w, 0, k, n, false, 7);
    }

    private static QuantizedRows rows(Kernels tier, float[] x, int m, int k, boolean perRow) {
        QuantizedRows rows = new QuantizedRows(m, k);
        if (perRow) {
            new ActivationQuantizer(tier).perRow(x, 0, k, m, rows);
        } else {
            new ActivationQuantizer(tier).perTensor(x, 0, k, m, rows);
        }
        return rows;
    }

    /** Activations with their type's bounds over-represented. */
    private static byte[] edgeActivations(Random rnd, int count, DType t) {
        byte[] v = new byte[count];
        for (int i = 0; i < count; i++) {
            int r = rnd.nextInt(4);
            v[i] = (byte) (r == 0 ? t.qmin() : r == 1 ? t.qmax() : t.qmin() + rnd.nextInt(t.qmax() - t.qmin() + 1));
        }
        return v;
    }

    /** Lowest 7-bit value of a weight type: INT8 -64, UINT8 64 (128 - 64). */
    private static int bLow(DType t) {
        return t == DType.UINT8 ? 64 : -64;
    }

    /** Weight values (not stored bytes) inside seven bits of the type, bounds over-represented. */
    private static int[] sevenBitWeights(Random rnd, int count, DType t) {
        int lo = t == DType.INT4 ? -8 : bLow(t);
        int hi = t == DType.INT4 ? 7 : bLow(t) + 127;
        int[] v = new int[count];
        for (int i = 0; i < count; i++) {
            int r = rnd.nextInt(4);
            v[i] = r == 0 ? lo : r == 1 ? hi : lo + rnd.nextInt(hi - lo + 1);
        }
        return v;
    }

    /** The bytes a weight tensor of type {@code t} holds for {@code values} (INT4 packed two a byte). */
    private static byte[] stored(int[] values, DType t) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        if (t.bits() != 4) {
            return b;
        }
        byte[] packed = new byte[(values.length + 1) / 2];
        Int4Packing.pack(b, 0, values.length, packed, 0);
        return packed;
    }
}
