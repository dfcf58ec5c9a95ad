package io.tare.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.client.InferInput;
import io.tare.client.TareClient;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics endpoint after real traffic: expected series present, and promtool accepts the text. */
class MetricsTest {
    @TempDir
    Path repo;

    @Test
    void prometheusExpositionPassesPromtool() throws Exception {
        Fixtures.addBundled(repo, "digits");
        String text;
        try (TareServer server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, List.of("digits")));
             TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            for (int i = 0; i < 20; i++) {
                client.infer("digits", List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8}, new float[64])));
            }
            assertThrows(RuntimeException.class, () -> client.infer("digits",
                    List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 7}, new float[56]))));
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            text = r.body();
        }
        for (String series : List.of(
                "tare_requests_total{model=\"digits\",outcome=\"success\",reason=\"\",version=\"1\"} 20.0",
                "tare_requests_total{model=\"digits\",outcome=\"failure\",reason=\"invalid_arg\",version=\"1\"} 1.0",
                "tare_request_duration_seconds_bucket{model=\"digits\",version=\"1\",le=",
                "tare_queue_duration_seconds_bucket{", "tare_compute_duration_seconds_bucket{",
                "tare_batch_size_bucket{", "tare_pending_requests{", "tare_model_load_duration_seconds_count",
                "jvm_memory_used_bytes{", "process_cpu_usage", "jvm_threads_live_threads")) {
            assertTrue(text.contains(series), "missing " + series + " in:\n" + text);
        }
        Process promtool = new ProcessBuilder(promtool(), "check", "metrics").redirectErrorStream(true).start();
        promtool.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String verdict = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(promtool.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, promtool.exitValue(), "promtool check metrics: " + verdict);
    }

    private static String promtool() {
        for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
            File f = new File(dir, "promtool");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        throw new AssertionError("promtool is not installed (Debian package 'prometheus'; .ci/run installs it)");
    }
}
