package io.tare.server.calibration;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Online cold start: the FP32 Fashion-MNIST ResCNN with no calibration data, served dynamic INT8
 * under the online policy while the 10,000 test images arrive, gets promoted to static INT8; the
 * traffic answered after the promotion must score at least 0.9180 (FP32: 0.9191; torch's own static
 * PTQ hist_pc: 0.9178). Then throughput of the promoted model is compared with the offline-calibrated
 * static INT8 model (torch's hist_pc PTQ export, served by the same engine), same clients, same
 * machine, one after the other.
 */
class ColdStartPromotionTest {
    @TempDir
    Path repo;

    @Test
    void promotesToStaticInt8AndKeepsAccuracy() throws Exception {
        CalibrationFixtures.addModel(repo, "cold", "fmnist/cnn/fmnist_rescnn_fp32.onnx",
                CalibrationFixtures.tareConfig("cold", 16, "mode", "dynamic", "calibration_policy", "online"));
        CalibrationFixtures.addModel(repo, "offline", "fmnist/cnn/fmnist_rescnn_int8_hist_pc.onnx",
                CalibrationFixtures.tareConfig("offline", 16, "calibration", "off"));
        // the same offline model still calibrating (auto policy), as the promoted one does: the pair
        // that isolates what the cold start itself costs from what live calibration costs
        CalibrationFixtures.addModel(repo, "offline_auto", "fmnist/cnn/fmnist_rescnn_int8_hist_pc.onnx",
                CalibrationFixtures.tareConfig("offline_auto", 16, "calibration_policy", "auto"));
        float[] images = CalibrationFixtures.floats("fmnist/test_x.f32");
        byte[] labels = CalibrationFixtures.labels("fmnist/test_y.u8");
        try (TareServer server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, List.of("cold", "offline", "offline_auto")).withAdminToken(Optional.empty()))) {
            StaleScalesRefreshTest.Outcome[] outcomes = StaleScalesRefreshTest.serve(server.grpcPort(), "cold", images,
                    labels, true);
            int first = -1;
            int after = 0;
            int afterCorrect = 0;
            for (int i = 0; i < outcomes.length; i++) {
                if (outcomes[i].version() >= 1) {
                    first = first < 0 ? i : first;
                    after++;
                    afterCorrect += outcomes[i].correct() ? 1 : 0;
                }
            }
            CalibrationSnapshot s = ((Calibratable) server.repository().get("cold", "").backendModel()).calibration()
                    .snapshot().get();
            System.out.printf("cold start: promoted at request #%d; after promotion %d/%d = %.4f; events %s%n", first,
                    afterCorrect, after, after == 0 ? 0.0 : (double) afterCorrect / after, s.events());
            assertTrue(first >= 0, "never promoted: " + s.events());
            double promotedAccuracy = (double) afterCorrect / after;
            double fp32Accuracy = CalibrationFixtures.accuracyFrom(CalibrationFixtures.correctPerImage(
                    "fmnist/cnn/fmnist_rescnn_fp32.onnx", images, labels), first);
            double offlineAccuracy = CalibrationFixtures.accuracyFrom(CalibrationFixtures.correctPerImage(
                    StaleScalesRefreshTest.OFFLINE_TWIN, images, labels), first);
            System.out.printf("cold start: on the same requests (#%d..9999): promoted %.4f, offline-calibrated static"
                    + " INT8 %.4f, FP32 %.4f%n", first, promotedAccuracy, offlineAccuracy, fp32Accuracy);
            // 0.9180 is the bar, about what offline calibration (torch's hist_pc PTQ: 0.9178) scores on
            // all 10,000 images; the requests after the promotion are a subset, on which the offline model is
            // the fair reference, less 0.002 for the ~0.001 (one standard deviation) two INT8 tables differ by.
            assertTrue(promotedAccuracy >= Math.min(0.9180, offlineAccuracy - 0.002), String.format(
                    "after promotion %.4f vs the offline-calibrated model %.4f (FP32 %.4f) on the same requests",
                    promotedAccuracy, offlineAccuracy, fp32Accuracy));

            double promoted = 0;
            double offline = 0;
            double offlineAuto = 0;
            for (int round = 0; round < 2; round++) { // interleaved, so that machine noise hits all three
                promoted += throughput(server, "promoted", "cold", images, labels);
                offline += throughput(server, "offline", "offline", images, labels);
                offlineAuto += throughput(server, "offline, calibrating", "offline_auto", images, labels);
            }
            // Speed is reported, not asserted (house rule: no timed assertions; a loaded CI machine made
            // this comparison fail while nothing was wrong). RESULTS.md records it from a quiet run.
            System.out.printf("throughput (4 gRPC clients, batch 1, 2 x 3000 requests): promoted %.0f req/s, "
                    + "offline static INT8 %.0f req/s (ratio %.3f), the offline model calibrating too (auto) %.0f req/s"
                    + " (ratio %.3f)%n", promoted / 2, offline / 2, promoted / offline, offlineAuto / 2,
                    promoted / offlineAuto);
        }
    }

    private static double throughput(TareServer server, String label, String model, float[] images, byte[] labels)
            throws Exception {
        long start = System.nanoTime();
        StaleScalesRefreshTest.serve(server.grpcPort(), model, images, labels, false, 3000);
        return 3000 / ((System.nanoTime() - start) / 1e9);
    }
}
