package io.tare.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * The epilogue options the engine asked for, per tier: the int32 bias (exact against a direct
 * integer reference), accumulation into C (exactly the stored result added to what C held, for
 * FP32, W8A32 and INT8 GEMMs, with bias and every activation, on one thread and on two), and the
 * requantizing paths.
 */
class EpilogueTest {
    /** (m, k, n): tails in every dimension, K past a 256 block, N past a 256-column scratch block. */
    private static final int[][] SHAPES = {{1, 1, 1}, {7, 13, 16}, {13, 31, 64}, {5, 127, 7}, {16, 300, 300},
            {65, 64, 33}, {2, 1021, 17}};

    static Stream<Kernels> tiers() {
        return Tiers.all();
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void int32BiasJoinsTheExactAccumulator(Kernels tier) {
        Random rnd = new Random(21);
        Gemm gemm = new Gemm(tier, null);
        for (int[] s : SHAPES) {
            int m = s[0], k = s[1], n = s[2];
            byte[] a = random(rnd, m * k);
            byte[] b = random(rnd, k * n);
            int[] bias = new int[n];
            float[] sb = new float[n];
            for (int j = 0; j < n; j++) {
                bias[j] = rnd.nextInt(2_000_001) - 1_000_000;
                sb[j] = 0.001f + rnd.nextFloat() * 0.01f;
            }
            bias[0] = Integer.MAX_VALUE; // wraps like the accumulator
            PackedInt8Matrix packed = gemm.packInt8(b, 0, k, n, false, QuantParams.perAxis(DType.INT8, 1, sb, new int[n]));
            QuantizedRows rows = new QuantizedRows(m, k);
            float sa = 0.02f;
            int za = 131;
            new ActivationQuantizer(tier).fromQuantized(a, 0, k, m, DType.UINT8, new float[] {sa}, new int[] {za}, rows);

            float[] c = new float[m * n];
            gemm.int8(rows, packed, c, 0, n, Epilogue.of(null, Activation.NONE).withInt32Bias(bias));
            QuantParams out = QuantParams.perTensor(DType.UINT8, 0.7f, 100);
            byte[] q = new byte[m * n];
            gemm.int8Requantize(rows, packed, q, 0, n, Epilogue.NONE.withInt32Bias(bias).withRequantization(out));
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int acc = bias[j];
                    for (int kk = 0; kk < k; kk++) {
                        acc += ((a[i * k + kk] & 0xFF) - za) * b[kk * n + j];
                    }
                    String at = tier.tier() + " " + m + "x" + k + "x" + n + " at " + i + "," + j;
                    assertEquals(acc * (sa * sb[j]), c[i * n + j], 0f, at);
                    // QLinearConv's formula: rint(acc * (float)(sa * sb / sy)) in double, + zp, saturate.
                    double r = Math.rint(acc * (double) (sa * sb[j] / 0.7f)) + 100;
                    assertEquals((int) Math.max(0, Math.min(255, r)), q[i * n + j] & 0xFF, at);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void accumulatingAddsExactlyTheStoredResult(Kernels tier) {
        Random rnd = new Random(22);
        try (ComputePool pool = new ComputePool(2, true)) {
            for (Gemm gemm : new Gemm[] {new Gemm(tier, null), new Gemm(tier, pool)}) {
                for (int[] s : SHAPES) {
                    int m = s[0], k = s[1], n = s[2];
                    float[] x = gaussian(rnd, m * k);
                    float[] w = gaussian(rnd, k * n);
                    float[] bias = gaussian(rnd, n);
                    PackedFloatMatrix pf = gemm.packFloat(w, 0, k, n, false);
                    PackedInt8Matrix pq = gemm.quantizeWeights(w, 0, k, n, false);
                    QuantizedRows rows = new QuantizedRows(m, k);
                    new ActivationQuantizer(tier).perRow(x, 0, k, m, rows);
                    for (Activation act : Activation.values()) {
                        Epilogue ep = Epilogue.of(bias, act);
                        String at = tier.tier() + " threads=" + gemm.threads() + " " + m + "x" + k + "x" + n + " " + act;
                        check(m, n, rnd, at + " sgemm",
                                (c, e) -> gemm.sgemm(x, 0, k, m, pf, c, 0, n + 2, e), ep);
                        check(m, n, rnd, at + " w8a32",
                                (c, e) -> gemm.w8a32(x, 0, k, m, pq, c, 0, n + 2, e), ep);
                        check(m, n, rnd, at + " int8",
                                (c, e) -> gemm.int8(rows, pq, c, 0, n + 2, e), ep);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void anInt8OutputCannotAccumulate(Kernels tier) {
        QuantParams out = QuantParams.perTensor(DType.INT8, 0.1f, 0);
        assertThrows(IllegalArgumentException.class, () -> Epilogue.NONE.accumulating().withRequantization(out));
        assertThrows(IllegalArgumentException.class, () -> Epilogue.NONE.withRequantization(out).accumulating());
    }

    private interface Run {
        void into(float[] c, Epilogue ep);
    }

    /** C (row stride n + 2) accumulated from random contents equals those contents plus the stored result. */
    private static void check(int m, int n, Random rnd, String at, Run run, Epilogue ep) {
        int ldc = n + 2;
        float[] stored = new float[m * ldc];
        run.into(stored, ep);
        float[] before = gaussian(rnd, m * ldc);
        float[] acc = before.clone();
        run.into(acc, ep.accumulating());
        float[] want = before.clone();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                want[i * ldc + j] += stored[i * ldc + j];
            }
        }
        assertArrayEquals(want, acc, 0f, at);
    }

    private static byte[] random(Random rnd, int count) {
        byte[] v = new byte[count];
        rnd.nextBytes(v);
        return v;
    }

    private static float[] gaussian(Random rnd, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
