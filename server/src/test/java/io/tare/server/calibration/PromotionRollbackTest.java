package io.tare.server.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.client.InferInput;
import io.tare.client.InferResult;
import io.tare.client.TareClient;
import io.tare.server.TareServer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cold-start promotion is watched live like any automatic swap. When the traffic after it turns
 * into something the promoted table cannot represent (here inverted images, every pixel negative: the
 * promoted input range starts at 0, so the INT8 model sees blank images while FP32 still sees digits), live agreement with the float reference drops and the
 * promotion is rolled back: with no earlier table, the model serves as before it (dynamic INT8),
 * and a later promotion gets a new, higher version.
 */
class PromotionRollbackTest {
    private static final String MODEL = "promoted_then_shifted";

    @TempDir
    Path repo;

    @Test
    void aPromotionWhoseLiveQualityDropsIsRolledBackToServingWithoutATable() throws Exception {
        CalibrationFixtures.addModel(repo, MODEL, "digits/digits_cnn_fp32.onnx",
                CalibrationFixtures.tareConfig(MODEL, 16, "mode", "dynamic", "calibration_policy", "online",
                        "calibration_sample_rate", "1"));
        float[] images = CalibrationFixtures.floats("digits/test_x.f32");
        try (TareServer server = CalibrationFixtures.startServer(repo, MODEL);
             TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            ModelCalibration calibration = ((Calibratable) server.repository().get(MODEL, "").backendModel())
                    .calibration();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            int next = 0;
            while (calibration.activeVersion() < 1 && System.nanoTime() < deadline) {
                infer(client, images, next++ % 360, 1f);
            }
            assertEquals(1, calibration.activeVersion(), "never promoted");

            long version = 1;
            while (version != -1 && System.nanoTime() < deadline) {
                version = infer(client, images, next++ % 360, -1f);
            }
            CalibrationSnapshot s = calibration.snapshot().get();
            System.out.printf("promotion rolled back after %d requests; events %s%n", next, s.events());
            assertEquals(-1, version, "responses announce serving without a table: " + s.events());
            assertNull(calibration.activeTable(), "no table is active");
            assertEquals(1, s.rolledBack());
            assertTrue(s.events().stream().anyMatch(e -> e.kind() == CalibrationEvent.Kind.ROLLED_BACK
                    && e.detail().contains("cold-start promotion")), s.events().toString());
        }
    }

    /** One image (scaled by {@code gain}); returns the scale version the response announces, -1 for none. */
    private static long infer(TareClient client, float[] images, int k, float gain) {
        float[] x = Arrays.copyOfRange(images, k * 64, (k + 1) * 64);
        for (int i = 0; i < x.length; i++) {
            x[i] *= gain;
        }
        InferResult r = client.infer(MODEL, List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8}, x)));
        Object v = r.parameters().get("tare_scale_version"); // absent while serving without a table
        return v == null ? -1 : ((Number) v).longValue();
    }
}
