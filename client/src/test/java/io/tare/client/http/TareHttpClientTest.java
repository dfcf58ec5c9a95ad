package io.tare.client.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Status;
import io.tare.client.InferInput;
import io.tare.client.InferOptions;
import io.tare.client.InferResult;
import io.tare.client.TareClientException;
import io.tare.client.TareClientOptions;
import io.tare.client.data.TensorData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TareHttpClient against a real loopback HTTP server (the JDK's) that speaks just enough KServe v2 REST:
 * health, metadata, and an "echo" model answering each input as "OUT_" + name, binary or JSON as asked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one server and client: java.net.http's first request costs ~1 s
class TareHttpClientTest {
    private HttpServer server;
    private TareHttpClient client;

    @BeforeAll
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/v2", this::handle);
        server.start();
        client = TareHttpClient.connect("127.0.0.1:" + server.getAddress().getPort(),
                TareClientOptions.DEFAULT.withDeadline(Duration.ofSeconds(5)));
    }

    @AfterAll
    void stop() {
        client.close();
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        byte[] request = exchange.getRequestBody().readAllBytes();
        switch (path) {
            case "/v2/health/live", "/v2/health/ready", "/v2/models/echo/ready" -> reply(exchange, 200, "{}");
            case "/v2" -> reply(exchange, 200, "{\"name\":\"echo-http\",\"version\":\"1\",\"extensions\":[\"binary_tensor_data\"]}");
            case "/v2/models/echo" -> reply(exchange, 200, "{\"name\":\"echo\",\"platform\":\"x\",\"inputs\":"
                    + "[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1,3]}],\"outputs\":[]}");
            case "/v2/models/echo/infer" -> echo(exchange, request);
            default -> reply(exchange, 404, "{\"error\":\"unknown path " + path + "\"}");
        }
    }

    private static void echo(HttpExchange exchange, byte[] request) throws IOException {
        String lengthHeader = exchange.getRequestHeaders().getFirst(HttpInferCodec.HEADER_LENGTH);
        OptionalInt headerLength = lengthHeader == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(lengthHeader));
        // A request has the same layout as a response with "inputs" in place of "outputs".
        int jsonEnd = headerLength.orElse(request.length);
        String header = new String(request, 0, jsonEnd, StandardCharsets.UTF_8).replace("\"inputs\"", "\"outputs\"");
        byte[] asResponse = new byte[request.length - jsonEnd + header.getBytes(StandardCharsets.UTF_8).length];
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(headerBytes, 0, asResponse, 0, headerBytes.length);
        System.arraycopy(request, jsonEnd, asResponse, headerBytes.length, request.length - jsonEnd);
        InferResult inputs = HttpInferCodec.decodeResponse(asResponse,
                headerLength.isPresent() ? OptionalInt.of(headerBytes.length) : OptionalInt.empty());
        Map<String, TensorData> outputs = new LinkedHashMap<>();
        for (String name : inputs.outputNames()) {
            outputs.put("OUT_" + name, inputs.output(name));
        }
        HttpInferCodec.Body body = HttpInferCodec.encodeResponse(
                new InferResult("echo", "1", inputs.id(), outputs, Map.of()), headerLength.isPresent());
        exchange.getResponseHeaders().add("Content-Type", body.contentType());
        body.jsonHeaderLength().ifPresent(n -> exchange.getResponseHeaders().add(HttpInferCodec.HEADER_LENGTH, "" + n));
        exchange.sendResponseHeaders(200, body.bytes().length);
        exchange.getResponseBody().write(body.bytes());
        exchange.close();
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
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
