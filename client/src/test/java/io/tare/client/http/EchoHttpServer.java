package io.tare.client.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tare.client.InferResult;
import io.tare.client.data.TensorData;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback HTTP server (the JDK's) speaking just enough KServe v2 REST for client tests: health,
 * metadata, and an "echo" model answering each input as "OUT_" + name, binary or JSON as it was asked.
 * Unknown paths answer 404 with a KServe error body.
 */
public final class EchoHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private volatile String lastAuthorization;

    private EchoHttpServer(HttpServer server) {
        this.server = server;
    }

    public static EchoHttpServer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        EchoHttpServer echo = new EchoHttpServer(server);
        server.setExecutor(echo.executor);
        server.createContext("/v2", echo::handle);
        server.start();
        return echo;
    }

    /** "127.0.0.1:port". */
    public String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** The Authorization header of the last repository call ("null" when absent). */
    public String lastAuthorization() {
        return lastAuthorization;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        byte[] request = exchange.getRequestBody().readAllBytes();
        switch (path) {
            case "/v2/health/live", "/v2/health/ready", "/v2/models/echo/ready" -> reply(exchange, 200, "{}");
            case "/v2" -> reply(exchange, 200,
                    "{\"name\":\"echo-http\",\"version\":\"1\",\"extensions\":[\"binary_tensor_data\"]}");
            case "/v2/models/echo" -> reply(exchange, 200, "{\"name\":\"echo\",\"platform\":\"x\",\"inputs\":"
                    + "[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1,3]}],\"outputs\":[]}");
            case "/v2/models/echo/infer" -> echo(exchange, request);
            case "/v2/repository/models/echo/load", "/v2/repository/models/echo/unload" -> {
                lastAuthorization = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
                reply(exchange, 200, "{}");
            }
            default -> reply(exchange, 404, "{\"error\":\"unknown path " + path + "\"}");
        }
    }

    private static void echo(HttpExchange exchange, byte[] request) throws IOException {
        String lengthHeader = exchange.getRequestHeaders().getFirst(HttpInferCodec.HEADER_LENGTH);
        int jsonEnd = lengthHeader == null ? request.length : Integer.parseInt(lengthHeader);
        // A request has a response's layout with "inputs" in place of "outputs": reuse the response parser.
        byte[] header = new String(request, 0, jsonEnd, StandardCharsets.UTF_8)
                .replace("\"inputs\"", "\"outputs\"").getBytes(StandardCharsets.UTF_8);
        byte[] asResponse = new byte[header.length + request.length - jsonEnd];
        System.arraycopy(header, 0, asResponse, 0, header.length);
        System.arraycopy(request, jsonEnd, asResponse, header.length, request.length - jsonEnd);
        InferResult inputs = HttpInferCodec.decodeResponse(asResponse,
                lengthHeader == null ? OptionalInt.empty() : OptionalInt.of(header.length));
        Map<String, TensorData> outputs = new LinkedHashMap<>();
        for (String name : inputs.outputNames()) {
            outputs.put("OUT_" + name, inputs.output(name));
        }
        HttpInferCodec.Body body = HttpInferCodec.encodeResponse(
                new InferResult("echo", "1", inputs.id(), outputs, Map.of()), lengthHeader != null);
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
}
