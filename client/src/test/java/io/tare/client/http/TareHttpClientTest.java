package io.tare.client.http;

import io.grpc.Status;
import io.tare.client.InferInput;
import io.tare.client.InferOptions;
import io.tare.client.InferResult;
import io.tare.client.TareClientException;
import io.tare.client.TareClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TareHttpClient against a real loopback HTTP server, {@link EchoHttpServer}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one server and client: java.net.http's first request costs ~1 s
class TareHttpClientTest {
    private EchoHttpServer server;
    private TareHttpClient client;

    @BeforeAll
    void start() throws IOException {
        server = EchoHttpServer.start();
        client = TareHttpClient.connect(server.address(), TareClientOptions.DEFAULT.withDeadline(Duration.ofSeconds(5)));
    }

    @AfterAll
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void healthAndMetadataOverRest() {
        assertTrue(client.live());
        assertTrue(client.ready());
        assertTrue(client.modelReady("echo"));
        assertFalse(client.modelReady("other"));
        assertEquals("echo-http", client.serverMetadata().getName());
        assertEquals(List.of(-1L, 3L), client.modelMetadata("echo").getInputs(0).getShapeList());
        TareClientException e = assertThrows(TareClientException.class, () -> client.modelMetadata("nope"));
        assertEquals(Status.Code.NOT_FOUND, e.code());
        assertEquals(404, e.httpStatus());
        assertTrue(e.getMessage().contains("unknown path /v2/models/nope"), e.getMessage());
    }

    @Test
    void infersBinaryAndJson() {
        List<InferInput> inputs = List.of(InferInput.ofFloats("x", new long[]{1, 3}, 1f, 2.5f, -3f),
                InferInput.ofLongs("ids", new long[]{2}, 9L, 10L));
        for (boolean binary : new boolean[]{true, false}) {
            InferResult result = client.infer("echo", inputs,
                    InferOptions.builder().binaryData(binary).requestId("q").build());
            assertEquals("q", result.id());
            assertArrayEquals(new float[]{1f, 2.5f, -3f}, result.asFloats("OUT_x"));
            assertArrayEquals(new long[]{9L, 10L}, result.asLongs("OUT_ids"));
        }
        InferResult async = client.inferAsync("echo", inputs).join();
        assertArrayEquals(new long[]{1, 3}, async.shape("OUT_x"));
    }

    @Test
    void repositoryCallsCarryTheBearerToken() {
        client.loadModel("echo");
        assertEquals("null", server.lastAuthorization());
        try (TareHttpClient admin = TareHttpClient.connect(server.address(),
                TareClientOptions.DEFAULT.withBearerToken("s3cret"))) {
            admin.unloadModel("echo");
            assertEquals("Bearer s3cret", server.lastAuthorization());
            assertEquals(Status.Code.NOT_FOUND, assertThrows(TareClientException.class, () -> admin.loadModel("x")).code());
        }
    }

    @Test
    void serverAndConnectionErrorsAreClientExceptions() throws IOException {
        List<InferInput> inputs = List.of(InferInput.ofFloats("x", new long[]{1}, 1f));
        TareClientException missing = assertThrows(TareClientException.class, () -> client.infer("nope", inputs));
        assertEquals(Status.Code.NOT_FOUND, missing.code());
        CompletionException async = assertThrows(CompletionException.class,
                () -> client.inferAsync("nope", inputs).join());
        assertEquals(Status.Code.NOT_FOUND, assertInstanceOf(TareClientException.class, async.getCause()).code());

        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (TareHttpClient closed = TareHttpClient.connect("127.0.0.1:" + port)) {
            assertEquals(Status.Code.UNAVAILABLE, assertThrows(TareClientException.class, closed::live).code());
        }
    }
}
