package io.tare.server.calibration;

import io.tare.client.cli.ClientMain;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Serving cost of live calibration (not run by {@code mvn test}; run with {@code main}): one
 * server holding the pre-quantized Fashion-MNIST ResCNN three times on the tare backend, with
 * calibration off, at its default (manual policy, cost-budgeted sampling) and under the auto policy,
 * and the FP32 ResCNN under the online policy, promoted first by a cold start on the 10,000 test
 * images. The client's own load generator ({@code tare client perf}) drives each in turn at the
 * given concurrency, batch 1, {@code rounds} times so that machine noise hits all of them. Prints
 * each run's JSON (throughput, p50, p99) and each model's sampling accounts, for RESULTS.md.
 *
 * <p>Arguments: {@code [seconds per run (10)] [rounds (3)] [concurrency (64)]}; needs
 * {@code -Dtare.shared.dir}.
 */
public final class SamplingOverheadBenchmark {
    private SamplingOverheadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String concurrency = args.length > 2 ? args[2] : "64";
        Path repo = Files.createTempDirectory("tare-overhead");
        String file = "fmnist/cnn/fmnist_rescnn_int8_hist_pc.onnx";
        CalibrationFixtures.addModel(repo, "sampling_off", file,
                CalibrationFixtures.tareConfig("sampling_off", 16, "calibration", "off"));
        CalibrationFixtures.addModel(repo, "sampling_on", file, CalibrationFixtures.tareConfig("sampling_on", 16));
        CalibrationFixtures.addModel(repo, "auto", file,
                CalibrationFixtures.tareConfig("auto", 16, "calibration_policy", "auto"));
        CalibrationFixtures.addModel(repo, "cold", "fmnist/cnn/fmnist_rescnn_fp32.onnx",
                CalibrationFixtures.tareConfig("cold", 16, "mode", "dynamic", "calibration_policy", "online"));
        List<String> models = List.of("sampling_off", "sampling_on", "auto", "cold");
        Path input = CalibrationFixtures.fixture("fmnist/calib_x.f32");
        try (TareServer server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, models).withAdminToken(Optional.empty()))) {
            StaleScalesRefreshTest.Outcome[] cold = StaleScalesRefreshTest.serve(server.grpcPort(), "cold",
                    CalibrationFixtures.floats("fmnist/test_x.f32"), CalibrationFixtures.labels("fmnist/test_y.u8"), false);
            int promotedAt = -1;
            for (int i = 0; i < cold.length && promotedAt < 0; i++) {
                promotedAt = cold[i].version() >= 1 ? i : -1;
            }
            System.out.println("cold start: promoted at request #" + promotedAt);
            for (int r = 0; r < rounds; r++) {
                for (String model : models) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    int code = ClientMain.run(new String[]{"perf", "--model", model, "--url", "127.0.0.1:" + server.grpcPort(),
                            "--input", "input=" + input + ":-1,1,28,28", "--concurrency", concurrency,
                            "--duration", String.valueOf(seconds), "--warmup", "3", "--json"},
                            new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
                    System.out.println("round " + r + " " + model + " (exit " + code + "): "
                            + out.toString(StandardCharsets.UTF_8).strip());
                }
            }
            for (String model : models.subList(1, models.size())) {
                ModelCalibration c = ((Calibratable) server.repository().get(model, "").backendModel()).calibration();
                System.out.printf("%s: scale version %d, %d batches sampled, %d dropped, calibration cost %.4f of"
                        + " serving time, catching up %s, events %s%n", model, c.activeVersion(), c.sampler().taken(),
                        c.sampler().dropped(), c.sampler().costFraction(), c.sampler().catchingUp(),
                        c.snapshot().get().events().stream().map(e -> e.kind().toString()).toList());
            }
        }
    }
}
