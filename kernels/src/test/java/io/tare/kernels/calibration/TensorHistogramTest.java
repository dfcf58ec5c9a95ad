package io.tare.kernels.calibration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TensorHistogramTest {

    @Test
    void countsMatchAPerValueReferenceAndNonFiniteIsCountedNotBinned() {
        float[] data = Samples.hostile(1, 100_000);
        TensorHistogram h = Samples.histogram(data);
        HistogramBinning b = h.binning();
        long[] expected = new long[b.binCount()];
        long nan = 0;
        long posInf = 0;
        long negInf = 0;
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float x : data) {
            if (Float.isNaN(x)) {
                nan++;
            } else if (x == Float.POSITIVE_INFINITY) {
                posInf++;
            } else if (x == Float.NEGATIVE_INFINITY) {
                negInf++;
            } else {
                expected[b.binOf(x)]++;
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
        }
        assertTrue(nan > 0 && posInf > 0 && negInf > 0, "test data must hold non-finite values");
        assertArrayEquals(expected, h.counts());
        assertEquals(nan, h.nanCount());
        assertEquals(posInf, h.positiveInfCount());
        assertEquals(negInf, h.negativeInfCount());
        assertEquals(data.length - nan - posInf - negInf, h.count());
        assertEquals(Arrays.stream(h.counts()).sum(), h.count());
        assertEquals(data.length, h.totalSeen());
        assertEquals(min, h.min());
        assertEquals(max, h.max());
        assertThrows(IllegalStateException.class, h::requireFinite);
    }

    @Test
    void onlyNonFiniteDataLeavesTheHistogramEmpty() {
        TensorHistogram h = Samples.histogram(new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NaN});
        assertTrue(h.isEmpty());
        assertEquals(2, h.nanCount());
        assertEquals(1, h.infCount());
        assertEquals(0, Arrays.stream(h.counts()).sum());
        assertThrows(IllegalStateException.class, h::min);
        assertThrows(IllegalStateException.class, () -> new MinMaxRange().range(h, ActivationEncoding.INT8_SYMMETRIC));
    }

    @Test
    void mergeIsExactWhateverTheBatchingOrderOrTree() {
        float[] data = Samples.hostile(2, 200_000);
        TensorHistogram whole = Samples.histogram(data);
        Random rnd = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            List<TensorHistogram> parts = randomBatches(data, rnd);
            Collections.shuffle(parts, rnd);

            TensorHistogram sequential = new TensorHistogram(HistogramBinning.DEFAULT);
            for (TensorHistogram p : parts) {
                sequential.merge(p);
            }
            assertEquals(whole, sequential, "left fold, trial " + trial);

            assertEquals(whole, randomTree(new ArrayList<>(parts), rnd), "random tree, trial " + trial);

            // Another process: each part crosses the wire, the receiver merges in its own order.
            List<byte[]> wire = new ArrayList<>();
            for (TensorHistogram p : parts) {
                wire.add(p.toBytes());
            }
            Collections.shuffle(wire, rnd);
            TensorHistogram received = new TensorHistogram(HistogramBinning.DEFAULT);
            for (byte[] w : wire) {
                received.merge(TensorHistogram.fromBytes(w));
            }
            assertEquals(whole, received, "byte[] wire, trial " + trial);

            TensorHistogram viaLongs = new TensorHistogram(HistogramBinning.DEFAULT);
            for (TensorHistogram p : parts) {
                viaLongs.merge(TensorHistogram.fromLongs(p.toLongs()));
            }
            assertEquals(whole, viaLongs, "long[] wire, trial " + trial);
        }
    }

    @Test
    void addingToATwinInOnePassEqualsTwoSeparateAdds() {
        float[] first = Samples.hostile(3, 50_000);
        float[] second = Samples.hostile(4, 30_000);
        TensorHistogram a = new TensorHistogram(HistogramBinning.DEFAULT);
        TensorHistogram twin = new TensorHistogram(HistogramBinning.DEFAULT);
        twin.add(second, 0, second.length); // the twin need not start equal
        TensorHistogram expectedA = new TensorHistogram(HistogramBinning.DEFAULT);
        TensorHistogram expectedTwin = twin.copy();
        for (int off = 0; off < first.length; off += 7_001) {
            int len = Math.min(7_001, first.length - off);
            a.addAlsoTo(twin, first, off, len);
            expectedA.add(first, off, len);
            expectedTwin.add(first, off, len);
        }
        assertEquals(expectedA, a);
        assertEquals(expectedTwin, twin);
        assertThrows(IllegalArgumentException.class, () -> a.addAlsoTo(a, first, 0, 1));

        SlidingWindowHistogram window = SlidingWindowHistogram.bySampleCount(HistogramBinning.DEFAULT, 4, 9_000);
        SlidingWindowHistogram reference = SlidingWindowHistogram.bySampleCount(HistogramBinning.DEFAULT, 4, 9_000);
        TensorHistogram since = new TensorHistogram(HistogramBinning.DEFAULT);
        window.add(first, 0, first.length, since);
        reference.add(first, 0, first.length);
        assertEquals(reference.windowSum(), window.windowSum());
        assertEquals(expectedA, since);
    }

    @Test
    void signedZerosFoldIntoMinMaxTheSameWayInAnyOrder() {
        TensorHistogram a = Samples.histogram(new float[] {0f, -0f});
        TensorHistogram b = Samples.histogram(new float[] {-0f, 0f});
        assertEquals(a, b);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(a.min()));
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(a.max()));
    }

    @Test
    void addHonoursOffsetAndLength() {
        float[] data = {100f, 1f, 2f, 3f, -100f};
        TensorHistogram h = new TensorHistogram(HistogramBinning.DEFAULT);
        h.add(data, 1, 3);
        assertEquals(3, h.count());
        assertEquals(1f, h.min());
        assertEquals(3f, h.max());
        assertThrows(IndexOutOfBoundsException.class, () -> h.add(data, 3, 3));
    }

    @Test
    void memoryDependsOnTheBinningNotOnTheSampleCount() {
        TensorHistogram small = new TensorHistogram(HistogramBinning.DEFAULT);
        small.add(new float[] {1f});
        TensorHistogram large = new TensorHistogram(HistogramBinning.DEFAULT);
        float[] batch = Samples.gaussian(4, 1 << 16, 3.0);
        for (int i = 0; i < 200; i++) {
            large.add(batch);
        }
        assertEquals(200L << 16, large.count());
        assertEquals(small.countsBytes(), large.countsBytes());
        assertEquals(8L * HistogramBinning.DEFAULT.binCount(), large.countsBytes());
        // The wire form grows with the occupied bins, which the binning bounds, not with samples.
        long[] longs = large.toLongs();
        long occupied = Arrays.stream(large.counts()).filter(c -> c != 0).count();
        assertEquals(11 + 2 * occupied, longs.length);
        assertTrue(large.toBytes().length < 8 * occupied + 64);
    }

    @Test
    void emptyHistogramRoundTrips() {
        TensorHistogram empty = new TensorHistogram(new HistogramBinning(3, -10, 10));
        assertEquals(empty, TensorHistogram.fromBytes(empty.toBytes()));
        assertEquals(empty, TensorHistogram.fromLongs(empty.toLongs()));
        TensorHistogram nanOnly = new TensorHistogram(HistogramBinning.DEFAULT);
        nanOnly.add(new float[] {Float.NaN});
        assertEquals(nanOnly, TensorHistogram.fromBytes(nanOnly.toBytes()));
    }

    @Test
    void mergingDifferentBinningsIsRefused() {
        TensorHistogram a = new TensorHistogram(HistogramBinning.DEFAULT);
        TensorHistogram b = new TensorHistogram(new HistogramBinning(6, -24, 24));
        assertThrows(IllegalArgumentException.class, () -> a.merge(b));
    }

    @Test
    void copyAndClearAreIndependent() {
        TensorHistogram h = Samples.histogram(Samples.gaussian(5, 1000, 1));
        TensorHistogram c = h.copy();
        assertEquals(h, c);
        h.clear();
        assertTrue(h.isEmpty());
        assertNotEquals(h, c);
        assertEquals(1000, c.count());
        assertEquals(new TensorHistogram(HistogramBinning.DEFAULT), h);
    }

    @Test
    void corruptWireFormsAreRejected() {
        TensorHistogram h = Samples.histogram(Samples.gaussian(6, 1000, 1));
        long[] longs = h.toLongs();

        long[] badSum = longs.clone();
        badSum[4]++;
        assertThrows(IllegalArgumentException.class, () -> TensorHistogram.fromLongs(badSum));

        long[] badMax = longs.clone();
        badMax[9] = Float.floatToRawIntBits(h.max() * 4);
        assertThrows(IllegalArgumentException.class, () -> TensorHistogram.fromLongs(badMax));

        long[] badOrder = longs.clone();
        long first = badOrder[11];
        badOrder[11] = badOrder[13];
        badOrder[13] = first;
        assertThrows(IllegalArgumentException.class, () -> TensorHistogram.fromLongs(badOrder));

        long[] negative = longs.clone();
        negative[12] = -negative[12];
        assertThrows(IllegalArgumentException.class, () -> TensorHistogram.fromLongs(negative));

        byte[] bytes = h.toBytes();
        assertThrows(IllegalArgumentException.class,
                () -> TensorHistogram.fromBytes(Arrays.copyOf(bytes, bytes.length - 1)));
        byte[] trailing = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IllegalArgumentException.class, () -> TensorHistogram.fromBytes(trailing));
        byte[] magic = bytes.clone();
        magic[0] = 'X';
        assertThrows(IllegalArgumentException.class, () -> TensorHistogram.fromBytes(magic));
        SplittableRandom rnd = new SplittableRandom(8);
        for (int i = 0; i < 2000; i++) {
            byte[] flipped = bytes.clone();
            flipped[rnd.nextInt(flipped.length)] ^= (byte) (1 << rnd.nextInt(8));
            try {
                TensorHistogram decoded = TensorHistogram.fromBytes(flipped);
                // A flip that still decodes must give a self-consistent histogram.
                assertEquals(Arrays.stream(decoded.counts()).sum(), decoded.count());
            } catch (IllegalArgumentException expected) {
                // rejected, as it should be
            }
        }
    }

    private static List<TensorHistogram> randomBatches(float[] data, Random rnd) {
        List<TensorHistogram> parts = new ArrayList<>();
        int off = 0;
        while (off < data.length) {
            int len = Math.min(data.length - off, rnd.nextInt(rnd.nextBoolean() ? 10 : 20_000) + 1);
            TensorHistogram h = new TensorHistogram(HistogramBinning.DEFAULT);
            h.add(data, off, len);
            parts.add(h);
            off += len;
        }
        return parts;
    }

    private static TensorHistogram randomTree(List<TensorHistogram> parts, Random rnd) {
        while (parts.size() > 1) {
            TensorHistogram a = parts.remove(rnd.nextInt(parts.size()));
            TensorHistogram b = parts.remove(rnd.nextInt(parts.size()));
            TensorHistogram merged = b.copy();
            merged.merge(a);
            parts.add(merged);
        }
        return parts.get(0);
    }
}
