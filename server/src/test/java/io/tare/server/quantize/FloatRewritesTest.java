package io.tare.server.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.proto.onnx.ModelProto;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Equalization and smoothing must leave the FP32 function unchanged; bias correction must remove the expected shift. */
class FloatRewritesTest {

    private static final long SAMPLES = 256;

    private static OrtEvaluator.Outputs run(ModelProto m) {
        try (SampleSet f = SampleSet.open(FmnistFixtures.calibration(), null, ModelInputs.of(m.getGraph()))) {
            return OrtEvaluator.run(m.toByteArray(), m.getGraph().getOutput(0).getName(), f, SAMPLES, null, null, 128, 1, "model");
        }
    }

    private static Calibration calibrate(ModelProto m, List<QuantizableLayer> layers) {
        try (SampleSet f = SampleSet.open(FmnistFixtures.calibration(), null, ModelInputs.of(m.getGraph()))) {
            return ActivationRecorder.record(m, layers, f, 128, SAMPLES, 1, ProgressBar.SILENT);
        }
    }

    private static void assertSameFunction(ModelProto before, ModelProto after) {
        OutputComparison c = run(after).compareTo(run(before));
        assertTrue(c.sqnrDb() > 80, "FP32 output changed: " + c);
        assertEquals(1.0, c.top1Agreement());
    }

    @Test
    void equalizationKeepsTheFunctionAndNarrowsChannelRanges() {
        for (ModelProto m : List.of(FmnistFixtures.read(FmnistFixtures.mlp()), FmnistFixtures.read(FmnistFixtures.cnn()))) {
            List<String> notes = new ArrayList<>();
            ModelProto eq = CrossLayerEqualization.apply(m, LayerFinder.find(m.getGraph()), notes);
            assertTrue(notes.getFirst().contains("layer pairs"), notes.toString());
            assertSameFunction(m, eq);
        }
    }

    @Test
    void smoothingKeepsTheFunction() {
        for (ModelProto m : List.of(FmnistFixtures.read(FmnistFixtures.mlp()), FmnistFixtures.read(FmnistFixtures.cnn()))) {
            List<QuantizableLayer> layers = LayerFinder.find(m.getGraph());
            List<String> notes = new ArrayList<>();
            ModelProto smoothed = ActivationSmoothing.apply(m, layers, calibrate(m, layers), ActivationSmoothing.Strength.fixed(0.5), notes).model();
            assertTrue(notes.getFirst().startsWith("SmoothQuant"), notes.toString());
            assertSameFunction(m, smoothed);
            assertEquals(layers.size(), LayerFinder.find(smoothed.getGraph()).size());
        }
    }

    @Test
    void biasCorrectionSubtractsTheExpectedShift() {
        // Gemm with transB: W [2 out, 3 in]; E[x] = (1, 2, -1)
        QuantizableLayer l = new QuantizableLayer("g", "Gemm", 0, "x", "w", "b", new long[] {2, 3}, 0, 1);
        float[] w = {1, 2, 3, 4, 5, 6};
        float[] wq = {1.5f, 2, 3, 4, 5, 5};
        float[] b = {10, 20};
        float[] corrected = BiasCorrection.correctedBias(l, w, wq, b, new double[] {1, 2, -1});
        // shift row 0: 0.5 * 1 = 0.5; row 1: -1 * -1 = 1
        assertArrayEquals(new float[] {9.5f, 19f}, corrected);
    }
}
