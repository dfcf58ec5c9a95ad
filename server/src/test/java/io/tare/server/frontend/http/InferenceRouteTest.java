package io.tare.server.frontend.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The inference endpoint's direct path (no router) and the router's routes it leaves the rest to:
 * which paths each takes, and that both answer alike.
 */
class InferenceRouteTest {
    private static final String ZEROS = Arrays.toString(new float[64]);
    private static final String BODY = "{\"id\":\"r\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\","
            + "\"shape\":[1,1,8,8],\"data\":" + ZEROS + "}]}";

    private static DigitsServer server;

    @BeforeAll
    static void start() throws Exception {
        server = DigitsServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void plainInferPathsAreTakenDirectly() {
        assertEquals(new InferenceRoute.Target("digits", ""), InferenceRoute.target("/v2/models/digits/infer"));
        assertEquals(new InferenceRoute.Target("digits", "1"), InferenceRoute.target("/v2/models/digits/versions/1/infer"));
        assertEquals(new InferenceRoute.Target("versions", ""), InferenceRoute.target("/v2/models/versions/infer"));
        assertEquals(new InferenceRoute.Target("a..b", ""), InferenceRoute.target("/v2/models/a..b/infer"));
    }

    @Test
    void pathsNeedingDecodingOrNormalizingAreLeftToTheRouter() {
        for (String path : new String[] {"/v2/models/digit%73/infer", "/v2/models//infer", "/v2/models/infer",
                "/v2/models/./infer", "/v2/models/../infer", "/v2/models/digits/infer/", "/v2/models/digits/x/infer",
                "/v2/models/digits/versions//infer", "/v2/models/digits/versions/1/2/infer",
                "/v2/models/digits/versions/../infer", "/v2/models/digits/ready", "/v2/modelsdigits/infer", "/infer"}) {
            assertNull(InferenceRoute.target(path), path);
        }
    }

    @Test
    void anEscapedPathIsServedByTheRouterAlike() throws Exception {
        HttpResponse<String> direct = server.postJson("/v2/models/digits/infer", BODY);
        HttpResponse<String> routed = server.postJson("/v2/models/digit%73/versions/%31/infer", BODY);
        assertEquals(200, direct.statusCode(), direct.body());
        assertEquals(200, routed.statusCode(), routed.body());
        assertEquals(new JsonObject(direct.body()), new JsonObject(routed.body()));
        HttpResponse<String> missing = server.postJson("/v2/models/nop%65/infer", BODY);
        assertEquals(404, missing.statusCode());
        assertTrue(new JsonObject(missing.body()).getString("error").contains("'nope'"), missing.body());
    }

    @Test
    void aChunkedBodyLargerThanTheFirstBufferIsReadWhole() throws Exception {
        // Whitespace pads the JSON past the reader's first 4 KiB buffer; no Content-Length (chunked).
        byte[] padded = (BODY.substring(0, BODY.length() - 1) + " ".repeat(20_000) + "}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> chunked = server.client.send(HttpRequest.newBuilder(server.uri("/v2/models/digits/infer"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(padded))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, chunked.statusCode(), chunked.body());
        assertEquals(new JsonObject(server.postJson("/v2/models/digits/infer", BODY).body()), new JsonObject(chunked.body()));
    }

    @Test
    void aBodyLargerThanThePreallocationIsReadWhole() throws Exception {
        // Content-Length 200 KB: more than the reader allocates before the bytes come.
        String padded = BODY.substring(0, BODY.length() - 1) + " ".repeat(200_000) + "}";
        HttpResponse<String> large = server.postJson("/v2/models/digits/infer", padded);
        assertEquals(200, large.statusCode(), large.body());
        assertEquals(new JsonObject(server.postJson("/v2/models/digits/infer", BODY).body()), new JsonObject(large.body()));
    }

    @Test
    void aClientExpectingContinueIsToldToSendItsBody() throws Exception {
        // curl sends Expect: 100-continue for larger bodies and holds the body back until the server
        // says 100 (else until its own timeout): the headers alone must draw the 100.
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", server.uri("/").getPort())) {
            socket.setSoTimeout(20_000); // a missing 100 fails the read instead of hanging the suite
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v2/models/digits/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Expect: 100-continue\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.1 100 Continue", in.readLine());
            assertEquals("", in.readLine());
            out.write(body);
            out.flush();
            assertEquals("HTTP/1.1 200 OK", in.readLine());
        }
    }

    @Test
    void anEmptyBodyIsAJsonError() throws Exception {
        HttpResponse<String> empty = server.postJson("/v2/models/digits/infer", "");
        assertEquals(400, empty.statusCode());
        assertEquals("the request body must be an object, found the end of the body",
                new JsonObject(empty.body()).getString("error"));
    }
}
