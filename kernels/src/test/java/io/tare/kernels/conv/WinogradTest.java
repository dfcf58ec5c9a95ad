package io.tare.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.kernels.KernelTier;
import io.tare.kernels.Kernels;
import io.tare.kernels.Tiers;
import io.tare.kernels.gemm.Gemm;
import io.tare.kernels.gemm.PackedInt8Matrix;
import io.tare.kernels.gemm.WindowRows;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Kernels#winograd3x3} (exact integer Winograd F(2x2, 3x3), native AVX2) against the scalar
 * tier's window GEMM over the same windows, int for int: even and odd output sizes (partial 2x2
 * tiles), a single pixel, images wider than the output (padding), 16-64 channels, 1-64 columns
 * (partial panels), and the saturation edges (every byte 255 against weights all -128, all 127, or
 * alternating -128 and 127). A tier without the kernel must say so and leave the output alone.
 */
class WinogradTest {
    static Stream<Kernels> tiers() {
        return Tiers.all();
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void rawSumsEqualTheWindowGemm(Kernels tier) {
        Random rnd = new Random(91);
        // {oh, ow, extra rows, extra columns (beyond oh + 2, ow + 2)}
        int[][] sizes = {{14, 14, 0, 0}, {7, 7, 0, 0}, {5, 9, 1, 2}, {1, 1, 0, 0}, {2, 3, 0, 0}, {28, 28, 0, 0}};
        int[] fills = {0, 1, 2, 3}; // random, 255 x -128, 255 x 127, 255 x alternating extremes
        for (int[] size : sizes) {
            for (int c : new int[] {16, 32, 48, 64}) {
                for (int n : new int[] {1, 16, 17, 33, 64}) {
                    int fill = fills[(size[0] + c + n) % fills.length];
                    check(tier, rnd, size[0], size[1], size[0] + 2 + size[2], size[1] + 2 + size[3], c, n, fill);
                }
            }
        }
    }

    private static void check(Kernels tier, Random rnd, int oh, int ow, int hp, int wp, int c, int n, int fill) {
        int imgOff = 5;
        byte[] img = new byte[imgOff + hp * wp * c];
        rnd.nextBytes(img);
        byte[] w = new byte[n * 9 * c]; // [n][3][3][c]
        rnd.nextBytes(w);
        if (fill > 0) {
            Arrays.fill(img, (byte) 255);
            for (int i = 0; i < w.length; i++) {
                w[i] = fill == 1 ? (byte) -128 : fill == 2 ? (byte) 127 : (byte) (i % 2 == 0 ? -128 : 127);
            }
        }
        int m = oh * ow;
        int[] offsets = new int[m * 3];
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                for (int ky = 0; ky < 3; ky++) {
                    offsets[(oy * ow + ox) * 3 + ky] = ((oy + ky) * wp + ox) * c;
                }
            }
        }
        Kernels ref = Tiers.scalar();
        PackedInt8Matrix packed = new Gemm(ref, null).packInt8(w, 0, 9 * c, n, true,
                QuantParams.perTensor(DType.INT8, 1f, 0));
        int[] want = new int[m * n];
        ref.int8Windows(new WindowRows(img, imgOff, offsets, 3, 3 * c), 0, m, new byte[m * packed.kPadded()], packed, 0,
                packed.panels(), want, 0, n);
        int[] got = new int[3 + m * n + 3];
        Arrays.fill(got, 0x5a5a5a5a);
        boolean done = tier.winograd3x3(img, imgOff, hp, wp, oh, ow, WinogradWeights.of(w, 0, n, c), got, 3);
        String what = tier.tier() + " " + oh + "x" + ow + " in " + hp + "x" + wp + " c " + c + " n " + n + " fill " + fill;
        if (!done) {
            assertTrue(Arrays.stream(got).allMatch(v -> v == 0x5a5a5a5a), what + ": declined but wrote");
            return;
        }
        assertArrayEquals(want, Arrays.copyOfRange(got, 3, 3 + m * n), what);
        assertTrue(got[0] == 0x5a5a5a5a && got[1] == 0x5a5a5a5a && got[2] == 0x5a5a5a5a, what + ": wrote before out");
        for (int i = 3 + m * n; i < got.length; i++) {
            assertTrue(got[i] == 0x5a5a5a5a, what + ": wrote past out");
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void onlyTheNativeTierHasTheKernel(Kernels tier) {
        boolean done = tier.winograd3x3(new byte[16 * 3 * 3], 0, 3, 3, 1, 1, WinogradWeights.of(new byte[9 * 16], 0, 1, 16),
                new int[1], 0);
        if (tier.tier() != KernelTier.NATIVE) {
            assertFalse(done);
        }
    }

    @Test
    void refusesShapesTheKernelCannotTake() {
        assertFalse(WinogradWeights.fits(8, 16));
        assertFalse(WinogradWeights.fits(80, 16));
        assertFalse(WinogradWeights.fits(32, 65));
        assertTrue(WinogradWeights.fits(64, 64));
        assertThrows(IllegalArgumentException.class, () -> WinogradWeights.of(new byte[9 * 8], 0, 1, 8));
    }
}
