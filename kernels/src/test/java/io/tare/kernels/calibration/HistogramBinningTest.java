package io.tare.kernels.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HistogramBinningTest {

    private static final HistogramBinning B = HistogramBinning.DEFAULT;

    @Test
    void binsPartitionTheLineInAscendingOrder() {
        for (int i = 0; i + 1 < B.binCount(); i++) {
            assertEquals(B.upperEdge(i), B.lowerEdge(i + 1), "gap or overlap between bins " + i + " and " + (i + 1));
            assertTrue(B.lowerEdge(i) < B.upperEdge(i), "empty bin " + i);
        }
        assertEquals(12_291, B.binCount());
        assertEquals(-Math.scalb(1.0, -24), B.lowerEdge(B.zeroBin()));
        assertEquals(Math.scalb(1.0, 24), B.lowerEdge(B.positiveOverflowBin()));
        assertEquals(-Math.scalb(1.0, 24), B.upperEdge(B.negativeOverflowBin()));
    }

    @Test
    void everyFiniteFloatLandsInsideItsBinWithinTheRelativeWidthBound() {
        SplittableRandom rnd = new SplittableRandom(7);
        HistogramBinning[] binnings = {B, new HistogramBinning(0, -126, 128), new HistogramBinning(11, -3, 5),
            new HistogramBinning(4, -40, 40)};
        for (HistogramBinning b : binnings) {
            for (int n = 0; n < 200_000; n++) {
                float x = Float.intBitsToFloat(rnd.nextInt());
                if (!Float.isFinite(x)) {
                    continue;
                }
                checkMembership(b, x);
            }
            for (float x : new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
                Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 1.5f, (float) Math.scalb(1.0, b.minExponent()),
                (float) -Math.scalb(1.0, b.minExponent())}) {
                checkMembership(b, x);
            }
        }
    }

    private static void checkMembership(HistogramBinning b, float x) {
        int bin = b.binOf(x);
        double lo = b.lowerEdge(bin);
        double hi = b.upperEdge(bin);
        if (bin == b.zeroBin()) {
            assertTrue(lo < x && x < hi, x + " not inside the zero bin");
        } else if (b.isNegative(bin)) {
            assertTrue(lo < x && x <= hi, x + " not in (" + lo + ", " + hi + "] (bin " + bin + ")");
        } else {
            assertTrue(lo <= x && x < hi, x + " not in [" + lo + ", " + hi + ") (bin " + bin + ")");
        }
        boolean regular = bin != b.zeroBin() && bin != b.negativeOverflowBin() && bin != b.positiveOverflowBin();
        if (regular) {
            assertTrue(hi - lo <= b.relativeWidthBound() * Math.abs(x), "bin too wide for " + x);
        }
    }

    @Test
    void specialValuesGoWhereTheLayoutSays() {
        assertEquals(B.zeroBin(), B.binOf(0f));
        assertEquals(B.zeroBin(), B.binOf(-0f));
        assertEquals(B.zeroBin(), B.binOf(Float.MIN_VALUE));
        assertEquals(B.positiveOverflowBin(), B.binOf(Float.MAX_VALUE));
        assertEquals(B.negativeOverflowBin(), B.binOf(-Float.MAX_VALUE));
        HistogramBinning full = new HistogramBinning(7, -126, 128);
        assertEquals(full.positiveOverflowBin() - 1, full.binOf(Float.MAX_VALUE), "no finite float overflows at 128");
        assertEquals(1, full.binOf(-Float.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> B.binOf(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> B.binOf(Float.POSITIVE_INFINITY));
    }

    @Test
    void rejectsParametersOutsideTheFloatFormat() {
        assertThrows(IllegalArgumentException.class, () -> new HistogramBinning(-1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new HistogramBinning(13, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new HistogramBinning(7, -127, 0));
        assertThrows(IllegalArgumentException.class, () -> new HistogramBinning(7, 0, 129));
        assertThrows(IllegalArgumentException.class, () -> new HistogramBinning(7, 3, 3));
    }
}
