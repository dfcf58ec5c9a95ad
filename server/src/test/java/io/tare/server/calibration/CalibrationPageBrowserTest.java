package io.tare.server.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.client.InferInput;
import io.tare.client.TareClient;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live calibration page in a real headless browser (Debian's chromium, installed by .ci/run):
 * the page is loaded from the server, left to receive Server-Sent Events for a virtual-time budget,
 * and its DOM is dumped and checked: live updates arrived, the scale version and policy shown are the
 * server's, each quantization point has a histogram with the active clip range drawn and its clip
 * rate, and the client's scale push shows in the history. Fails (never skips) when chromium is
 * missing.
 */
class CalibrationPageBrowserTest {
    @TempDir
    Path tmp;

    static String chromium() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new AssertionError("chromium is not installed (.ci/run installs Debian's chromium)");
    }

    @Test
    void pageShowsLiveStatisticsFromTheStream() throws Exception {
        String browser = chromium();
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        CalibrationFixtures.addModel(repo, "page", "digits/digits_cnn_qdq_fakequant.onnx",
                CalibrationFixtures.tareConfig("page", 16, "calibration_sample_rate", "1"));
        float[] images = CalibrationFixtures.floats("digits/test_x.f32");
        try (TareServer server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, List.of("page")).withAdminToken(Optional.empty()))) {
            try (TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
                for (int i = 0; i < 100; i++) {
                    client.infer("page", List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8},
                            Arrays.copyOfRange(images, i * 64, (i + 1) * 64))));
                }
            }
            ModelCalibration c = ((Calibratable) server.repository().get("page", "").backendModel()).calibration();
            c.updateScales(0, java.util.Map.of("input", new io.tare.server.engine.quant.ScaleTable.Range(0.005f, 0)),
                    false).get();
            String url = "http://127.0.0.1:" + server.httpPort() + "/calibration/page?interval_ms=200&max_events=3";
            Process p = new ProcessBuilder(browser, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                    "--user-data-dir=" + Files.createDirectories(tmp.resolve("profile")),
                    "--virtual-time-budget=4000", "--dump-dom", url)
                    .redirectError(tmp.resolve("chromium.log").toFile()).start();
            // the page stops its stream after max_events, so virtual time can run out and the DOM is dumped
            java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium did not finish in 90 s");
            }
            byte[] dom = read.get(10, TimeUnit.SECONDS);
            String html = new String(dom, StandardCharsets.UTF_8);
            assertTrue(html.contains("<body"), "no DOM dumped; chromium log: " + Files.readString(tmp.resolve("chromium.log")));
            Matcher updates = Pattern.compile("data-updates=\"(\\d+)\"").matcher(html);
            assertTrue(updates.find(), html);
            assertEquals(3, Integer.parseInt(updates.group(1)), "live updates received");
            assertTrue(html.contains("id=\"version\">1<"), "version shown");
            assertTrue(html.contains("id=\"policy\">manual<"), "policy shown");
            assertTrue(html.contains("data-tensor=\"input\""), "the input's quantization point is shown");
            assertTrue(html.contains("clip-line clip-lo") && html.contains("clip-line clip-hi"), "clip range drawn");
            assertTrue(Pattern.compile("<rect class=\"bar\"[^>]*data-count=\"[1-9]").matcher(html).find(), "histogram bars");
            assertTrue(html.contains("<tr class=\"clip\"><th>clip rate</th><td"), "clip rate row");
            assertTrue(html.contains("client</td>"), "the client's push is in the scale history");
            assertTrue(html.contains("stopped after 3 updates"), "the stream stayed connected until the page stopped it");
        }
    }
}
