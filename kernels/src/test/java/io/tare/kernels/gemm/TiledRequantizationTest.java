package io.tare.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.kernels.Kernels;
import io.tare.kernels.Tiers;
import io.tare.kernels.quant.ActivationQuantizer;
import io.tare.kernels.quant.QuantizedRows;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The flat requantizing epilogue ({@link TiledRequantization}, taken by convolution-shaped INT8
 * GEMMs) against the per-row formula it replaces, {@code saturate((float) rint(v * (1 / sy)) + zy)}
 * on the float results of the same GEMM: every byte equal, with and without float and int32
 * bias, ReLU, both output types, saturating scales, and row counts across the row blocks (widths
 * that are not whole panels take the per-row path and must agree too). Also
 * the MAGIC rounding of {@link EpilogueWriter#requantizeRow} at exact ties.
 */
class TiledRequantizationTest {
    static Stream<Kernels> tiers() {
        return Tiers.all();
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void matchesTheRintFormulaByteForByte(Kernels tier) {
        Random rnd = new Random(44);
        Gemm gemm = new Gemm(tier, null);
        int[][] shapes = {{1, 9, 16}, {5, 144, 16}, {64, 144, 16}, {65, 288, 32}, {130, 576, 64}, {7, 13, 7},
                {3, 31, 100}};
        for (int[] s : shapes) {
            int m = s[0], k = s[1], n = s[2];
            byte[] a = new byte[m * k];
            byte[] b = new byte[k * n];
            rnd.nextBytes(a);
            rnd.nextBytes(b);
            float[] sb = new float[n];
            float[] bias = new float[n];
            int[] bias32 = new int[n];
            for (int j = 0; j < n; j++) {
                sb[j] = 0.0005f + rnd.nextFloat() * 0.005f;
                bias[j] = (float) rnd.nextGaussian();
                bias32[j] = rnd.nextInt(20_001) - 10_000;
            }
            PackedInt8Matrix packed = gemm.packInt8(b, 0, k, n, false, QuantParams.perAxis(DType.INT8, 1, sb, new int[n]));
            QuantizedRows rows = new QuantizedRows(m, k);
            new ActivationQuantizer(tier).fromQuantized(a, 0, k, m, DType.UINT8, new float[] {0.03f}, new int[] {117},
                    rows);
            for (Activation act : new Activation[] {Activation.NONE, Activation.RELU}) {
                for (boolean withBias : new boolean[] {true, false}) {
                    for (QuantParams out : new QuantParams[] {QuantParams.perTensor(DType.UINT8, 0.05f, 3),
                            QuantParams.perTensor(DType.INT8, 0.011f, -5), QuantParams.perTensor(DType.UINT8, 0.001f, 128)}) {
                        Epilogue ep = Epilogue.of(withBias ? bias : null, act).withInt32Bias(bias32).withRequantization(out);
                        if (ep.isPlain()) {
                            continue; // QLinearMatMul's own formula, tested in EpilogueTest
                        }
                        assertTrue(TiledRequantization.applies(n, Math.min(m, Gemm.ROW_BLOCK), 0, rows, 0, n, packed, ep, n));
                        byte[] q = new byte[m * n];
                        gemm.int8Requantize(rows, packed, q, 0, n, ep);
                        float[] v = new float[m * n];
                        gemm.int8(rows, packed, v, 0, n, Epilogue.of(withBias ? bias : null, act).withInt32Bias(bias32));
                        float inv = 1f / out.scale(0);
                        for (int e = 0; e < m * n; e++) {
                            float r = (float) Math.rint(v[e] * inv);
                            byte expected = (byte) Math.max(out.dtype().qmin(), Math.min(out.dtype().qmax(),
                                    r + out.zeroPoint(0)));
                            assertEquals(expected, q[e], tier.tier() + " " + m + "x" + k + "x" + n + " " + act + " bias "
                                    + withBias + " " + out + " at " + e + " v " + v[e]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void declinesWhatItDoesNotCover() {
        Gemm gemm = new Gemm(Tiers.all().findFirst().orElseThrow(), null);
        byte[] b = new byte[9 * 16];
        QuantizedRows rows = new QuantizedRows(4, 9);
        rows.setRows(4);
        java.util.Arrays.fill(rows.scales(), 0.1f);
        Epilogue ep = Epilogue.of(new float[16], Activation.RELU).withRequantization(QuantParams.perTensor(DType.UINT8,
                0.1f, 0));
        PackedInt8Matrix symmetric = gemm.packInt8(b, 0, 9, 16, false, QuantParams.perTensor(DType.INT8, 0.1f, 0));
        PackedInt8Matrix withZero = gemm.packInt8(b, 0, 9, 16, false, QuantParams.perTensor(DType.UINT8, 0.1f, 3));
        assertTrue(TiledRequantization.applies(16, 4, 0, rows, 0, 16, symmetric, ep, 16));
        assertFalse(TiledRequantization.applies(16, 4, 0, rows, 0, 16, withZero, ep, 16), "weight zero points");
        assertFalse(TiledRequantization.applies(16, 4, 0, rows, 0, 16, symmetric, ep, 32), "strided output");
        assertFalse(TiledRequantization.applies(16, 4, 0, rows, 0, 16, symmetric,
                Epilogue.NONE.withRequantization(QuantParams.perTensor(DType.UINT8, 0.1f, 0)), 16), "plain formula");
        Epilogue infinite = Epilogue.of(new float[16], Activation.RELU).withRequantization(
                QuantParams.perTensor(DType.UINT8, 1e-40f, 0));
        assertFalse(TiledRequantization.applies(16, 4, 0, rows, 0, 16, symmetric, infinite, 16), "1 / scale = inf");
        rows.scales()[2] = 0.2f;
        assertFalse(TiledRequantization.applies(16, 4, 0, rows, 0, 16, symmetric, ep, 16), "per-row scales");
    }

    /** The terms memo on the epilogue follows a changed activation scale, zero point and matrix. */
    @ParameterizedTest
    @MethodSource("tiers")
    void termsFollowWhatTheEpilogueMeets(Kernels tier) {
        Random rnd = new Random(45);
        Gemm gemm = new Gemm(tier, null);
        int m = 70, k = 144, n = 16;
        byte[] a = new byte[m * k];
        rnd.nextBytes(a);
        float[] bias = new float[n];
        for (int j = 0; j < n; j++) {
            bias[j] = (float) rnd.nextGaussian();
        }
        Epilogue ep = Epilogue.of(bias, Activation.RELU).withRequantization(QuantParams.perTensor(DType.UINT8, 0.04f, 5));
        Epilogue reference = Epilogue.of(bias, Activation.RELU);
        PackedInt8Matrix[] weights = new PackedInt8Matrix[2];
        for (int w = 0; w < 2; w++) {
            byte[] b = new byte[k * n];
            rnd.nextBytes(b);
            weights[w] = gemm.packInt8(b, 0, k, n, false, QuantParams.perTensor(DType.INT8, 0.003f + w * 0.001f, 0));
        }
        float[][] params = {{0.03f, 117, 0}, {0.05f, 117, 0}, {0.05f, 90, 0}, {0.03f, 117, 1}, {0.03f, 117, 0}};
        for (float[] p : params) {
            QuantizedRows rows = new QuantizedRows(m, k);
            new ActivationQuantizer(tier).fromQuantized(a, 0, k, m, DType.UINT8, new float[] {p[0]},
                    new int[] {(int) p[1]}, rows);
            PackedInt8Matrix b = weights[(int) p[2]];
            byte[] q = new byte[m * n];
            gemm.int8Requantize(rows, b, q, 0, n, ep);
            float[] v = new float[m * n];
            gemm.int8(rows, b, v, 0, n, reference);
            for (int e = 0; e < m * n; e++) {
                byte expected = (byte) Math.max(0, Math.min(255, (float) Math.rint(v[e] * (1f / 0.04f)) + 5));
                assertEquals(expected, q[e], tier.tier() + " " + java.util.Arrays.toString(p) + " at " + e);
            }
        }
    }

    @Test
    void magicRoundingIsRintAtTiesAndEdges() {
        float[] values = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, 127.5f, -127.5f, -128.5f, 254.5f, 255.5f,
                1e9f, -1e9f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -0f, 0.49999997f,
                Math.nextUp(0.5f), Math.nextDown(2.5f), 3.4028235e38f};
        for (DType type : new DType[] {DType.UINT8, DType.INT8}) {
            for (int zy : new int[] {0, 3, type == DType.UINT8 ? 255 : -128}) {
                float[] row = values.clone();
                byte[] c = new byte[values.length];
                EpilogueWriter.requantizeRow(row, 0, values.length, 1f, zy, type.qmin(), type.qmax(), c, 0);
                for (int j = 0; j < values.length; j++) {
                    float q = (float) Math.rint(values[j]);
                    byte expected = (byte) Math.max(type.qmin(), Math.min(type.qmax(), q + zy));
                    assertEquals(expected, c[j], type + " zp " + zy + " value " + values[j]);
                }
            }
        }
    }

    /**
     * {@link Kernels#requantizeFlat} of every tier against the scalar tier's (the Java reference),
     * byte for byte, at the tail sizes: int sums that wrap, exact ties (.5 before rounding), values
     * far past both ends of the output range (saturation), ReLU and plain lower bounds, both output
     * types, and NaN, infinities and signed zeros in the terms. Bytes around the output stay as they were.
     */
    @ParameterizedTest
    @MethodSource("tiers")
    void requantizeFlatMatchesTheReferenceAtTailsAndEdges(Kernels tier) {
        Random rnd = new Random(45);
        Kernels ref = Tiers.scalar();
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e30f, -1e30f, 0.5f};
        // {lower, upper, zero point}: uint8 with ReLU, uint8 zp 128, int8 zp -5
        float[][] ranges = {{0f, 252f, 3f}, {-128f, 127f, 128f}, {-123f, 132f, -5f}};
        for (int len : Tiers.TAIL_SIZES) {
            for (float[] range : ranges) {
                for (int mode = 0; mode < 3; mode++) {
                    int[] raw = new int[len];
                    int[] corr = new int[len];
                    float[] mul = new float[len];
                    float[] add = new float[len];
                    float inv = 1f / 0.05f;
                    for (int e = 0; e < len; e++) {
                        switch (mode) {
                            case 0 -> { // realistic: GEMM sums, small multipliers, wrapping corrections now and then
                                raw[e] = rnd.nextInt(400_001) - 200_000;
                                corr[e] = rnd.nextInt(10) == 0 ? rnd.nextInt() : rnd.nextInt(2001) - 1000;
                                mul[e] = 1e-5f + rnd.nextFloat() * 1e-3f;
                                add[e] = (float) rnd.nextGaussian();
                            }
                            case 1 -> { // exact ties and saturation: v = r + 0.5 with inv = 1
                                raw[e] = rnd.nextInt(801) - 400;
                                corr[e] = rnd.nextInt(3) - 1;
                                mul[e] = 1f;
                                add[e] = rnd.nextBoolean() ? 0.5f : -0.5f;
                            }
                            default -> { // specials in the terms
                                raw[e] = rnd.nextInt();
                                corr[e] = rnd.nextInt();
                                mul[e] = rnd.nextBoolean() ? specials[rnd.nextInt(specials.length)] : rnd.nextFloat();
                                add[e] = rnd.nextBoolean() ? specials[rnd.nextInt(specials.length)] : 0f;
                            }
                        }
                    }
                    float useInv = mode == 1 ? 1f : inv;
                    byte[] want = new byte[len + 9];
                    byte[] got = new byte[len + 9];
                    rnd.nextBytes(want);
                    System.arraycopy(want, 0, got, 0, want.length);
                    ref.requantizeFlat(raw, corr, mul, add, len, useInv, range[0], range[1], range[2], new float[len],
                            want, 4);
                    tier.requantizeFlat(raw, corr, mul, add, len, useInv, range[0], range[1], range[2], new float[len],
                            got, 4);
                    assertArrayEquals(want, got, tier.tier() + " len " + len + " range "
                            + java.util.Arrays.toString(range) + " mode " + mode);
                }
            }
        }
    }
}
