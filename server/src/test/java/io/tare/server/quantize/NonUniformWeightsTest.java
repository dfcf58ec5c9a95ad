package io.tare.server.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NonUniformWeightsTest {

    @TempDir
    Path tmp;

    @Test
    void codebookOfTwoLevelsSplitsTwoClusters() {
        KMeansCodebook cb = KMeansCodebook.fit(new float[] {-1.1f, -0.9f, -1f, 2f, 2.2f, 1.8f}, 2);
        assertEquals(-1f, cb.codes()[0], 1e-6);
        assertEquals(2f, cb.codes()[1], 1e-6);
        assertEquals(0, cb.indices()[0]);
        assertEquals(1, cb.indices()[4]);
    }

    /** Lloyd iterations from the uniform grid never lose to it: every layer's k-means SQNR beats uniform per tensor. */
    @Test
    void kmeansBeatsUniformPerTensorAndTheExportRuns() throws Exception {
        for (int levels : new int[] {16, 256}) {
            Path out = tmp.resolve("mlp_k" + levels + ".onnx");
            QuantizationReport r = Quantizer.run(FmnistFixtures.options(FmnistFixtures.mlp(), out).kmeans(levels)
                    .data(FmnistFixtures.testImages()).labels(FmnistFixtures.testLabels()).evaluationSamples(1000), ProgressBar.SILENT);
            QuantizationReport.NonUniform n = r.nonUniform();
            assertEquals(3, n.layers().size());
            for (NonUniformWeights.LayerComparison c : n.layers()) {
                assertTrue(c.kmeansSqnrDb() >= c.uniformPerTensorSqnrDb(), c.toString());
            }
            assertTrue(n.kmeans().comparison().sqnrDb() > n.uniformPerTensor().comparison().sqnrDb(), n.toString());
            assertTrue(n.kmeans().accuracy() >= r.evaluation().fp32Accuracy() - 0.01, n.kmeans().toString());
            assertTrue(Files.size(out) < Files.size(FmnistFixtures.mlp()) / 3, "one byte per weight plus codebooks");
        }
    }
}
