package io.tare.server.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.client.InferInput;
import io.tare.client.TareClient;
import io.tare.server.TareServer;
import io.tare.server.engine.quant.ScaleTable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Online cold start fed a burst of harmful traffic first: the first 32 requests are digits images
 * 1,000x too large, then normal images follow. Every batch is sampled, so after the burst the
 * calibration thread holds exactly the 32 sampled batches a promotion needs, all of them outliers,
 * and the guard (which compares on those same inputs) would accept a table fitted to them. The
 * first table the model is promoted to must fit the normal traffic (inputs in [0, 1], a uint8 scale
 * near 1/255), not the burst (near 1000/255): the promotion waits for later traffic to agree.
 */
class ColdStartBurstTest {
    private static final String MODEL = "burst";
    private static final int BURST = 32;

    @TempDir
    Path repo;

    @Test
    void aBurstOfOutliersAtStartUpIsNotPromoted() throws Exception {
        CalibrationFixtures.addModel(repo, MODEL, "digits/digits_cnn_fp32.onnx",
                CalibrationFixtures.tareConfig(MODEL, 16, "mode", "dynamic", "calibration_policy", "online",
                        "calibration_sample_rate", "1", "calibration_window_seconds", "3"));
        float[] images = CalibrationFixtures.floats("digits/test_x.f32");
        try (TareServer server = CalibrationFixtures.startServer(repo, MODEL);
             TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            ModelCalibration calibration = ((Calibratable) server.repository().get(MODEL, "").backendModel())
                    .calibration();
            for (int i = 0; i < BURST; i++) {
                infer(client, image(images, i, 1000f));
            }
            // let the calibration thread take in the whole burst and decide on it before anything else
            // arrives: this is where a promotion on the burst alone would happen
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            CalibrationSnapshot s = calibration.snapshot().get();
            while (s.events().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
                s = calibration.snapshot().get();
            }
            assertEquals(0, s.samplesDropped(), "every burst batch must reach the calibration thread");
            assertTrue(!s.events().isEmpty(), "the burst was decided on: " + s);

            int next = 0;
            while (calibration.activeVersion() < 1 && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(120)) {
                infer(client, image(images, next++ % 360, 1f));
            }
            s = calibration.snapshot().get();
            System.out.printf("cold start after a burst of %d x1000 requests: promoted after %d normal requests; "
                    + "events %s%n", BURST, next, s.events());
            CalibrationSnapshot.HistoryEntry first = s.history().stream().filter(h -> h.version() == 1).findFirst()
                    .orElseThrow(() -> new AssertionError("never promoted: " + calibration.latest().events()));
            ScaleTable.Range input = first.entries().get("input");
            assertTrue(input != null, "the promoted table quantizes the input: " + first.entries().keySet());
            // normal inputs span [0, 1]: a range method chooses about 1/255; the burst alone gives about 1000/255
            assertTrue(input.scale() < 4.0 / 255, "promoted input scale " + input.scale() + " fits the burst");
            assertTrue(s.events().stream().anyMatch(e -> e.kind() == CalibrationEvent.Kind.PROMOTION_PENDING),
                    "the promotion waited for confirmation: " + s.events());
        }
    }

    private static float[] image(float[] images, int index, float factor) {
        float[] x = Arrays.copyOfRange(images, index * 64, (index + 1) * 64);
        for (int i = 0; i < x.length; i++) {
            x[i] *= factor;
        }
        return x;
    }

    private static void infer(TareClient client, float[] image) {
        client.infer(MODEL, List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8}, image)));
    }
}
