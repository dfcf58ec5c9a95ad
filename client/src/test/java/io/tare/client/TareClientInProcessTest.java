package io.tare.client;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TareClientInProcessTest {
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
    private String serverName;
    private Server server;
    private TareClient client;

    @BeforeEach
    void start() throws IOException {
        serverName = InProcessServerBuilder.generateName();
        ServerInterceptor recordAuthorization = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> next) {
                authorizations.add(String.valueOf(headers.get(AUTHORIZATION)));
                return next.startCall(call, headers);
            }
        };
        server = InProcessServerBuilder.forName(serverName)
                .addService(ServerInterceptors.intercept(new EchoInferenceService(), recordAuthorization))
                .build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(serverName).build();
        client = TareClient.over(channel, TareClientOptions.DEFAULT.withDeadline(Duration.ofSeconds(10)));
    }

    @AfterEach
    void stop() throws InterruptedException {
        client.close();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static List<InferInput> inputs() {
        return List.of(
                InferInput.ofFloats("x", new long[]{2, 2}, 1.5f, -2f, 0f, 3.25f),
                InferInput.ofLongs("ids", new long[]{1, 3}, 7L, -1L, Long.MIN_VALUE));
    }

    @Test
    void healthAndMetadata() {
        assertTrue(client.live());
        assertTrue(client.ready());
        assertTrue(client.modelReady("echo"));
        assertFalse(client.modelReady("other"));
        assertEquals("echo-server", client.serverMetadata().getName());
        assertEquals(2, client.modelMetadata("echo").getInputs(0).getShapeCount());
        TareClientException e = assertThrows(TareClientException.class, () -> client.modelMetadata("nope"));
        assertEquals(Status.Code.NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("unknown model 'nope'"), e.getMessage());
    }

    @Test
    void blockingInferRoundTripsRawTensors() {
        InferResult result = client.infer("echo", inputs(), InferOptions.builder().requestId("r-1").build());
        assertEquals("r-1", result.id());
        assertEquals(List.of("OUT_x", "OUT_ids"), result.outputNames());
        assertArrayEquals(new long[]{2, 2}, result.shape("OUT_x"));
        assertArrayEquals(new float[]{1.5f, -2f, 0f, 3.25f}, result.asFloats("OUT_x"));
        assertArrayEquals(new long[]{7L, -1L, Long.MIN_VALUE}, result.asLongs("OUT_ids"));
        assertThrows(IllegalArgumentException.class, () -> result.asFloats("missing"));
    }

    @Test
    void decodesTypedContents() {
        InferResult result = client.infer("echo_typed",
                List.of(InferInput.ofFloats("x", new long[]{3}, 0.5f, 1e-7f, -8f)));
        assertArrayEquals(new float[]{0.5f, 1e-7f, -8f}, result.asFloats("OUT_x"));
    }

    @Test
    void asyncInferCompletesAndReportsServerErrors() throws Exception {
        List<CompletableFuture<InferResult>> futures = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            futures.add(client.inferAsync("echo", List.of(InferInput.ofFloats("x", new long[]{1}, i))));
        }
        for (int i = 0; i < 16; i++) {
            assertArrayEquals(new float[]{i}, futures.get(i).get(5, TimeUnit.SECONDS).asFloats("OUT_x"));
        }
        CompletableFuture<InferResult> missing = client.inferAsync("missing", inputs());
        ExecutionException e = assertThrows(ExecutionException.class, () -> missing.get(5, TimeUnit.SECONDS));
        TareClientException cause = assertInstanceOf(TareClientException.class, e.getCause());
        assertEquals(Status.Code.NOT_FOUND, cause.code());
    }

    @Test
    void deadlineExceededOnBlockingAndAsyncCalls() {
        InferOptions tight = InferOptions.builder().timeout(Duration.ofMillis(100)).build();
        long start = System.nanoTime();
        TareClientException blocking = assertThrows(TareClientException.class,
                () -> client.infer("slow", inputs(), tight));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, blocking.code());
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1500), "deadline was not applied");

        CompletionException async = assertThrows(CompletionException.class,
                () -> client.inferAsync("slow", inputs(), tight).join());
        assertEquals(Status.Code.DEADLINE_EXCEEDED, assertInstanceOf(TareClientException.class, async.getCause()).code());
    }

    @Test
    void streamDeliversResultsAndPerRequestErrorsInOrder() throws InterruptedException {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<TareClientException> closeFailure = new AtomicReference<>();
        InferStream stream = client.openStream(new InferStreamListener() {
            @Override
            public void onResult(InferResult result) {
                events.add(result.id() + "=" + result.asFloats("OUT_x")[0]);
            }

            @Override
            public void onRequestError(String requestId, String message) {
                events.add(requestId + "!" + message);
            }

            @Override
            public void onClose(TareClientException failure) {
                closeFailure.set(failure);
                events.add("closed");
            }
        });
        for (int i = 0; i < 5; i++) {
            String model = i == 3 ? "missing" : "echo";
            stream.send(model, List.of(InferInput.ofFloats("x", new long[]{1}, i * 10f)),
                    InferOptions.builder().requestId("s" + i).build());
        }
        stream.complete();
        assertTrue(stream.awaitClose(Duration.ofSeconds(5)));
        assertNull(closeFailure.get());
        assertEquals(List.of("s0=0.0", "s1=10.0", "s2=20.0", "s3!unknown model 'missing'", "s4=40.0", "closed"),
                events);
        assertThrows(IllegalStateException.class, () -> stream.send("echo", inputs()));
    }

    @Test
    void cancelledStreamClosesWithCancelled() throws InterruptedException {
        AtomicReference<TareClientException> closeFailure = new AtomicReference<>();
        InferStream stream = client.openStream(new InferStreamListener() {
            @Override
            public void onResult(InferResult result) {
            }

            @Override
            public void onRequestError(String requestId, String message) {
            }

            @Override
            public void onClose(TareClientException failure) {
                closeFailure.set(failure);
            }
        });
        stream.cancel("test over");
        assertTrue(stream.awaitClose(Duration.ofSeconds(5)));
        assertEquals(Status.Code.CANCELLED, closeFailure.get().code());
    }

    @Test
    void repositoryCallsCarryTheBearerToken() {
        assertEquals("echo", client.repositoryIndex().getFirst().getName());
        assertEquals(3, client.modelStatistics("echo").getModelStats(0).getInferenceCount());
        assertEquals("null", authorizations.getLast(), "no token configured, none sent");
        try (TareClient admin = TareClient.over(InProcessChannelBuilder.forName(serverName).build(),
                TareClientOptions.DEFAULT.withBearerToken("s3cret"))) {
            admin.loadModel("echo");
            assertEquals("Bearer s3cret", authorizations.getLast());
            admin.inferAsync("echo", inputs()).join();
            assertEquals("Bearer s3cret", authorizations.getLast(), "async calls carry the token too");
            TareClientException missing = assertThrows(TareClientException.class, () -> admin.loadModel("nope"));
            assertEquals(Status.Code.NOT_FOUND, missing.code());
        }
    }

    @Test
    void inputsRejectMismatchedShapes() {
        assertThrows(IllegalArgumentException.class, () -> InferInput.ofFloats("x", new long[]{2, 2}, 1f, 2f));
    }
}
