package io.tare.kernels.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tare.kernels.Kernels;
import io.tare.kernels.Tiers;
import io.tare.kernels.scalar.ScalarKernels;
import io.tare.kernels.tensor.DType;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Element-wise quantization: the scalar reference against ONNX's rules, every tier against scalar. */
class QuantizeParityTest {

    static java.util.stream.Stream<Kernels> tiers() {
        return Tiers.all();
    }

    @Test
    void scalarReferenceFollowsOnnxRounding() {
        // ONNX QuantizeLinear: rint(x / scale) (half to even) + zero point, then saturate.
        int[][] expect = {
                {0, 2}, {0, 2}, {0, 4}, {0, -2}, {0, -4}, {0, 127}, {0, -128}, {0, 0},
        };
        float[] x = {2.5f, 2.4f, 3.5f, -2.5f, -3.5f, 1000f, -1000f, -0.4f};
        for (int i = 0; i < x.length; i++) {
            assertEquals(expect[i][1], ScalarKernels.quantizeOne(x[i], 1f, 0, DType.INT8), "x=" + x[i]);
        }
        assertEquals(255, ScalarKernels.quantizeOne(200f, 1f, 128, DType.UINT8));
        assertEquals(0, ScalarKernels.quantizeOne(-200f, 1f, 128, DType.UINT8));
        assertEquals(130, ScalarKernels.quantizeOne(0.5f, 0.25f, 128, DType.UINT8));
        // NaN lands on the zero point (ONNX Runtime's result), in every tier (checked below).
        assertEquals(10, ScalarKernels.quantizeOne(Float.NaN, 1f, 10, DType.UINT8));
        assertEquals(-7, ScalarKernels.quantizeOne(Float.NaN, 0.5f, -7, DType.INT8));
        assertEquals(127, ScalarKernels.quantizeOne(Float.POSITIVE_INFINITY, 1f, 0, DType.INT8));
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void quantizeMatchesScalarAtTailSizesAndSaturationEdges(Kernels tier) {
        Kernels ref = Tiers.scalar();
        Random rnd = new Random(1);
        for (int n : Tiers.TAIL_SIZES) {
            float[] x = mixedValues(rnd, n + 3, 5);
            x[x.length - 1] = Float.NaN;
            for (DType type : new DType[] {DType.INT8, DType.UINT8}) {
                for (int zp : type == DType.INT8 ? new int[] {-128, 0, 127} : new int[] {0, 128, 255}) {
                    for (float scale : new float[] {1f, 0.37f, 3f}) {
                        byte[] want = new byte[n + 2];
                        byte[] got = new byte[n + 2];
                        ref.quantize(x, 3, want, 1, n, scale, zp, type);
                        tier.quantize(x, 3, got, 1, n, scale, zp, type);
                        assertArrayEquals(want, got, tier.tier() + " n=" + n + " " + type + " zp=" + zp);
                    }
                }
            }
        }
    }

    /**
     * quantizeRows (one native downcall for many rows) gives the bytes and byte sums of
     * quantize and sumUnsigned row by row: strided rows at tail lengths, per-row scales and zero points
     * at the UINT8 edges, NaN and infinities, bytes between and after the rows untouched, with and
     * without row sums.
     */
    @ParameterizedTest
    @MethodSource("tiers")
    void quantizeRowsMatchesRowByRowScalar(Kernels tier) {
        Kernels ref = Tiers.scalar();
        Random rnd = new Random(5);
        for (int n : Tiers.TAIL_SIZES) {
            for (int m : new int[] {1, 3, 17}) {
                int ldx = n + 5;
                int ldq = n + 3;
                float[] x = mixedValues(rnd, 2 + m * ldx, 7);
                x[2 + (m - 1) * ldx + n - 1] = Float.NaN;
                x[2] = Float.POSITIVE_INFINITY;
                // parameters and sums from index 3: the rows of a later block of a GEMM input
                float[] scales = new float[m + 4];
                int[] zps = new int[m + 4];
                for (int r = 0; r < m; r++) {
                    scales[3 + r] = new float[] {1f, 0.37f, 3f, 1e-3f}[r % 4];
                    zps[3 + r] = new int[] {0, 128, 255, 17}[r % 4];
                }
                byte[] want = new byte[1 + m * ldq];
                java.util.Arrays.fill(want, (byte) 0x5A);
                byte[] got = want.clone();
                int[] wantSums = new int[m + 5];
                for (int r = 0; r < m; r++) {
                    ref.quantize(x, 2 + r * ldx, want, 1 + r * ldq, n, scales[3 + r], zps[3 + r], DType.UINT8);
                    wantSums[3 + r] = ref.sumUnsigned(want, 1 + r * ldq, n);
                }
                int[] gotSums = new int[m + 5];
                tier.quantizeRows(x, 2, ldx, m, n, scales, zps, 3, got, 1, ldq, gotSums);
                String where = tier.tier() + " n=" + n + " m=" + m;
                assertArrayEquals(want, got, where);
                assertArrayEquals(wantSums, gotSums, where);
                byte[] again = new byte[want.length];
                java.util.Arrays.fill(again, (byte) 0x5A);
                tier.quantizeRows(x, 2, ldx, m, n, scales, zps, 3, again, 1, ldq, null);
                assertArrayEquals(want, again, where + " without sums");
            }
        }
    }

    /**
     * The per-row quantizer works in blocks of rows ({@link ActivationQuantizer#PASS_BYTES}); over
     * several blocks and a partial last one, from a strided input, every row's parameters, bytes and
     * byte sum are those of the row quantized on its own by the scalar reference.
     */
    @ParameterizedTest
    @MethodSource("tiers")
    void perRowQuantizationInBlocksMatchesRowByRowScalar(Kernels tier) {
        Random rnd = new Random(41);
        ScalarKernels ref = new ScalarKernels();
        int k = 384;
        int m = 3 * (ActivationQuantizer.PASS_BYTES / (4 * k)) + 5;
        int ldx = k + 5;
        float[] x = new float[3 + m * ldx];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() * (1 + i % 7) + (i % 3 == 0 ? 2f : -1f);
        }
        for (boolean symmetric : new boolean[] {false, true}) {
            QuantizedRows rows = new QuantizedRows(m, k);
            ActivationQuantizer quantizer = new ActivationQuantizer(tier);
            if (symmetric) {
                quantizer.perRowSymmetric(x, 3, ldx, m, rows);
            } else {
                quantizer.perRow(x, 3, ldx, m, rows);
            }
            float[] mm = new float[2];
            byte[] want = new byte[k];
            for (int r = 0; r < m; r++) {
                ref.minMax(x, 3 + r * ldx, k, mm);
                float scale = symmetric ? DynamicRange.symmetricScale(mm[0], mm[1]) : DynamicRange.scale(mm[0], mm[1]);
                int zeroPoint = symmetric ? 128 : DynamicRange.zeroPoint(mm[0], scale);
                ref.quantize(x, 3 + r * ldx, want, 0, k, scale, zeroPoint, DType.UINT8);
                String where = tier.tier() + (symmetric ? " symmetric" : "") + " row " + r;
                assertEquals(scale, rows.scale(r), where);
                assertEquals(zeroPoint, rows.zeroPoint(r), where);
                assertArrayEquals(want, java.util.Arrays.copyOfRange(rows.data(), r * rows.stride(), r * rows.stride() + k),
                        where);
                assertEquals(ref.sumUnsigned(want, 0, k), rows.rowSum(r), where);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void infinitiesSaturateAndSignedZerosLandOnTheZeroPoint(Kernels tier) {
        Kernels ref = Tiers.scalar();
        float[] edges = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.MIN_VALUE, -Float.MIN_VALUE, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 127.5f, -128.5f, 254.5f};
        for (int n : Tiers.TAIL_SIZES) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = edges[i % edges.length];
            }
            for (DType type : new DType[] {DType.INT8, DType.UINT8}) {
                for (int zp : type == DType.INT8 ? new int[] {-128, -3, 127} : new int[] {0, 9, 255}) {
                    byte[] want = new byte[n];
                    byte[] got = new byte[n];
                    ref.quantize(x, 0, want, 0, n, 1f, zp, type);
                    tier.quantize(x, 0, got, 0, n, 1f, zp, type);
                    assertArrayEquals(want, got, tier.tier() + " n=" + n + " " + type + " zp=" + zp);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void nanQuantizesToTheZeroPointInVectorBodiesAndTails(Kernels tier) {
        for (int n : Tiers.TAIL_SIZES) {
            float[] x = new float[n];
            java.util.Arrays.fill(x, Float.NaN);
            for (DType type : new DType[] {DType.INT8, DType.UINT8}) {
                int zp = type == DType.INT8 ? -5 : 200;
                byte[] q = new byte[n];
                tier.quantize(x, 0, q, 0, n, 0.1f, zp, type);
                for (int i = 0; i < n; i++) {
                    assertEquals(zp, type.fromByte(q[i]), tier.tier() + " n=" + n + " i=" + i + " " + type);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void dequantizeMatchesScalarExactly(Kernels tier) {
        Kernels ref = Tiers.scalar();
        for (int n : Tiers.TAIL_SIZES) {
            byte[] q = new byte[n + 1];
            for (int i = 0; i < q.length; i++) {
                q[i] = (byte) (i * 37 + (i % 3 == 0 ? 127 : 0));
            }
            q[0] = (byte) -128;
            q[n] = (byte) 127;
            for (DType type : new DType[] {DType.INT8, DType.UINT8}) {
                int zp = type == DType.INT8 ? -128 : 255;
                float[] want = new float[n + 2];
                float[] got = new float[n + 2];
                ref.dequantize(q, 1, want, 2, n, 0.0173f, zp, type);
                tier.dequantize(q, 1, got, 2, n, 0.0173f, zp, type);
                assertArrayEquals(want, got, 0f, tier.tier() + " n=" + n + " " + type);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void minMaxAndByteSumsMatchScalar(Kernels tier) {
        Kernels ref = Tiers.scalar();
        Random rnd = new Random(2);
        for (int n : Tiers.TAIL_SIZES) {
            float[] x = new float[n + 1];
            byte[] q = new byte[n + 1];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
                q[i] = (byte) rnd.nextInt(256);
            }
            q[n] = (byte) 255;
            float[] want = new float[2];
            float[] got = new float[2];
            ref.minMax(x, 1, n, want);
            tier.minMax(x, 1, n, got);
            assertArrayEquals(want, got, 0f);
            assertEquals(ref.sumUnsigned(q, 1, n), tier.sumUnsigned(q, 1, n));
        }
    }
    /** Mostly in range, one in {@code period} far out (saturation), one in {@code period} an exact .5 tie. */
    private static float[] mixedValues(Random rnd, int length, int period) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = switch (i % period) {
                case 0 -> (rnd.nextInt(600) - 300) * 0.5f;
                case 1 -> (float) rnd.nextGaussian() * 1e4f;
                default -> (float) rnd.nextGaussian() * 40f;
            };
        }
        return x;
    }
}
