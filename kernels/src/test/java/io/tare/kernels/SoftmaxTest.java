package io.tare.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tare.kernels.scalar.SoftmaxReference;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Kernels#softmax}: every tier writes the scalar reference's bits
 * ({@link SoftmaxReference#row}, ONNX Runtime's rounding) at the tail sizes, at offsets, in place,
 * and on the edges (clamped exponents, infinities, NaN, signed zeros); and the reference is a
 * softmax whose sum follows the documented 8-lane order.
 */
class SoftmaxTest {

    static Stream<Kernels> tiers() {
        return Tiers.all();
    }

    private static float[] row(Random rnd, int len, int kind) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) {
            x[i] = switch (kind) {
                case 0 -> (float) rnd.nextGaussian() * 3;
                case 1 -> (float) rnd.nextGaussian() * 60; // many exponents clamped at -88.38
                case 2 -> i % 5 == 0 ? -3.4028235e38f : (float) rnd.nextGaussian(); // attention mask
                default -> (rnd.nextFloat() - 0.5f) * 1e-3f;
            };
        }
        return x;
    }

    private static void assertBits(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            // floatToIntBits: one canonical NaN (a NaN's sign and payload depend on the instruction that made it)
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                    what + " at " + i + ": " + want[i] + " vs " + got[i]);
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void everyTierWritesTheReferenceBits(Kernels tier) {
        Random rnd = new Random(5);
        for (int n : Tiers.TAIL_SIZES) {
            for (int kind = 0; kind < 4; kind++) {
                float[] x = row(rnd, n + 5, kind);
                float[] want = new float[n + 9];
                float[] got = new float[n + 9];
                java.util.Arrays.fill(want, 42f);
                java.util.Arrays.fill(got, 42f);
                SoftmaxReference.row(x, 2, want, 7, n);
                tier.softmax(x, 2, got, 7, n);
                assertBits(want, got, tier.tier() + " n=" + n + " kind=" + kind);
                // in place
                float[] inPlace = x.clone();
                tier.softmax(inPlace, 2, inPlace, 2, n);
                float[] wantInPlace = x.clone();
                SoftmaxReference.row(wantInPlace, 2, wantInPlace, 2, n);
                assertBits(wantInPlace, inPlace, tier.tier() + " in place n=" + n + " kind=" + kind);
            }
        }
    }

    /**
     * {@link Kernels#scaledMaskedSoftmax}: each tier writes the bits of the row formed by the scalar
     * division (or product) and addition, then {@link SoftmaxReference#row}; divided, multiplied and
     * unscaled, with and without a mask (whose -3.4e38 entries are attention's padding), at offsets
     * and in place.
     */
    @ParameterizedTest
    @MethodSource("tiers")
    void scaledMaskedSoftmaxWritesTheFormedRowsReferenceBits(Kernels tier) {
        Random rnd = new Random(9);
        for (int n : Tiers.TAIL_SIZES) {
            for (int kind = 0; kind < 4; kind++) {
                float[] x = row(rnd, n + 5, kind);
                float[] mask = row(rnd, n + 3, 2);
                for (float c : new float[] {5.656854f, 0.125f, 1f}) {
                    for (boolean divide : new boolean[] {true, false}) {
                        for (boolean masked : new boolean[] {true, false}) {
                            float[] formed = new float[n];
                            for (int i = 0; i < n; i++) {
                                float t = divide ? x[2 + i] / c : x[2 + i] * c;
                                formed[i] = masked ? t + mask[3 + i] : t;
                            }
                            float[] want = new float[n + 9];
                            java.util.Arrays.fill(want, 42f);
                            SoftmaxReference.row(formed, 0, want, 7, n);
                            float[] got = new float[n + 9];
                            java.util.Arrays.fill(got, 42f);
                            tier.scaledMaskedSoftmax(x, 2, c, divide, masked ? mask : null, 3, got, 7, n);
                            String what = tier.tier() + " n=" + n + " kind=" + kind + " c=" + c + " divide=" + divide
                                    + " masked=" + masked;
                            assertBits(want, got, what);
                            float[] inPlace = x.clone();
                            tier.scaledMaskedSoftmax(inPlace, 2, c, divide, masked ? mask : null, 3, inPlace, 2, n);
                            assertBits(java.util.Arrays.copyOfRange(want, 7, 7 + n),
                                    java.util.Arrays.copyOfRange(inPlace, 2, 2 + n), what + " in place");
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void edgesMatchTheReference(Kernels tier) {
        float inf = Float.POSITIVE_INFINITY;
        float[][] rows = {
            {0f, -0f, 0f, -0f, 0f, -0f, 0f, -0f, -0f},
            {-inf, -inf, 1f, -inf, 2f, -inf, -inf, -inf, 3f, -inf},
            {inf, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f},
            {Float.NaN, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f},
            {1f, 2f, 3f, 4f, 5f, 6f, 7f, Float.NaN},
            {-100f, -200f, -300f, 100f, 88.7f, -88.4f, 1e30f, -1e30f, 7f, 7f, 7f, 7f, 7f, 7f, 7f, 7f, 7f},
            {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 1e-40f, 5f, 5f, 5f, 5f},
            // whole vectors, no scalar tail: a NaN with its sign bit set, and rows of -inf (-inf + inf
            // is such a NaN on x86)
            {Float.intBitsToFloat(0xFFC00000), 1f, 2f, 3f, 4f, 5f, 6f, 7f},
            {-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf},
            {-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf},
        };
        for (float[] x : rows) {
            float[] want = new float[x.length];
            float[] got = new float[x.length];
            SoftmaxReference.row(x, 0, want, 0, x.length);
            tier.softmax(x, 0, got, 0, x.length);
            assertBits(want, got, tier.tier() + " " + java.util.Arrays.toString(x));
        }
    }

    @Test
    void referenceIsASoftmax() {
        Random rnd = new Random(3);
        for (int n : Tiers.TAIL_SIZES) {
            float[] x = row(rnd, n, 0);
            float[] y = new float[n];
            SoftmaxReference.row(x, 0, y, 0, n);
            double max = Double.NEGATIVE_INFINITY;
            for (float v : x) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (float v : x) {
                sum += Math.exp(v - max);
            }
            for (int i = 0; i < n; i++) {
                double exact = Math.exp(x[i] - max) / sum;
                // MLAS's polynomial exp is within a few ulps, not correctly rounded
                assertEquals(exact, y[i], 2e-6 * exact + 1e-30, "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void referenceSumsInEightLanesCombinedPairwise() {
        // 19 values: lane j sums elements j, j + 8, j + 16; the lanes combine as ((0+1)+(2+3))+((4+5)+(6+7))
        Random rnd = new Random(9);
        float[] x = new float[19];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() * 8;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        float[] lanes = new float[8];
        float[] e = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            e[i] = SoftmaxReference.exp(x[i], -max);
            lanes[i % 8] += e[i];
        }
        float sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
        float[] y = new float[x.length];
        SoftmaxReference.row(x, 0, y, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            assertEquals(e[i] * (1f / sum), y[i], 0f);
        }
        // below about -87.3 the exponent field underflows: MLAS's exp gives 0 there, not a denormal
        assertEquals(0f, SoftmaxReference.exp(-1000f, 0f), 0f);
    }
}
