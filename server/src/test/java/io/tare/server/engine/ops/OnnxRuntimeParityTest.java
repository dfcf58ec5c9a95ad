package io.tare.server.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The ONNX-Runtime-rounding kernels: close to the true functions (they are approximations ONNX
 * Runtime chose, not ours to improve), and the summation orders they claim, checked on inputs
 * where another order gives another float. Bit parity with ONNX Runtime itself is checked end to
 * end by {@code MiniLmTest} (all-MiniLM-L6-v2 INT8, min cosine >= 0.9999).
 */
class OnnxRuntimeParityTest {

    @Test
    void erfIsFaithfulAndOdd() {
        Random rnd = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            float x = (float) (rnd.nextGaussian() * 2.5);
            float got = OnnxRuntimeParity.erf(x);
            float exact = (float) Erf.erf(x);
            assertTrue(Math.abs(got - exact) <= Math.ulp(exact), "erf(" + x + ") = " + got + ", true " + exact);
            assertEquals(-got, OnnxRuntimeParity.erf(-x), "erf must be odd at " + x);
        }
        assertEquals(0f, OnnxRuntimeParity.erf(0f));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(OnnxRuntimeParity.erf(-0f)));
        // ONNX Runtime clamps |x| at 3.925, where erf is 1 in float
        assertEquals(1f, OnnxRuntimeParity.erf(4.5f));
        assertEquals(-1f, OnnxRuntimeParity.erf(-40f));
        assertTrue(Float.isNaN(OnnxRuntimeParity.erf(Float.NaN)));
    }

    @Test
    void softmaxRowIsASoftmax() {
        Random rnd = new Random(11);
        for (int n : new int[] {1, 7, 8, 13, 16, 31, 64, 127, 1021}) {
            float[] x = new float[n + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextGaussian() * 4);
            }
            float[] y = new float[n + 5];
            OnnxRuntimeParity.softmaxRow(x, 3, y, 5, n);
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, x[3 + i]);
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(x[3 + i] - max);
            }
            // a few ulp: ONNX Runtime's exp is a polynomial, its sum a float one
            for (int i = 0; i < n; i++) {
                double want = Math.exp(x[3 + i] - max) / sum;
                assertEquals(want, y[5 + i], 2e-6 * want + 1e-10, "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void softmaxRowWorksInPlaceAndSkipsTheFarTail() {
        float[] x = {0f, -200f, 1f};
        OnnxRuntimeParity.softmaxRow(x, 0, x, 0, 3);
        // exp(-201) is clamped to exp(-88.38), far below the others' resolution
        assertEquals(1f, x[0] + x[1] + x[2], 1e-6f);
        assertTrue(x[1] < 1e-37f);
    }

    @Test
    void sumFollowsEigensPacketOrder() {
        // 8 values: packets p = {x0..x3}, q = {x4..x7}; lanes a = p + q, then (a0 + a2) + (a1 + a3)
        float big = 1e8f;
        float[] x = {big, 3f, -big, 3f, 1f, 0f, 1f, 0f};
        float eigen = ((big + 1f) + (-big + 1f)) + ((3f + 0f) + (3f + 0f));
        float leftToRight = 0f;
        for (float v : x) {
            leftToRight += v;
        }
        assertTrue(eigen != leftToRight, "the example must tell the orders apart");
        assertEquals(eigen, OnnxRuntimeParity.sum(x, 0, 8));
        // an odd packet after the pairs, then leftovers one by one
        float[] y = {1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 0.5f, 0.25f};
        float want = (((1f + 5f) + 9f) + ((3f + 7f) + 11f)) + (((2f + 6f) + 10f) + ((4f + 8f) + 12f));
        want = want + 0.5f + 0.25f;
        assertEquals(want, OnnxRuntimeParity.sum(y, 0, 14));
        assertEquals(6f, OnnxRuntimeParity.sum(new float[] {9f, 1f, 2f, 3f}, 1, 3));
        assertEquals(0f, OnnxRuntimeParity.sum(new float[0], 0, 0));
    }
}
