package io.tare.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.tare.client.InferInput;
import io.tare.client.InferOptions;
import io.tare.client.InferResult;
import io.tare.client.TareClient;
import io.tare.client.TareClientException;
import io.tare.proto.inference.ModelStatisticsRequest;
import io.tare.server.ServerOptions;
import io.tare.server.TareServer;
import io.tare.server.repository.ControlMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Queue limits and deadlines on a real server, with a gated backend so the queue state is exact. */
class SchedulingTest {
    @TempDir
    Path repo;
    TareServer server;
    TareClient client;

    @BeforeEach
    void start() throws Exception {
        Path version = Files.createDirectories(repo.resolve("gate/1"));
        Files.writeString(version.resolve("model.onnx"), "not read by the gate backend");
        Files.writeString(repo.resolve("gate/config.pbtxt"), """
                backend: "test-gate"
                instance_group [ { count: 1 } ]
                dynamic_batching { default_queue_policy { max_queue_size: 4 } }
                """);
        server = TareServer.start(ServerOptions.defaults(repo).withHost("127.0.0.1").withPorts(0, 0, 0)
                .withControl(ControlMode.EXPLICIT, List.of("gate")));
        client = TareClient.connect("127.0.0.1:" + server.grpcPort());
    }

    @AfterEach
    void stop() {
        GateBackend.GATE.release(Integer.MAX_VALUE / 4);
        client.close();
        server.close();
    }

    private static List<InferInput> row(float v) {
        return List.of(InferInput.ofFloats("x", new long[]{1, 4}, v, v, v, v));
    }

    /** Closes the gate and waits until the single instance is blocked inside a request. */
    private CompletableFuture<InferResult> occupyInstance() throws InterruptedException {
        GateBackend.GATE.drainPermits();
        CompletableFuture<InferResult> first = client.inferAsync("gate", row(0));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!GateBackend.GATE.hasQueuedThreads() && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertTrue(GateBackend.GATE.hasQueuedThreads(), "the instance never started the first request");
        return first;
    }

    @Test
    void fullQueueFailsAtOnceAndAcceptedRequestsStillComplete() throws Exception {
        CompletableFuture<InferResult> first = occupyInstance();
        List<CompletableFuture<InferResult>> queued = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            queued.add(client.inferAsync("gate", row(i)));
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.repository().get("gate", "").pendingRequests() < 4 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        long start = System.nanoTime();
        TareClientException full = assertThrows(TareClientException.class, () -> client.infer("gate", row(5)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.code(), full.getMessage());
        assertTrue(full.getMessage().contains("queued"), full.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "a full queue must fail at once");

        GateBackend.GATE.release(100);
        assertEquals(0f, first.get(10, TimeUnit.SECONDS).asFloats("y")[0]);
        for (int i = 0; i < 4; i++) {
            assertEquals(i + 1f, queued.get(i).get(10, TimeUnit.SECONDS).asFloats("y")[0]);
        }
    }

    @Test
    void expiredRequestIsNotRun() throws Exception {
        CompletableFuture<InferResult> first = occupyInstance();
        int executionsBefore = GateBackend.EXECUTIONS.get();
        TareClientException late = assertThrows(TareClientException.class, () -> client.infer("gate", row(1),
                InferOptions.builder().timeout(Duration.ofMillis(200)).build()));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, late.code());
        GateBackend.GATE.release(100);
        first.get(10, TimeUnit.SECONDS);
        // a request after the expired one proves the queue was drained past it
        assertEquals(7f, client.infer("gate", row(7)).asFloats("y")[0]);
        assertEquals(executionsBefore + 2, GateBackend.EXECUTIONS.get(),
                "the blocked request and the last one ran; the expired one must not have");
        try (GrpcChannel channel = new GrpcChannel(server.grpcPort())) {
            var stats = channel.stub().modelStatistics(ModelStatisticsRequest.newBuilder().setName("gate").build());
            assertEquals(1, stats.getModelStats(0).getInferenceStats().getFail().getCount());
            assertEquals(2, stats.getModelStats(0).getInferenceStats().getSuccess().getCount());
        }
    }
}
