package io.tare.kernels.calibration;

import static io.tare.kernels.calibration.ActivationEncoding.INT8_SYMMETRIC;
import static io.tare.kernels.calibration.ActivationEncoding.UINT8_ASYMMETRIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OnlineStatsTest {

    private static final HistogramBinning B = HistogramBinning.DEFAULT;

    @Test
    void clipRateBoundsContainTheTrueCountAndTheEstimateIsClose() {
        float[] data = Samples.uniform(1, 100_000, -2, 2);
        TensorHistogram h = Samples.histogram(data);
        for (ActivationEncoding e : ActivationEncoding.values()) {
            ScaleZeroPoint q = new ClipRange(-1f, 1f).toScaleZeroPoint(e);
            double low = q.scale() * (e.qmin() - q.zeroPoint() - 0.5);
            double high = q.scale() * (e.qmax() - q.zeroPoint() + 0.5);
            long truth = 0;
            for (float x : data) {
                if (x < low || x > high) {
                    truth++;
                }
            }
            ClipRate rate = ClipRate.of(h, q, e);
            assertEquals(data.length, rate.total());
            assertTrue(rate.clippedAtLeast() <= truth && truth <= rate.clippedAtMost(),
                    e + ": " + truth + " outside [" + rate.clippedAtLeast() + ", " + rate.clippedAtMost() + "]");
            assertEquals((double) truth / data.length, rate.rate(), 0.002, e.toString());
            assertEquals(0.5, rate.rate(), 0.02, e.toString());
        }
    }

    @Test
    void scalesCoveringTheDataClipNothingExactly() {
        TensorHistogram h = Samples.histogram(Samples.gaussian(2, 50_000, 1));
        for (ActivationEncoding e : ActivationEncoding.values()) {
            ScaleZeroPoint q = new MinMaxRange().scaleZeroPoint(h, e);
            ClipRate rate = ClipRate.of(h, q, e);
            assertEquals(0, rate.clippedAtMost(), e.toString());
            assertEquals(0.0, rate.rate());
        }
    }

    @Test
    void clipRateCountsBothSidesForUint8() {
        // ReLU-calibrated uint8 scales (range [0, 1]) meeting negative and large values.
        TensorHistogram h = Samples.histogram(new float[] {-3f, -2f, 0.5f, 0.25f, 7f, 0.75f, 9f, 0.1f});
        ScaleZeroPoint q = new ClipRange(0f, 1f).toScaleZeroPoint(UINT8_ASYMMETRIC);
        ClipRate rate = ClipRate.of(h, q, UINT8_ASYMMETRIC);
        assertEquals(4, rate.clippedAtLeast());
        assertEquals(4, rate.clippedAtMost());
        assertEquals(0.5, rate.rate());
    }

    @Test
    void driftIsZeroForIdenticalHistogramsAndOneForDisjointOnes() {
        TensorHistogram a = Samples.histogram(Samples.gaussian(3, 10_000, 1));
        assertEquals(0.0, DriftScore.between(a, a.copy()));
        assertEquals(0.0, DriftScore.between(a, a, B.mantissaBits()));

        TensorHistogram positive = Samples.histogram(Samples.uniform(4, 10_000, 1, 2));
        TensorHistogram negative = Samples.histogram(Samples.uniform(5, 10_000, -2, -1));
        assertEquals(1.0, DriftScore.between(positive, negative), 1e-12);
        TensorHistogram small = Samples.histogram(Samples.uniform(6, 10_000, 0.01f, 0.02f));
        assertEquals(1.0, DriftScore.between(positive, small), 1e-12);
    }

    @Test
    void driftSeparatesResamplingFromAChangeOfScale() {
        TensorHistogram reference = Samples.histogram(Samples.gaussian(7, 100_000, 1));
        TensorHistogram sameDistribution = Samples.histogram(Samples.gaussian(8, 100_000, 1));
        TensorHistogram scaledUp = Samples.histogram(Samples.gaussian(9, 100_000, 2));
        TensorHistogram slightlyScaled = Samples.histogram(Samples.gaussian(10, 100_000, 1.1));
        double noise = DriftScore.between(sameDistribution, reference);
        double shifted = DriftScore.between(slightlyScaled, reference);
        double doubled = DriftScore.between(scaledUp, reference);
        assertTrue(noise < 0.002, "resampling drift " + noise);
        assertTrue(shifted > 3 * noise, "10% scale drift " + shifted + " vs noise " + noise);
        assertTrue(doubled > 0.1, "2x scale drift " + doubled);
        assertEquals(DriftScore.between(reference, scaledUp), doubled, 1e-15, "symmetric");
    }

    @Test
    void driftRefusesEmptyOrMismatchedHistograms() {
        TensorHistogram a = Samples.histogram(new float[] {1f});
        assertThrows(IllegalStateException.class, () -> DriftScore.between(a, new TensorHistogram(B)));
        TensorHistogram other = Samples.histogram(new HistogramBinning(5, -10, 10), new float[] {1f});
        assertThrows(IllegalArgumentException.class, () -> DriftScore.between(a, other));
        assertThrows(IllegalArgumentException.class, () -> DriftScore.between(a, a, B.mantissaBits() + 1));
    }

    @Test
    void countWindowHoldsExactlyTheRecentSamplesWhateverTheBatching() {
        float[] data = Samples.hostile(11, 50_000);
        int slots = 4;
        int perSlot = 3_000;
        Random rnd = new Random(12);
        for (int trial = 0; trial < 10; trial++) {
            SlidingWindowHistogram w = SlidingWindowHistogram.bySampleCount(B, slots, perSlot);
            int fed = 0;
            while (fed < data.length) {
                int len = Math.min(data.length - fed, 1 + rnd.nextInt(rnd.nextBoolean() ? 50 : 9_000));
                w.add(data, fed, len);
                fed += len;
                TensorHistogram expected = new TensorHistogram(B);
                int inNewest = fed - perSlot * ((fed - 1) / perSlot);
                int windowStart = Math.max(0, fed - inNewest - (slots - 1) * perSlot);
                expected.add(data, windowStart, fed - windowStart);
                assertEquals(expected, w.windowSum(), "trial " + trial + " after " + fed);
            }
        }
    }

    @Test
    void timeWindowForgetsSlotsAsTheClockAdvances() {
        long slot = 1_000_000_000L;
        SlidingWindowHistogram w = SlidingWindowHistogram.byTime(B, 3, slot, 5 * slot + 10);
        w.add(new float[] {1f}, 0, 1);
        w.advanceTime(6 * slot);
        w.add(new float[] {2f, 2f}, 0, 2);
        w.advanceTime(7 * slot + 999);
        w.add(new float[] {3f, 3f, 3f}, 0, 3);
        assertEquals(6, w.windowSum().count());
        assertEquals(3, w.slot(0).count());
        assertEquals(1, w.slot(2).count());
        w.advanceTime(8 * slot);
        assertEquals(5, w.windowSum().count());
        assertEquals(2f, w.windowSum().min());
        w.advanceTime(100 * slot);
        assertTrue(w.windowSum().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> w.advanceTime(99 * slot));
        assertThrows(IllegalStateException.class,
                () -> SlidingWindowHistogram.bySampleCount(B, 2, 10).advanceTime(0));
    }

    @Test
    void windowMemoryIsFixedAtConstruction() {
        SlidingWindowHistogram w = SlidingWindowHistogram.manual(B, 5);
        long before = w.countsBytes();
        float[] batch = Samples.gaussian(13, 100_000, 1);
        for (int i = 0; i < 50; i++) {
            w.add(batch, 0, batch.length);
            if (i % 7 == 0) {
                w.rotate();
            }
        }
        assertEquals(before, w.countsBytes());
        assertEquals(5L * 8 * B.binCount(), before);
    }

    @Test
    void calibrationStatsReportsCandidatesClipRateAndDrift() {
        CalibrationStats stats = new CalibrationStats(CalibrationStats.Options.countWindow(4, 10_000), 0);
        stats.register("conv1.out", UINT8_ASYMMETRIC);
        stats.register("fc.out", INT8_SYMMETRIC);
        List<RangeMethod> methods = List.of(new MinMaxRange(), new PercentileRange(99.99), new EntropyRange(),
                new MseRange());

        TensorReport empty = stats.report("fc.out", methods);
        assertTrue(empty.candidates().isEmpty());
        assertTrue(empty.clipRate().isEmpty());
        assertTrue(empty.drift().isEmpty());

        float[] calibration = Samples.gaussian(14, 20_000, 1);
        stats.observe("fc.out", calibration, 0, calibration.length);
        TensorReport first = stats.report("fc.out", methods);
        assertEquals(List.of("minmax", "percentile-99.99", "entropy", "mse"), List.copyOf(first.candidates().keySet()));
        assertEquals(new MinMaxRange().scaleZeroPoint(first.window(), INT8_SYMMETRIC), first.candidates().get("minmax"));

        // Adopt the entropy candidate, calibrated on what the window holds now.
        ScaleZeroPoint active = first.candidates().get("entropy");
        stats.markRefreshed("fc.out", active, first.window());
        TensorReport adopted = stats.report("fc.out", methods);
        assertEquals(0.0, adopted.drift().orElseThrow());
        assertTrue(adopted.sinceRefresh().isEmpty());
        assertEquals(ClipRate.of(first.window(), active, INT8_SYMMETRIC), adopted.clipRate().orElseThrow());

        // The input distribution widens: clip rate and drift rise once the window has turned over.
        float[] drifted = Samples.gaussian(15, 40_000, 3);
        stats.observe("fc.out", drifted, 0, drifted.length);
        TensorReport later = stats.report("fc.out", methods);
        assertTrue(later.clipRate().orElseThrow().rate() > 0.05, "clip rate " + later.clipRate());
        assertTrue(later.drift().orElseThrow() > 0.2, "drift " + later.drift());
        assertEquals(40_000, later.sinceRefresh().count());
        assertTrue(later.candidates().get("minmax").scale() > 2 * first.candidates().get("minmax").scale());

        assertFalse(stats.report("conv1.out", methods).active().isPresent());
        assertEquals(2, stats.reports(methods).size());
    }

    @Test
    void calibrationStatsBoundsItsTensorsAndRefusesUnknownOnes() {
        CalibrationStats.Options options = new CalibrationStats.Options(B, 2, 3, 100, 0);
        CalibrationStats stats = new CalibrationStats(options, 0);
        stats.register("a", INT8_SYMMETRIC);
        stats.register("b", INT8_SYMMETRIC);
        assertThrows(IllegalStateException.class, () -> stats.register("c", INT8_SYMMETRIC));
        assertThrows(IllegalArgumentException.class, () -> stats.register("a", INT8_SYMMETRIC));
        assertThrows(IllegalArgumentException.class, () -> stats.observe("c", new float[] {1f}, 0, 1));
        assertEquals(2L * (3 + 2) * 8 * B.binCount(), stats.memoryBoundBytes());
        assertThrows(IllegalArgumentException.class, () -> new CalibrationStats.Options(B, 2, 3, 100, 5));
        assertThrows(IllegalArgumentException.class, () -> new CalibrationStats.Options(B, 2, 3, 0, 0));
    }

    @Test
    void calibrationStatsTimeWindowsAdvanceTogether() {
        long slot = 1_000L;
        CalibrationStats stats = new CalibrationStats(CalibrationStats.Options.timeWindow(2, slot), 0);
        stats.register("x", INT8_SYMMETRIC);
        stats.observe("x", new float[] {1f, 2f}, 0, 2);
        stats.advanceTime(slot);
        stats.observe("x", new float[] {3f}, 0, 1);
        assertEquals(3, stats.report("x", List.of()).window().count());
        stats.advanceTime(2 * slot);
        assertEquals(1, stats.report("x", List.of()).window().count());
        assertEquals(3, stats.report("x", List.of()).sinceRefresh().count());
    }
}
