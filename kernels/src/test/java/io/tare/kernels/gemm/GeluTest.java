package io.tare.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.kernels.Kernels;
import io.tare.kernels.Tiers;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GELU: the scalar reference ({@link Activation#gelu}) against an independent double-precision
 * erfc (series below 2, continued fraction above), and every tier's vectorized
 * {@link Kernels#gelu} against the scalar reference at the tail sizes.
 */
class GeluTest {

    static Stream<Kernels> tiers() {
        return Tiers.all();
    }

    @Test
    void referenceIsWithinTwoTenthsOfAMillionthRelative() {
        for (double x = -12; x <= 12; x += 1.0 / 64) {
            double exact = 0.5 * x * erfc(-x / Math.sqrt(2));
            float got = Activation.gelu((float) x);
            // 1.2e-7 from the erfc fit, plus the final rounding to float (6e-8).
            assertEquals(exact, got, 2e-7 * Math.abs(exact) + 1e-44, "x=" + x);
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void everyTierTracksTheReferenceAtTailSizes(Kernels tier) {
        Random rnd = new Random(11);
        for (int n : Tiers.TAIL_SIZES) {
            float[] x = new float[n + 4];
            for (int i = 0; i < x.length; i++) {
                x[i] = switch (i % 4) {
                    case 0 -> (float) rnd.nextGaussian();
                    case 1 -> (float) rnd.nextGaussian() * 4;
                    case 2 -> (rnd.nextFloat() - 0.5f) * 26; // the whole documented range, |x| < 13
                    default -> (float) rnd.nextGaussian() * 1e-3f;
                };
            }
            float[] got = x.clone();
            tier.gelu(got, 3, n);
            for (int i = 0; i < x.length; i++) {
                if (i < 3 || i >= 3 + n) {
                    assertEquals(x[i], got[i], 0f, "written outside [off, off + n)");
                    continue;
                }
                float want = Activation.gelu(x[i]);
                assertEquals(want, got[i], 2e-6f * Math.abs(want) + 1e-37f, tier.tier() + " n=" + n + " x=" + x[i]);
            }
        }
    }

    /**
     * Every 1/512 over the documented range: on the negative side the exponent reaches -85, where
     * an exponent rounded to float (without the exact z^2 and the compensated range reduction)
     * would be off by up to 5e-6 relative.
     */
    @ParameterizedTest
    @MethodSource("tiers")
    void everyTierAcrossTheWholeRange(Kernels tier) {
        int n = 13 * 512 * 2 + 1;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -13f + i / 512f;
        }
        float[] got = x.clone();
        tier.gelu(got, 0, n);
        for (int i = 0; i < n; i++) {
            float want = Activation.gelu(x[i]);
            assertEquals(want, got[i], 2e-6f * Math.abs(want) + 1e-37f, tier.tier() + " x=" + x[i]);
        }
    }

    /** The epilogue's bias-and-GELU pass: on every tier the bits of adding the bias first, then {@code gelu}. */
    @ParameterizedTest
    @MethodSource("tiers")
    void biasGeluIsTheBiasAddedThenGelu(Kernels tier) {
        Random rnd = new Random(12);
        for (int n : Tiers.TAIL_SIZES) {
            float[] x = new float[n + 5];
            float[] bias = new float[n + 7];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian() * 3;
            }
            for (int i = 0; i < bias.length; i++) {
                bias[i] = (float) rnd.nextGaussian();
            }
            float[] want = x.clone();
            for (int i = 0; i < n; i++) {
                want[2 + i] += bias[4 + i];
            }
            tier.gelu(want, 2, n);
            float[] got = x.clone();
            tier.biasGelu(got, 2, n, bias, 4);
            assertArrayEquals(want, got, 0f, tier.tier() + " n=" + n);
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void specialValuesAsInTheReference(Kernels tier) {
        float[] x = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 30f, -30f, 1e30f, -1e-30f};
        float[] got = x.clone();
        tier.gelu(got, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            float want = Activation.gelu(x[i]);
            assertTrue(Float.compare(want, got[i]) == 0 || Math.abs(want - got[i]) <= 2e-6f * Math.abs(want),
                    tier.tier() + " x=" + x[i] + ": " + want + " vs " + got[i]);
        }
        assertEquals(Float.POSITIVE_INFINITY, Activation.gelu(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(Activation.gelu(Float.NaN)));
    }

    /** erfc in double, to ~1e-14 relative: Taylor series of erf for z < 2, Lentz's continued fraction above. */
    static double erfc(double z) {
        if (z < 0) {
            return 2 - erfc(-z);
        }
        if (z < 2) {
            double term = z;
            double sum = z;
            for (int n = 1; n < 100; n++) {
                term *= -z * z / n;
                sum += term / (2 * n + 1);
            }
            return 1 - 2 / Math.sqrt(Math.PI) * sum;
        }
        // erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...)))))
        double tiny = 1e-300;
        double f = z;
        double c = z;
        double d = 0;
        for (int n = 1; n < 500; n++) {
            double an = n / 2.0;
            d = z + an * d;
            d = d == 0 ? tiny : 1 / d;
            c = z + an / c;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
    }
}
