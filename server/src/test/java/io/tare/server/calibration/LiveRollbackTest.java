package io.tare.server.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.client.InferInput;
import io.tare.client.InferResult;
import io.tare.client.TareClient;
import io.tare.server.TareServer;
import io.tare.server.engine.quant.ScaleTable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic rollback: under the auto policy a swap is watched live; a table whose served outputs
 * then agree with the float reference much less than the table it replaced is rolled back without
 * anyone asking. Here a client pushes an input scale 50x too small (nearly every pixel saturates).
 */
class LiveRollbackTest {
    @TempDir
    Path repo;

    @Test
    void aSwapWhoseLiveQualityDropsIsRolledBack() throws Exception {
        CalibrationFixtures.addModel(repo, "watched", "digits/digits_cnn_qdq_fakequant.onnx",
                CalibrationFixtures.tareConfig("watched", 16, "calibration_policy", "auto", "calibration_sample_rate", "1"));
        float[] images = CalibrationFixtures.floats("digits/test_x.f32");
        try (TareServer server = CalibrationFixtures.startServer(repo, "watched");
             TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            ModelCalibration c = ((Calibratable) server.repository().get("watched", "").backendModel()).calibration();
            send(client, images, 0, 40);
            ScaleTable own = c.activeTable();
            ScaleTable.Range input = own.get("input");
            c.updateScales(0, Map.of("input", new ScaleTable.Range(input.scale() / 50, input.zeroPoint())), false).get();
            long last = -1;
            for (int round = 0; round < 20 && last != 2; round++) {
                last = send(client, images, 40 + round * 10, 10);
                Thread.sleep(100);
            }
            CalibrationSnapshot s = c.snapshot().get();
            assertEquals(2, s.version(), "rolled back as version 2: " + s.events());
            assertEquals(own.entries(), c.activeTable().entries(), "the file's table is back");
            assertEquals(1, s.rolledBack());
            assertTrue(s.events().stream().anyMatch(e -> e.kind() == CalibrationEvent.Kind.ROLLED_BACK
                    && e.detail().contains("live quality dropped")), s.events().toString());
        }
    }

    private static long send(TareClient client, float[] images, int from, int count) {
        long version = -1;
        for (int i = from; i < from + count; i++) {
            int k = i % 360;
            InferResult r = client.infer("watched", List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8},
                    Arrays.copyOfRange(images, k * 64, (k + 1) * 64))));
            version = ((Number) r.parameters().get("tare_scale_version")).longValue();
        }
        return version;
    }
}
