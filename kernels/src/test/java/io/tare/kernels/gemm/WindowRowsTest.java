package io.tare.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tare.kernels.Kernels;
import io.tare.kernels.Tiers;
import io.tare.kernels.pool.ComputePool;
import io.tare.kernels.quant.ActivationQuantizer;
import io.tare.kernels.quant.QuantizedRows;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Implicit im2col: {@link Kernels#gatherRows} of every tier against the scalar reference (run lengths
 * below, at and past the 16-byte moves of the native copy, pad bytes zeroed over garbage), and
 * {@link Gemm}'s window-row INT8 GEMMs against the same GEMMs over the stored rows, byte for byte:
 * convolution-shaped windows (3x3 and 1x1, stride 1 and 2) over more rows than a row block, widths
 * of one panel to more than a column block, symmetric and asymmetric weights (row sums), on the
 * caller alone and on two workers.
 */
class WindowRowsTest {
    static Stream<Kernels> tiers() {
        return Tiers.all();
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void gatherRowsMatchesScalar(Kernels tier) {
        Random rnd = new Random(71);
        Kernels ref = Tiers.scalar();
        for (int kh : new int[] {1, 2, 3}) {
            for (int run : new int[] {1, 3, 7, 15, 16, 17, 31, 32, 48, 96, 100, 192}) {
                for (int m : new int[] {1, 7, 64, 130}) {
                    byte[] src = new byte[4096 + 200];
                    rnd.nextBytes(src);
                    int srcOff = rnd.nextInt(50);
                    int[] offsets = new int[3 + m * kh];
                    int offOff = 3;
                    for (int i = offOff; i < offsets.length; i++) {
                        offsets[i] = rnd.nextInt(src.length - srcOff - run + 1);
                    }
                    // the last run may end exactly at the end of src
                    offsets[offsets.length - 1] = src.length - srcOff - run;
                    int k = kh * run;
                    for (int ldd : new int[] {k, PackedInt8Matrix.padK(k), k + 13}) {
                        byte[] want = new byte[5 + m * ldd];
                        byte[] got = new byte[5 + m * ldd];
                        rnd.nextBytes(want);
                        System.arraycopy(want, 0, got, 0, want.length);
                        ref.gatherRows(src, srcOff, offsets, offOff, kh, run, m, want, 5, ldd);
                        tier.gatherRows(src, srcOff, offsets, offOff, kh, run, m, got, 5, ldd);
                        assertArrayEquals(want, got, tier.tier() + " kh " + kh + " run " + run + " m " + m + " ldd " + ldd);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void int8WindowsEqualsGatheredThenInt8(Kernels tier) {
        Random rnd = new Random(73);
        Kernels ref = Tiers.scalar();
        Gemm gemm = new Gemm(tier, null);
        Gemm refGemm = new Gemm(ref, null);
        // (kh, run): runs that are and are not multiples of 16, k across the native 256-byte K blocks
        // (a block edge inside a window row), k not a multiple of 4 (pad bytes), and short runs of whole
        // 4-byte groups (one window row of 8 bytes, three of 4 and of 12)
        int[][] windows = {{3, 3}, {3, 48}, {3, 17}, {3, 100}, {1, 130}, {2, 257}, {3, 192}, {3, 5}, {1, 8}, {3, 4},
            {3, 12}};
        for (int[] wv : windows) {
            int kh = wv[0], run = wv[1], k = kh * run;
            for (int m : new int[] {1, 9, 10, 13, 64, 70}) {
                for (int n : new int[] {16, 17, 33, 48}) {
                    // n of 17 and 48: weights in [-64, 63], for the native AVX2 tier's VPMADDUBSW kernel,
                    // which reads runs of whole 4-byte groups (48, 100, 192) in place and gathers the others
                    boolean sevenBits = n == 17 || n == 48;
                    byte[] src = new byte[3000 + run];
                    rnd.nextBytes(src);
                    int rowFrom = 2;
                    int[] offsets = new int[(rowFrom + m) * kh];
                    for (int i = 0; i < offsets.length; i++) {
                        offsets[i] = rnd.nextInt(3000 - 9);
                    }
                    byte[] b = new byte[k * n];
                    rnd.nextBytes(b);
                    if (sevenBits) {
                        for (int i = 0; i < b.length; i++) {
                            b[i] = (byte) (b[i] >> 1);
                        }
                        b[0] = -64;
                        b[b.length - 1] = 63;
                    }
                    QuantParams pb = QuantParams.perTensor(DType.INT8, 1f, 0);
                    PackedInt8Matrix packed = gemm.packInt8(b, 0, k, n, false, pb);
                    org.junit.jupiter.api.Assertions.assertEquals(sevenBits, packed.fitsSevenBits());
                    PackedInt8Matrix refPacked = refGemm.packInt8(b, 0, k, n, false, pb);
                    int kp = packed.kPadded();
                    byte[] rows = new byte[m * kp];
                    ref.gatherRows(src, 9, offsets, rowFrom * kh, kh, run, m, rows, 0, kp);
                    int[] want = new int[m * n];
                    ref.int8(rows, 0, kp, m, refPacked, 0, refPacked.panels(), want, 0, n);
                    int[] got = new int[m * n];
                    byte[] work = new byte[m * kp];
                    rnd.nextBytes(work);
                    tier.int8Windows(new WindowRows(src, 9, offsets, kh, run), rowFrom, m, work, packed, 0,
                            packed.panels(), got, 0, n);
                    assertArrayEquals(want, got, tier.tier() + " kh " + kh + " run " + run + " m " + m + " n " + n);
                }
            }
        }
    }

    /**
     * The native AVX2 kernel that reads window rows in place from a widened copy of the bytes they
     * cover (k <= 1024 with odd runs padded by one, covered span <= 16384 bytes) against gathered rows on
     * the scalar tier: every remainder of its 6-row tiles, several panels with a partial last one,
     * k up to and just past its limit, spans past its limit (the fallback), and the saturation edges
     * (A all 255 or 0 against B all -128 or 127). Every tier runs the same cases.
     */
    @ParameterizedTest
    @MethodSource("tiers")
    void int8WindowsInPlaceMatchesScalarAtEdges(Kernels tier) {
        Random rnd = new Random(79);
        Kernels ref = Tiers.scalar();
        Gemm gemm = new Gemm(tier, null);
        Gemm refGemm = new Gemm(ref, null);
        // (kh, run): conv-shaped runs, 1x1 runs, k = 1020 (in place) and 1032 (past WIN_MAX_K); runs that
        // are not whole k groups (a first layer's 3 x 1 channel, odd runs padded by one, a run of 1)
        int[][] windows = {{3, 48}, {1, 16}, {3, 4}, {2, 96}, {3, 192}, {3, 340}, {3, 344}, {3, 3}, {3, 5}, {2, 10},
                {1, 1}, {3, 341}};
        int[][] fills = {{-1, -1}, {255, -128}, {255, 127}, {0, 127}};
        for (int[] wv : windows) {
            int kh = wv[0], run = wv[1], k = kh * run;
            for (int m : new int[] {10, 11, 12, 13, 14, 15, 64, 130}) {
                for (int n : new int[] {16, 49}) {
                    for (int span : new int[] {3000, 40000}) {
                        int[] fill = fills[(m + n + span) % fills.length];
                        byte[] src = new byte[span + run];
                        rnd.nextBytes(src);
                        if (fill[0] >= 0) {
                            java.util.Arrays.fill(src, (byte) fill[0]);
                        }
                        int[] offsets = new int[m * kh];
                        for (int i = 0; i < offsets.length; i++) {
                            offsets[i] = rnd.nextInt(span - 9);
                        }
                        offsets[offsets.length - 1] = span - 9; // the last run ends at the end of src
                        byte[] b = new byte[k * n];
                        rnd.nextBytes(b);
                        if (fill[0] >= 0) {
                            java.util.Arrays.fill(b, (byte) fill[1]);
                        }
                        QuantParams pb = QuantParams.perTensor(DType.INT8, 1f, 0);
                        PackedInt8Matrix packed = gemm.packInt8(b, 0, k, n, false, pb);
                        PackedInt8Matrix refPacked = refGemm.packInt8(b, 0, k, n, false, pb);
                        int kp = packed.kPadded();
                        byte[] rows = new byte[m * kp];
                        ref.gatherRows(src, 9, offsets, 0, kh, run, m, rows, 0, kp);
                        int[] want = new int[m * n];
                        ref.int8(rows, 0, kp, m, refPacked, 0, refPacked.panels(), want, 0, n);
                        int[] got = new int[m * n + 3];
                        java.util.Arrays.fill(got, 0x5a5a5a5a);
                        tier.int8Windows(new WindowRows(src, 9, offsets, kh, run), 0, m, new byte[m * kp], packed, 0,
                                packed.panels(), got, 0, n);
                        String what = tier.tier() + " kh " + kh + " run " + run + " m " + m + " n " + n + " span "
                                + span + " fill " + java.util.Arrays.toString(fill);
                        assertArrayEquals(want, java.util.Arrays.copyOf(got, m * n), what);
                        for (int i = m * n; i < got.length; i++) {
                            org.junit.jupiter.api.Assertions.assertEquals(0x5a5a5a5a, got[i], what + ": wrote past C");
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void gatherChecksBounds(Kernels tier) {
        byte[] src = new byte[100];
        int[] offsets = {95};
        byte[] dst = new byte[16];
        assertThrows(IndexOutOfBoundsException.class,
                () -> tier.gatherRows(src, 0, offsets, 0, 1, 8, 1, dst, 0, 8));
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void windowGemmsEqualStoredRowGemms(Kernels tier) {
        Random rnd = new Random(72);
        try (ComputePool pool = new ComputePool(2, false)) {
            for (Gemm gemm : new Gemm[] {new Gemm(tier, null), new Gemm(tier, pool)}) {
                // {H, W, C, kernel, stride, pad, N}
                int[][] convs = {{28, 28, 1, 3, 1, 1, 16}, {14, 14, 16, 3, 2, 1, 32}, {15, 13, 8, 3, 1, 0, 40},
                        {9, 9, 32, 1, 1, 0, 64}, {10, 10, 24, 1, 2, 0, 17}, {12, 12, 4, 3, 1, 1, 300}};
                for (int[] cv : convs) {
                    for (boolean asymmetric : new boolean[] {false, true}) {
                        check(gemm, tier, rnd, cv, asymmetric);
                    }
                }
            }
        }
    }

    private static void check(Gemm gemm, Kernels tier, Random rnd, int[] cv, boolean asymmetric) {
        int h = cv[0], w = cv[1], c = cv[2], kernel = cv[3], stride = cv[4], pad = cv[5], n = cv[6];
        int hp = h + 2 * pad, wp = w + 2 * pad;
        int oh = (hp - kernel) / stride + 1, ow = (wp - kernel) / stride + 1;
        int m = oh * ow;
        int run = kernel * c;
        int k = kernel * run;
        byte[] image = new byte[7 + hp * wp * c];
        rnd.nextBytes(image);
        int[] offsets = new int[m * kernel];
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                for (int t = 0; t < kernel; t++) {
                    offsets[(oy * ow + ox) * kernel + t] = ((oy * stride + t) * wp + ox * stride) * c;
                }
            }
        }
        byte[] stored = new byte[m * k];
        Tiers.scalar().gatherRows(image, 7, offsets, 0, kernel, run, m, stored, 0, k);
        QuantizedRows rows = new QuantizedRows(m, k);
        new ActivationQuantizer(tier).fromQuantized(stored, 0, k, m, DType.UINT8, new float[] {0.02f},
                new int[] {113}, rows);
        byte[] b = new byte[k * n];
        rnd.nextBytes(b);
        float[] sb = new float[n];
        int[] zb = new int[n];
        float[] bias = new float[n];
        for (int j = 0; j < n; j++) {
            sb[j] = 0.0005f + rnd.nextFloat() * 0.003f;
            zb[j] = asymmetric ? rnd.nextInt(21) - 10 : 0;
            bias[j] = (float) rnd.nextGaussian();
        }
        PackedInt8Matrix packed = gemm.packInt8(b, 0, k, n, true, QuantParams.perAxis(DType.INT8, 1, sb, zb));
        Epilogue ep = Epilogue.of(bias, Activation.RELU);
        Epilogue requant = ep.withRequantization(QuantParams.perTensor(DType.UINT8, 0.04f, 0));
        byte[] wantQ = new byte[m * n];
        float[] want = new float[m * n];
        gemm.int8Requantize(rows, packed, wantQ, 0, n, requant);
        gemm.int8(rows, packed, want, 0, n, ep);
        // the window path must not read the stored bytes: overwrite them (scales, zero points, row sums stay)
        rnd.nextBytes(rows.data());
        WindowRows windows = new WindowRows(image, 7, offsets, kernel, run);
        byte[] gotQ = new byte[m * n];
        float[] got = new float[m * n];
        gemm.int8Requantize(rows, windows, packed, gotQ, 0, n, requant);
        gemm.int8(rows, windows, packed, got, 0, n, ep);
        String what = tier.tier() + " threads " + gemm.threads() + " " + java.util.Arrays.toString(cv)
                + (asymmetric ? " asymmetric" : "");
        assertArrayEquals(wantQ, gotQ, what);
        assertArrayEquals(want, got, 0f, what);
    }
}
