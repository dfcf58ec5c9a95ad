package io.tare.kernels.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.tare.kernels.Kernels;
import io.tare.kernels.Tiers;
import io.tare.kernels.tensor.DType;
import io.tare.kernels.tensor.QuantParams;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Kernels#addQuantized} of every tier against the scalar reference, byte for byte: all
 * 256 x 256 input pairs at once, for both input and output types, with and without ReLU, zero
 * points at the ends of their ranges, exact rounding ties (scales of 0.5 and an output scale of 1),
 * output scales that saturate every result, and scales so large that terms are infinite and their sum
 * NaN (results at the zero point); then the
 * tail sizes at odd offsets, with the bytes around the output left alone.
 */
class AddQuantizedTest {
    static Stream<Kernels> tiers() {
        return Tiers.all();
    }

    private static final QuantParams[][] CASES = {
            // {a, b, y}
            {QuantParams.perTensor(DType.UINT8, 0.031f, 3), QuantParams.perTensor(DType.UINT8, 0.047f, 128),
                    QuantParams.perTensor(DType.UINT8, 0.05f, 0)},
            {QuantParams.perTensor(DType.INT8, 0.02f, -128), QuantParams.perTensor(DType.UINT8, 0.013f, 255),
                    QuantParams.perTensor(DType.INT8, 0.04f, 127)},
            {QuantParams.perTensor(DType.UINT8, 0.5f, 0), QuantParams.perTensor(DType.INT8, 0.5f, 1),
                    QuantParams.perTensor(DType.UINT8, 1f, 7)},
            {QuantParams.perTensor(DType.UINT8, 0.5f, 100), QuantParams.perTensor(DType.UINT8, 0.25f, 0),
                    QuantParams.perTensor(DType.INT8, 1e-4f, -3)},
            // huge scales: infinite terms, and inf + -inf = NaN where their signs differ
            {QuantParams.perTensor(DType.UINT8, 3e38f, 100), QuantParams.perTensor(DType.INT8, 3e38f, 0),
                    QuantParams.perTensor(DType.UINT8, 0.1f, 9)},
    };

    @ParameterizedTest
    @MethodSource("tiers")
    void everyPairMatchesTheReference(Kernels tier) {
        Kernels ref = Tiers.scalar();
        byte[] a = new byte[65536];
        byte[] b = new byte[65536];
        for (int i = 0; i < 65536; i++) {
            a[i] = (byte) (i >> 8);
            b[i] = (byte) i;
        }
        for (QuantParams[] c : CASES) {
            for (boolean relu : new boolean[] {false, true}) {
                byte[] want = new byte[65536];
                byte[] got = new byte[65536];
                ref.addQuantized(a, 0, c[0], b, 0, c[1], relu, c[2], want, 0, 65536);
                tier.addQuantized(a, 0, c[0], b, 0, c[1], relu, c[2], got, 0, 65536);
                assertArrayEquals(want, got, tier.tier() + " " + Arrays.toString(c) + " relu " + relu);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tiers")
    void tailSizesAtOffsets(Kernels tier) {
        Kernels ref = Tiers.scalar();
        java.util.Random rnd = new java.util.Random(81);
        for (int n : Tiers.TAIL_SIZES) {
            byte[] a = new byte[n + 5];
            byte[] b = new byte[n + 3];
            rnd.nextBytes(a);
            rnd.nextBytes(b);
            byte[] want = new byte[n + 11];
            rnd.nextBytes(want);
            byte[] got = want.clone();
            QuantParams[] c = CASES[n % 2];
            ref.addQuantized(a, 5, c[0], b, 3, c[1], true, c[2], want, 7, n);
            tier.addQuantized(a, 5, c[0], b, 3, c[1], true, c[2], got, 7, n);
            assertArrayEquals(want, got, tier.tier() + " n " + n);
        }
    }
}
