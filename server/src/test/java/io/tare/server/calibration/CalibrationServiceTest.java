package io.tare.server.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.tare.client.InferInput;
import io.tare.client.InferResult;
import io.tare.client.TareClient;
import io.tare.kernels.calibration.TensorHistogram;
import io.tare.proto.calibration.CalibrationServiceGrpc;
import io.tare.proto.calibration.CalibrationStatistics;
import io.tare.proto.calibration.GetPolicyRequest;
import io.tare.proto.calibration.GetScalesRequest;
import io.tare.proto.calibration.Range;
import io.tare.proto.calibration.RollbackRequest;
import io.tare.proto.calibration.ScaleTable;
import io.tare.proto.calibration.SetPolicyRequest;
import io.tare.proto.calibration.StreamStatisticsRequest;
import io.tare.proto.calibration.UpdateScalesRequest;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calibration service on a real server (digits QDQ model, tare backend, manual policy, admin
 * token set): gRPC stream, scales with compare-and-set, rollback, policy, token checks; the same
 * over HTTP with SSE; metrics. Each test uses its own model so that versions do not interfere.
 */
class CalibrationServiceTest {
    private static final String TOKEN = "s3cret";
    @TempDir
    static Path repo;
    static TareServer server;
    static ManagedChannel channel;
    static float[] images;

    @BeforeAll
    static void start() throws Exception {
        for (String m : List.of("grpc_scales", "http_scales", "streamed")) {
            CalibrationFixtures.addModel(repo, m, "digits/digits_cnn_qdq_fakequant.onnx",
                    CalibrationFixtures.tareConfig(m, 16, "calibration_sample_rate", "1"));
        }
        server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, List.of("grpc_scales", "http_scales", "streamed"))
                .withAdminToken(Optional.of(TOKEN)));
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        images = CalibrationFixtures.floats("digits/test_x.f32");
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }

    static CalibrationServiceGrpc.CalibrationServiceBlockingStub stub(boolean admin) {
        var stub = CalibrationServiceGrpc.newBlockingStub(channel);
        if (!admin) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    static long infer(String model, int count) {
        long version = -2;
        try (TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            for (int i = 0; i < count; i++) {
                float[] x = Arrays.copyOfRange(images, i * 64, (i + 1) * 64);
                InferResult r = client.infer(model, List.of(InferInput.ofFloats("input", new long[]{1, 1, 8, 8}, x)));
                version = ((Number) r.parameters().get("tare_scale_version")).longValue();
            }
        }
        return version;
    }

    @Test
    void scalesCompareAndSetRollbackAndPolicyOverGrpc() {
        ScaleTable own = stub(false).getScales(GetScalesRequest.newBuilder().setModelName("grpc_scales").build());
        assertEquals(0, own.getVersion());
        assertFalse(own.getEntriesMap().isEmpty(), "a QDQ file's activation scales are its quantization points");
        String tensor = own.getEntriesMap().keySet().iterator().next();
        Range doubled = Range.newBuilder().setScale(own.getEntriesOrThrow(tensor).getScale() * 2)
                .setZeroPoint(own.getEntriesOrThrow(tensor).getZeroPoint()).build();
        UpdateScalesRequest update = UpdateScalesRequest.newBuilder().setModelName("grpc_scales").setExpectedVersion(0)
                .putEntries(tensor, doubled).build();

        StatusRuntimeException noToken = assertThrows(StatusRuntimeException.class, () -> stub(false).updateScales(update));
        assertEquals(Status.Code.UNAUTHENTICATED, noToken.getStatus().getCode());
        StatusRuntimeException stale = assertThrows(StatusRuntimeException.class,
                () -> stub(true).updateScales(update.toBuilder().setExpectedVersion(7).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, stale.getStatus().getCode());

        ScaleTable v1 = stub(true).updateScales(update);
        assertEquals(1, v1.getVersion());
        assertEquals(doubled.getScale(), v1.getEntriesOrThrow(tensor).getScale());
        assertEquals(own.getEntriesCount(), v1.getEntriesCount(), "entries not named are kept");
        assertEquals(1, infer("grpc_scales", 3), "responses carry the version they ran with");

        ScaleTable v2 = stub(true).rollback(RollbackRequest.newBuilder().setModelName("grpc_scales").build());
        assertEquals(2, v2.getVersion());
        assertEquals(own.getEntriesMap(), v2.getEntriesMap(), "rollback restores the file's table under a new version");
        assertEquals(2, infer("grpc_scales", 3));

        assertEquals("manual", stub(false).getPolicy(GetPolicyRequest.newBuilder().setModelName("grpc_scales").build())
                .getPolicy());
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class, () -> stub(false)
                .setPolicy(SetPolicyRequest.newBuilder().setModelName("grpc_scales").setPolicy("auto").build()))
                .getStatus().getCode());
        assertEquals("auto", stub(true).setPolicy(SetPolicyRequest.newBuilder().setModelName("grpc_scales")
                .setPolicy("auto").build()).getPolicy());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class, () -> stub(true)
                .setPolicy(SetPolicyRequest.newBuilder().setModelName("grpc_scales").setPolicy("sometimes").build()))
                .getStatus().getCode());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> stub(false)
                .getScales(GetScalesRequest.newBuilder().setModelName("nope").build())).getStatus().getCode());
    }

    @Test
    void statisticsStreamCarriesExactHistogramsOfTheTraffic() {
        infer("streamed", 40);
        Iterator<CalibrationStatistics> stream = stub(false).withDeadlineAfter(30, TimeUnit.SECONDS)
                .streamStatistics(StreamStatisticsRequest.newBuilder().setModelName("streamed").setIntervalMs(200)
                        .addTensors("input").build());
        CalibrationStatistics first = stream.next();
        CalibrationStatistics second = stream.next();
        assertTrue(second.getTimeMs() >= first.getTimeMs() + 150, "messages come at the requested interval");
        assertEquals(40, second.getSamplesTaken(), "rate 1 samples every batch");
        // the calibration thread replays the samples after the requests: on a busy machine the first
        // messages may show some of them still pending (until the stream's deadline fails the test)
        CalibrationStatistics done = second;
        while (done.getSamplesProcessed() < 40) {
            done = stream.next();
        }
        assertEquals(40, done.getSamplesProcessed(), "processed never exceeds taken");
        assertEquals(1, done.getTensorsCount(), "only the tensors asked for");
        var input = done.getTensors(0);
        assertEquals("input", input.getTensor());
        assertEquals(0, done.getScaleVersion());
        TensorHistogram h = TensorHistogram.fromBytes(input.getSinceRefreshHistogram().toByteArray());
        TensorHistogram expected = new TensorHistogram(h.binning());
        expected.add(Arrays.copyOfRange(images, 0, 40 * 64));
        assertEquals(expected, h, "the streamed histogram is exactly that of the 40 images sent");
        assertTrue(input.hasClipRate() && input.getCandidatesMap().containsKey("mse") && input.getDisplayBinsCount() > 0);
    }

    @Test
    void httpRestAndServerSentEvents() throws Exception {
        infer("http_scales", 20);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String base = "http://127.0.0.1:" + server.httpPort() + "/v2/models/http_scales/calibration";
        HttpResponse<String> scales = http.send(HttpRequest.newBuilder(URI.create(base + "/scales")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, scales.statusCode(), scales.body());
        assertTrue(scales.body().contains("\"version\":\"0\""), scales.body());
        String tensor = "input";
        String body = "{\"expected_version\": 0, \"entries\": {\"" + tensor + "\": {\"scale\": 0.01, \"zero_point\": 0}}}";
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(base + "/scales"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, refused.statusCode());
        HttpResponse<String> updated = http.send(HttpRequest.newBuilder(URI.create(base + "/scales"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, updated.statusCode(), updated.body());
        assertTrue(updated.body().contains("\"version\":\"1\""), updated.body());
        HttpResponse<String> conflict = http.send(HttpRequest.newBuilder(URI.create(base + "/scales"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(409, conflict.statusCode(), "compare-and-set on version 0 fails once it is 1");

        HttpResponse<java.io.InputStream> sse = http.send(HttpRequest.newBuilder(URI.create(base
                + "/stream?interval_ms=200&histograms=false")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals("text/event-stream", sse.headers().firstValue("content-type").orElse(""));
        // bounded: a server that stops publishing must fail the test, not hang the build
        int events = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            int seen = 0;
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null && seen < 2; line = reader.readLine()) {
                    if (line.startsWith("data: ")) {
                        assertTrue(line.contains("\"scale_version\":\"1\"") && line.contains("\"tensor\":\"input\""),
                                line);
                        assertTrue(line.contains("client_update"), "the swap is announced on the stream: " + line);
                        seen++;
                    }
                }
            }
            return seen;
        }, "two SSE events within 30 s");
        assertEquals(2, events);

        Thread.sleep(1500); // the metrics scan runs every second
        HttpResponse<String> metrics = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics"))
                        .timeout(java.time.Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        String m = metrics.body();
        assertTrue(m.contains("tare_calibration_scale_version{model=\"http_scales\"} 1.0"), m);
        assertTrue(m.contains("tare_calibration_samples_total{model=\"http_scales\",outcome=\"taken\"} 20.0"), m);
        assertTrue(m.contains("tare_calibration_refreshes_total{model=\"http_scales\",outcome=\"rejected\"} 0.0"), m);
    }

}
