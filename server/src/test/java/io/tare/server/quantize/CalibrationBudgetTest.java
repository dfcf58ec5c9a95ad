package io.tare.server.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.kernels.calibration.ActivationEncoding;
import io.tare.kernels.calibration.RangeMethod;
import io.tare.proto.onnx.ModelProto;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Calibration's time and memory do not grow with the number of samples beyond one batch. */
class CalibrationBudgetTest {

    @Test
    void cnnCalibrationWithAllFourMethodsOn512Images() {
        ModelProto m = FmnistFixtures.read(FmnistFixtures.cnn());
        ModelInputs in = ModelInputs.of(m.getGraph());
        List<QuantizableLayer> layers = LayerFinder.find(m.getGraph());
        long start = System.nanoTime();
        Calibration cal;
        try (SampleSet f = SampleSet.open(FmnistFixtures.calibration(), null, in)) {
            cal = ActivationRecorder.record(m, layers, f, 64, Long.MAX_VALUE, 1, ProgressBar.SILENT);
        }
        List<String> acts = layers.stream().map(QuantizableLayer::activation).distinct().toList();
        for (String name : RangeMethods.NAMES) {
            RangeMethod method = RangeMethods.byName(name, 99.99);
            for (ActivationEncoding enc : ActivationEncoding.values()) {
                assertEquals(acts.size(), ActivationRanges.choose(cal, acts, method, enc).size());
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(512, cal.samples());
        // The budget (under 30 s) is reported here and recorded in RESULTS.md, not asserted:
        // a timed assertion fails on a loaded CI machine while nothing is wrong (house rule).
        System.out.printf("CNN calibration on 512 images + 4 range methods x 2 encodings: %.1f s%n", seconds);
    }

    /**
     * Peak live heap of a calibration pass over 512 vs 5,000 images (the test images used as extra
     * calibration data for this check only): histograms are fixed-size and the file is streamed,
     * so the two peaks must agree within 10%. "Live" is the heap in use right after a full GC,
     * taken after every batch, so that garbage waiting for collection does not count.
     */
    @Test
    void peakLiveHeapDoesNotGrowWithSamples() {
        ModelProto m = FmnistFixtures.read(FmnistFixtures.mlp());
        long small = peakLiveHeap(m, FmnistFixtures.calibration(), 512);
        long large = peakLiveHeap(m, FmnistFixtures.testImages(), 5000);
        double ratio = (double) large / small;
        assertTrue(ratio < 1.10, "peak live heap 512: " + small + " B, 5000: " + large + " B");
    }

    /** Samples the live heap after each batch. */
    static final class HeapSampler extends ProgressBar {
        long peak;

        HeapSampler() {
            super(null, "");
        }

        @Override
        public void update(long done) {
            System.gc();
            peak = Math.max(peak, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
    }

    static long peakLiveHeap(ModelProto m, java.nio.file.Path data, long samples) {
        ModelInputs in = ModelInputs.of(m.getGraph());
        List<QuantizableLayer> layers = LayerFinder.find(m.getGraph());
        HeapSampler sampler = new HeapSampler();
        try (SampleSet f = SampleSet.open(data, null, in)) {
            Calibration c = ActivationRecorder.record(m, layers, f, 64, samples, 1, sampler);
            assertEquals(samples, c.samples());
        }
        return sampler.peak;
    }
}
