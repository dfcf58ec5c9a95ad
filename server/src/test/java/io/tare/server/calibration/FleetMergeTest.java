package io.tare.server.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.client.InferInput;
import io.tare.client.TareClient;
import io.tare.client.calibrate.FleetCalibration;
import io.tare.client.cli.ClientMain;
import io.tare.kernels.calibration.MseRange;
import io.tare.kernels.calibration.TensorHistogram;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet calibration: two servers each see half of the digits test set, a third sees all of it
 * (every batch sampled); {@code tare client calibrate --follow a --follow b} must merge the two
 * halves into exactly the histogram counts of the third, and {@code --push} installs the resulting
 * scales on both.
 */
class FleetMergeTest {
    private static final String MODEL = "fleet";

    @TempDir
    Path repo;

    @Test
    void twoHalvesMergeToExactlyTheWhole() throws Exception {
        CalibrationFixtures.addModel(repo, MODEL, "digits/digits_cnn_qdq_fakequant.onnx",
                CalibrationFixtures.tareConfig(MODEL, 16, "calibration_sample_rate", "1"));
        float[] images = CalibrationFixtures.floats("digits/test_x.f32");
        Path token = Files.writeString(repo.resolve("token"), "fleet-token\n");
        List<TareServer> servers = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                servers.add(TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                        .withControl(ControlMode.EXPLICIT, List.of(MODEL)).withAdminToken(Optional.of("fleet-token"))));
            }
            send(servers.get(0), images, 0, 180);
            send(servers.get(1), images, 180, 360);
            send(servers.get(2), images, 0, 360);
            for (int i = 0; i < 3; i++) {
                awaitAbsorbed(servers.get(i), i == 2 ? 360 : 180);
            }
            List<String> halves = List.of(target(servers.get(0)), target(servers.get(1)));
            Map<String, TensorHistogram> merged;
            Map<String, TensorHistogram> whole;
            try (FleetCalibration fleet = new FleetCalibration(halves, null)) {
                merged = fleet.collect(MODEL, List.of()).histograms();
            }
            try (FleetCalibration one = new FleetCalibration(List.of(target(servers.get(2))), null)) {
                whole = one.collect(MODEL, List.of()).histograms();
            }
            assertFalse(whole.isEmpty());
            assertEquals(whole.keySet(), merged.keySet());
            for (String tensor : whole.keySet()) {
                assertEquals(whole.get(tensor), merged.get(tensor), "merged counts of '" + tensor + "'");
                assertTrue(Arrays.equals(whole.get(tensor).counts(), merged.get(tensor).counts()));
            }
            assertEquals(360L * 64, whole.get("input").count());

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            List<String> argv = new ArrayList<>(List.of("calibrate", "--follow", halves.get(0), "--follow", halves.get(1),
                    "--model", MODEL, "--push", "--token-file", token.toString()));
            int code = ClientMain.run(argv.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            String printed = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
            assertTrue(printed.contains("\"input\":{\"count\":" + 360 * 64), printed);
            var expected = FleetCalibration.scales(whole, new MseRange()).get("input");
            for (int i = 0; i < 2; i++) {
                var active = ((Calibratable) servers.get(i).repository().get(MODEL, "").backendModel()).calibration()
                        .activeTable();
                assertEquals(1, active.version(), "pushed to server " + i);
                assertEquals(expected.scale(), active.get("input").scale());
                assertEquals(expected.zeroPoint(), active.get("input").zeroPoint());
            }
        } finally {
            servers.forEach(TareServer::close);
        }
    }

    private static String target(TareServer s) {
        return "127.0.0.1:" + s.grpcPort();
    }

    private static void send(TareServer server, float[] images, int from, int to) {
        try (TareClient client = TareClient.connect(target(server))) {
            for (int i = from; i < to; i++) {
                client.infer(MODEL, List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8},
                        Arrays.copyOfRange(images, i * 64, (i + 1) * 64))));
            }
        }
    }

    /** Waits until the calibration thread has absorbed every sampled batch (none may be dropped). */
    private static void awaitAbsorbed(TareServer server, int batches) throws Exception {
        ModelCalibration c = ((Calibratable) server.repository().get(MODEL, "").backendModel()).calibration();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            CalibrationSnapshot s = c.snapshot().get();
            assertEquals(0, s.samplesDropped(), "a dropped sample would make the merge inexact");
            if (s.tensor("input") != null && s.tensor("input").sinceRefresh().count() == batches * 64L) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("calibration did not absorb " + batches + " batches");
    }
}
