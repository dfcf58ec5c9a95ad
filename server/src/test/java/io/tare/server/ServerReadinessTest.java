package io.tare.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tare.client.TareClient;
import io.tare.server.backend.BackendRegistry;
import io.tare.server.core.TareException;
import io.tare.server.repository.ControlMode;
import io.tare.server.repository.ModelRepository;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server readiness over the three ways clients ask (HTTP {@code /v2/health/ready}, gRPC
 * {@code ServerReady}, {@code grpc.health.v1}): not ready while a model that should be served failed
 * to load, ready when every requested model is READY (models merely not loaded do not count), and
 * not ready before startup finished or once shutdown began.
 */
class ServerReadinessTest {
    @TempDir
    Path repo;

    private void addDigits(String name) throws Exception {
        Path version = Files.createDirectories(repo.resolve(name).resolve("1"));
        Files.copy(fixture("digits/digits_cnn_fp32.onnx"), version.resolve("model.onnx"));
    }

    private void addGarbage(String name) throws Exception {
        Path version = Files.createDirectories(repo.resolve(name).resolve("1"));
        Files.writeString(version.resolve("model.onnx"), "not an ONNX file");
    }

    private static Path fixture(String relative) {
        String dir = System.getProperty("tare.shared.dir");
        assertTrue(dir != null, "tare.shared.dir is not set");
        Path p = Path.of(dir, "fixtures", relative);
        assertTrue(Files.exists(p), "missing fixture " + p);
        return p;
    }

    private TareServer start(ControlMode mode, List<String> load) {
        return TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(mode, load).withAdminToken(Optional.empty()));
    }

    /** What the three endpoints answer, read over real ports. */
    private record Answers(int http, boolean serverReady, HealthCheckResponse.ServingStatus health) {
        static Answers of(TareServer server) throws Exception {
            HttpResponse<String> http = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .build();
            try (TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
                return new Answers(http.statusCode(), client.ready(), HealthGrpc.newBlockingStub(channel)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }

        boolean allReady() {
            return http == 200 && serverReady && health == HealthCheckResponse.ServingStatus.SERVING;
        }

        boolean noneReady() {
            return http == 503 && !serverReady && health == HealthCheckResponse.ServingStatus.NOT_SERVING;
        }
    }

    /**
     * Waits for the endpoints to agree on {@code wanted}: HTTP and grpc.health hold a flag that is
     * refreshed on a timer, so a change made behind the server's back shows after a moment.
     */
    private static Answers await(TareServer server, java.util.function.Predicate<Answers> wanted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Answers last = Answers.of(server);
        while (!wanted.test(last) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            last = Answers.of(server);
        }
        return last;
    }

    @Test
    void aModelThatFailedToLoadMakesTheServerNotReady() throws Exception {
        addDigits("digits");
        addGarbage("garbage");
        try (TareServer server = start(ControlMode.NONE, List.of());
             TareClient client = TareClient.connect("127.0.0.1:" + server.grpcPort())) {
            assertTrue(client.modelReady("digits"), "the good model serves");
            assertFalse(server.ready());
            Answers answers = await(server, Answers::noneReady);
            assertTrue(answers.noneReady(), answers.toString());
        }
    }

    @Test
    void readyWhenEveryRequestedModelIsReadyAndNotAfterAFailedLoad() throws Exception {
        addDigits("digits");
        addDigits("spare");
        addGarbage("garbage");
        try (TareServer server = start(ControlMode.EXPLICIT, List.of("digits"))) {
            // "spare" and "garbage" were never requested: not loaded, but nothing failed
            assertTrue(server.ready());
            Answers answers = await(server, Answers::allReady);
            assertTrue(answers.allReady(), answers.toString());

            server.repository().unload("digits");
            assertTrue(server.ready(), "a model unloaded on purpose is not missing");

            assertThrows(TareException.class, () -> server.repository().load("garbage"));
            assertFalse(server.ready(), "a requested model failed to load");
            answers = await(server, Answers::noneReady);
            assertTrue(answers.noneReady(), answers.toString());

            server.repository().load("spare");
            assertFalse(server.ready(), "loading another model does not repair the failed one");
        }
    }

    @Test
    void notReadyBeforeStartupFinishedNorAfterShutdownBegan() throws Exception {
        addDigits("digits");
        try (ModelRepository repository = new ModelRepository(repo, BackendRegistry.discover(), new SimpleMeterRegistry(),
                cpu -> { }, ControlMode.EXPLICIT)) {
            ServerReadiness readiness = new ServerReadiness(repository);
            List<Boolean> published = new CopyOnWriteArrayList<>();
            try (AutoCloseable publisher = readiness.publish(List.of(published::add), Duration.ofHours(1))) {
                repository.load("digits");
                assertFalse(readiness.ready(), "the models are loaded but startup has not finished");
                readiness.markStarted();
                assertTrue(readiness.ready());
                readiness.markStopping();
                assertFalse(readiness.ready(), "shutdown began");
                repository.load("digits");
                assertFalse(readiness.ready(), "a stopping server stays not ready");
            }
            // the timer never ticked (1 h): start and stop were pushed at once
            assertEquals(List.of(false, true, false), List.copyOf(published));
        }
    }

    @Test
    void closingReportsNotReadyBeforeTheFrontendsStop() throws Exception {
        addDigits("digits");
        TareServer server = start(ControlMode.EXPLICIT, List.of("digits"));
        assertTrue(server.ready());
        server.close();
        // the closed repository lists "digits" as merely not loaded, so only the stop mark says no
        assertFalse(server.ready());
    }
}
