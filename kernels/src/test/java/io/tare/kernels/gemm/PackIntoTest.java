package io.tare.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PackedFloatMatrix#packInto}: from a strided view, into a reused buffer, the same packed
 * values as {@link PackedFloatMatrix#pack} of the gathered contiguous matrix, in both layouts,
 * with a last panel that needs padding.
 */
class PackIntoTest {
    private static final int PANEL = 16;

    @Test
    void stridedRowsPackAsTheGatheredMatrix() {
        Random rnd = new Random(5);
        for (int[] kn : new int[][] {{64, 128}, {128, 64}, {7, 13}, {1, 17}, {33, 1}}) {
            int k = kn[0];
            int n = kn[1];
            int ld = n + 11; // rows of a wider tensor (attention's [B, S, H, D] with other heads between)
            float[] source = randomArray(rnd, 3 + k * ld);
            float[] gathered = new float[k * n];
            for (int kk = 0; kk < k; kk++) {
                System.arraycopy(source, 3 + kk * ld, gathered, kk * n, n);
            }
            float[] buffer = dirtyBuffer(PackedFloatMatrix.packedLength(k, n, PANEL) + 5);
            PackedFloatMatrix into = PackedFloatMatrix.packInto(source, 3, ld, k, n, false, PANEL, buffer);
            assertSamePacking(PackedFloatMatrix.pack(gathered, 0, k, n, false, PANEL), into, "k=" + k + " n=" + n);
        }
    }

    @Test
    void stridedTransposedRowsPackAsTheGatheredMatrix() {
        Random rnd = new Random(6);
        for (int[] kn : new int[][] {{64, 128}, {128, 64}, {7, 13}, {1, 17}, {33, 1}}) {
            int k = kn[0];
            int n = kn[1];
            int ld = k + 9; // B^T's rows (K's rows when K is read as K^T) at a stride
            float[] source = randomArray(rnd, 2 + n * ld);
            float[] gathered = new float[n * k];
            for (int j = 0; j < n; j++) {
                System.arraycopy(source, 2 + j * ld, gathered, j * k, k);
            }
            float[] buffer = dirtyBuffer(PackedFloatMatrix.packedLength(k, n, PANEL));
            PackedFloatMatrix into = PackedFloatMatrix.packInto(source, 2, ld, k, n, true, PANEL, buffer);
            assertSamePacking(PackedFloatMatrix.pack(gathered, 0, k, n, true, PANEL), into, "k=" + k + " n=" + n);
        }
    }

    @Test
    void refusesAShortBuffer() {
        assertThrows(IllegalArgumentException.class, () -> PackedFloatMatrix.packInto(new float[13 * 7], 0, 13, 7,
                13, false, PANEL, new float[PackedFloatMatrix.packedLength(7, 13, PANEL) - 1]));
    }

    private static void assertSamePacking(PackedFloatMatrix want, PackedFloatMatrix got, String what) {
        assertEquals(want.k(), got.k(), what);
        assertEquals(want.n(), got.n(), what);
        assertEquals(want.byteSize(), got.byteSize(), what);
        int length = PackedFloatMatrix.packedLength(want.k(), want.n(), PANEL);
        // the padding columns too: the buffer held other values before
        assertArrayEquals(want.data(), Arrays.copyOf(got.data(), length), what);
    }

    private static float[] randomArray(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    private static float[] dirtyBuffer(int n) {
        float[] b = new float[n];
        Arrays.fill(b, Float.NaN);
        return b;
    }
}
