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
 * Serving cost of calibration sampling (not run by {@code mvn test}; run with {@code main}): one
 * server, the same pre-quantized Fashion-MNIST ResCNN loaded twice on the tare backend, once with
 * calibration at its default (cost-budgeted sampling) and once with calibration off; the client's
 * own load generator ({@code tare client perf}) drives each at concurrency 64, batch 1, alternating
 * {@code rounds} times so that machine noise hits both. Prints each run's JSON (throughput, p50,
 * p99) for RESULTS.md.
 *
 * <p>Arguments: {@code [seconds per run (10)] [rounds (3)]}; needs {@code -Dtare.shared.dir}.
 */
public final class SamplingOverheadBenchmark {
    private SamplingOverheadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path repo = Files.createTempDirectory("tare-overhead");
        String file = "fmnist/cnn/fmnist_rescnn_int8_hist_pc.onnx";
        CalibrationFixtures.addModel(repo, "sampling_on", file, CalibrationFixtures.tareConfig("sampling_on", 16));
        CalibrationFixtures.addModel(repo, "sampling_off", file,
                CalibrationFixtures.tareConfig("sampling_off", 16, "calibration", "off"));
        Path input = CalibrationFixtures.fixture("fmnist/calib_x.f32");
        try (TareServer server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, List.of("sampling_on", "sampling_off"))
                .withAdminToken(Optional.empty()))) {
            for (int r = 0; r < rounds; r++) {
                for (String model : List.of("sampling_off", "sampling_on")) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    int code = ClientMain.run(new String[]{"perf", "--model", model, "--url", "127.0.0.1:" + server.grpcPort(),
                            "--input", "input=" + input + ":-1,1,28,28", "--concurrency", "64",
                            "--duration", String.valueOf(seconds), "--warmup", "3", "--json"},
                            new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
                    System.out.println("round " + r + " " + model + " (exit " + code + "): "
                            + out.toString(StandardCharsets.UTF_8).strip());
                }
            }
            ModelCalibration c = ((Calibratable) server.repository().get("sampling_on", "").backendModel()).calibration();
            System.out.printf("sampling_on: %d batches sampled, %d dropped, sampling cost %.4f of serving time%n",
                    c.sampler().taken(), c.sampler().dropped(), c.sampler().costFraction());
        }
    }
}
