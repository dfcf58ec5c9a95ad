package io.tare.server.backend.tare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.client.InferInput;
import io.tare.client.TareClient;
import io.tare.server.TareServer;
import io.tare.server.calibration.CalibrationFixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A calibrating model serves every batch on the fully fused engine model; the calibration thread
 * replays the sampled ones on the tapped build: the same Fashion-MNIST ResCNN (torch INT8 file)
 * loaded with calibration sampling half the batches and with calibration off must answer every
 * image with the same bits while samples are taken, and only the untapped build may carry the
 * passes a tap rules out.
 */
class SampledBatchRoutingTest {
    private static final int PIXELS = 784;

    @TempDir
    Path repo;

    @Test
    void everyBatchRunsFusedAndEveryAnswerMatchesTheUntappedModel() throws Exception {
        String file = "fmnist/cnn/fmnist_rescnn_int8_hist_pc.onnx";
        CalibrationFixtures.addModel(repo, "sampling", file,
                CalibrationFixtures.tareConfig("sampling", 8, "calibration_sample_rate", "0.5"));
        CalibrationFixtures.addModel(repo, "plain", file, CalibrationFixtures.tareConfig("plain", 8, "calibration", "off"));
        float[] images = CalibrationFixtures.floats("fmnist/test_x.f32");
        try (TareServer server = CalibrationFixtures.startServer(repo, "sampling", "plain");
             TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            TareModel sampling = (TareModel) server.repository().get("sampling", "").backendModel();
            TareModel plain = (TareModel) server.repository().get("plain", "").backendModel();
            assertTrue(sampling.serving().model().appliedPasses().contains("channels-last-activations"),
                    "batches run fused: " + sampling.serving().model().appliedPasses());
            assertFalse(sampling.serving().sampled().appliedPasses().contains("channels-last-activations"),
                    "the tapped build keeps the float tensors the tap reads");
            assertNull(plain.serving().sampled(), "calibration off builds no tapped model");
            for (int i = 0; i < 200; i++) {
                float[] x = Arrays.copyOfRange(images, i * PIXELS, (i + 1) * PIXELS);
                List<InferInput> in = List.of(InferInput.ofFloats("input", new long[]{1, 1, 28, 28}, x));
                assertArrayEquals(client.infer("plain", in).asFloats("logits"),
                        client.infer("sampling", in).asFloats("logits"), "image " + i);
            }
            long taken = sampling.calibration().snapshot().get().samplesTaken();
            assertTrue(taken > 20, "about half of 200 batches sampled, got " + taken);
        }
    }
}
