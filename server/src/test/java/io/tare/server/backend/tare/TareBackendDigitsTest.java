package io.tare.server.backend.tare;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tare.client.InferInput;
import io.tare.client.InferResult;
import io.tare.client.TareClient;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.calibration.CalibrationFixtures;
import io.tare.server.repository.ControlMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The digits test set through a real server over gRPC with {@code backend: "tare"}: the FP32 model
 * and its QDQ INT8 twin (run natively in INT8) must each get 351/360, as torch and ONNX Runtime do;
 * the QDQ model's responses carry the scale table version it ran with (0, the file's own).
 */
class TareBackendDigitsTest {
    private static final int IMAGES = 360;
    private static final int PIXELS = 64;

    @TempDir
    static Path repo;
    static TareServer server;

    @BeforeAll
    static void start() throws Exception {
        CalibrationFixtures.addModel(repo, "digits_tare", "digits/digits_cnn_fp32.onnx",
                CalibrationFixtures.tareConfig("digits_tare", 64));
        CalibrationFixtures.addModel(repo, "digits_qdq_tare", "digits/digits_cnn_qdq_fakequant.onnx",
                CalibrationFixtures.tareConfig("digits_qdq_tare", 64));
        server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, List.of("digits_tare", "digits_qdq_tare"))
                .withAdminToken(Optional.empty()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest
    @CsvSource({"digits_tare, -1", "digits_qdq_tare, 0"})
    void reproducesTorchAccuracyOverGrpc(String model, long version) throws Exception {
        float[] images = CalibrationFixtures.floats("digits/test_x.f32");
        byte[] labels = CalibrationFixtures.labels("digits/test_y.u8");
        int correct = 0;
        try (TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            for (int i = 0; i < IMAGES; i++) {
                float[] x = java.util.Arrays.copyOfRange(images, i * PIXELS, (i + 1) * PIXELS);
                InferResult r = client.infer(model, List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8}, x)));
                if (CalibrationFixtures.argmax(r.asFloats("logits")) == labels[i]) {
                    correct++;
                }
                Object v = r.parameters().get("tare_scale_version");
                assertEquals(version < 0 ? null : version, v == null ? null : ((Number) v).longValue());
            }
        }
        assertEquals(351, correct);
    }
}
