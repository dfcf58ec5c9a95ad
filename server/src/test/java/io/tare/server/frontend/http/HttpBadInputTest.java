package io.tare.server.frontend.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every kind of bad request gets its status and a {@code {"error"}} that says what was wrong, and
 * the server goes on serving afterwards (checked after each test with a real inference).
 */
class HttpBadInputTest {
    private static final String INFER = "/v2/models/digits/infer";
    private static final String ZEROS = Arrays.toString(new float[64]);

    private static DigitsServer server;

    @BeforeAll
    static void start() throws Exception {
        server = DigitsServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @AfterEach
    void serverStillServes() throws Exception {
        assertEquals(200, server.get("/v2/health/live").statusCode());
        HttpResponse<String> ok = server.postJson(INFER, input("input", "FP32", "[1,1,8,8]", ZEROS));
        assertEquals(200, ok.statusCode(), ok.body());
    }

    private static String input(String name, String datatype, String shape, String data) {
        return "{\"inputs\":[" + tensor(name, datatype, shape, data) + "]}";
    }

    private static String tensor(String name, String datatype, String shape, String data) {
        return "{\"name\":\"" + name + "\",\"datatype\":\"" + datatype + "\",\"shape\":" + shape + ",\"data\":" + data + "}";
    }

    private static String binaryInput(String shape, long size) {
        return "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":" + shape
                + ",\"parameters\":{\"binary_data_size\":" + size + "}}]}";
    }

    /** Asserts the status and that the JSON error contains {@code fragment}. */
    private static void assertError(int status, String fragment, int actualStatus, String body) {
        assertEquals(status, actualStatus, body);
        String error = new JsonObject(body).getString("error");
        assertTrue(error != null && error.contains(fragment), "error '" + error + "' should contain '" + fragment + "'");
    }

    private static void assertError(int status, String fragment, HttpResponse<?> response) {
        Object body = response.body();
        String text = body instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : (String) body;
        assertError(status, fragment, response.statusCode(), text);
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
    }

    @Test
    void unknownModelOrVersionIs404() throws Exception {
        assertError(404, "model 'nope' is not loaded",
                server.postJson("/v2/models/nope/infer", input("input", "FP32", "[1,1,8,8]", ZEROS)));
        assertError(404, "has no version '7' loaded",
                server.postJson("/v2/models/digits/versions/7/infer", input("input", "FP32", "[1,1,8,8]", ZEROS)));
        assertError(404, "has no version 'x' loaded", server.get("/v2/models/digits/versions/x"));
        assertError(404, "model 'nope' is not loaded", server.get("/v2/models/nope/config"));
    }

    @Test
    void wrongDatatypeIs400() throws Exception {
        assertError(400, "input 'input' has datatype INT32 but the model expects FP32",
                server.postJson(INFER, input("input", "INT32", "[1,1,8,8]", ZEROS.replace(".0", ""))));
        assertError(400, "unknown tensor datatype 'FP33'",
                server.postJson(INFER, input("input", "FP33", "[1,1,8,8]", ZEROS)));
        assertError(400, "has datatype INT32 but its data holds a number 0.5",
                server.postJson(INFER, input("input", "INT32", "[1,1,1,1]", "[0.5]")));
        assertError(400, "has datatype FP32 but its data holds a string \"x\"",
                server.postJson(INFER, input("input", "FP32", "[1,1,1,1]", "[\"x\"]")));
        assertError(400, "has datatype UINT8 but its data holds 256, outside that type's range",
                server.postJson(INFER, input("input", "UINT8", "[1]", "[256]")));
        assertError(400, "FP16, which JSON cannot carry",
                server.postJson(INFER, input("input", "FP16", "[1,1,8,8]", ZEROS)));
    }

    @Test
    void wrongShapeIs400() throws Exception {
        String data63 = Arrays.toString(new float[56]);
        assertError(400, "input 'input' has shape [1,1,8,7] but the model expects [-1,1,8,8]",
                server.postJson(INFER, input("input", "FP32", "[1,1,8,7]", data63)));
        assertError(400, "has batch size 65; the model accepts 1 to 64",
                server.postJson(INFER, input("input", "FP32", "[65,1,8,8]", Arrays.toString(new float[65 * 64]))));
        assertError(400, "'shape' of input 'input' must hold integers",
                server.postJson(INFER, input("input", "FP32", "[1,\"8\"]", ZEROS)));
    }

    @Test
    void dataCountNotMatchingTheShapeIs400() throws Exception {
        assertError(400, "input 'input' has 63 data elements but its shape [1,1,8,8] holds 64",
                server.postJson(INFER, input("input", "FP32", "[1,1,8,8]", Arrays.toString(new float[63]))));
        assertError(400, "input 'input' has 65 data elements but its shape [1,1,8,8] holds 64",
                server.postJson(INFER, input("input", "FP32", "[1,1,8,8]", Arrays.toString(new float[65]))));
    }

    @Test
    void binaryDataSizeNotMatchingTheShapeIs400() throws Exception {
        assertError(400, "binary_data_size 252 but shape [1,1,8,8] of FP32 needs 256 bytes",
                server.postBinary(INFER, binaryInput("[1,1,8,8]", 252), new byte[252]));
        assertError(400, "declares parameters.binary_data_size but the request has no Inference-Header-Content-Length",
                server.postJson(INFER, binaryInput("[1,1,8,8]", 256)));
        assertError(400, "has both 'data' and parameters.binary_data_size",
                server.postBinary(INFER, "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,8,8],"
                        + "\"data\":" + ZEROS + ",\"parameters\":{\"binary_data_size\":256}}]}", new byte[256]));
        assertError(400, "the body has 4 bytes after the JSON header that no input",
                server.postBinary(INFER, binaryInput("[1,1,8,8]", 256), new byte[260]));
    }

    @Test
    void negativeDimensionIs400() throws Exception {
        assertError(400, "shape [-1,1,8,8] has a negative dimension",
                server.postJson(INFER, input("input", "FP32", "[-1,1,8,8]", ZEROS)));
        assertError(400, "shape [-1,1,8,8] has a negative dimension",
                server.postBinary(INFER, binaryInput("[-1,1,8,8]", 256), new byte[256]));
    }

    @Test
    void dimensionsWhoseProductOverflowsAre400() throws Exception {
        assertError(400, "shape [1152921504606846976,16] has more elements than fit in 64 bits",
                server.postJson(INFER, input("input", "FP32", "[1152921504606846976,16]", "[0]")));
        assertError(400, "shape [1152921504606846976,16] has more elements than fit in 64 bits",
                server.postBinary(INFER, binaryInput("[1152921504606846976,16]", 256), new byte[256]));
        // Fits in 64 bits, but no small body can hold that many elements: refused before allocating.
        assertError(400, "more than a JSON body of",
                server.postJson(INFER, input("input", "FP32", "[100000000,1,8,8]", "[0]")));
        assertError(400, "does not fit in 64 bits",
                server.postJson(INFER, input("input", "FP32", "[99999999999999999999]", "[0]")));
    }

    @Test
    void missingOrExtraInputIs400() throws Exception {
        assertError(400, "missing input 'input' for model 'digits'", server.postJson(INFER, "{\"inputs\":[]}"));
        assertError(400, "the request has no 'inputs'", server.postJson(INFER, "{\"id\":\"1\"}"));
        assertError(400, "unexpected input 'extra' for model 'digits'", server.postJson(INFER, "{\"inputs\":["
                + tensor("input", "FP32", "[1,1,8,8]", ZEROS) + "," + tensor("extra", "FP32", "[1]", "[1]") + "]}"));
        assertError(400, "input 'input' is given more than once", server.postJson(INFER, "{\"inputs\":["
                + tensor("input", "FP32", "[1,1,8,8]", ZEROS) + "," + tensor("input", "FP32", "[1,1,8,8]", ZEROS) + "]}"));
        assertError(400, "input 'input' has neither 'data' nor parameters.binary_data_size",
                server.postJson(INFER, "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,8,8]}]}"));
        assertError(400, "unknown output 'probabilities' requested from model 'digits'", server.postJson(INFER,
                "{\"inputs\":[" + tensor("input", "FP32", "[1,1,8,8]", ZEROS) + "],\"outputs\":[{\"name\":\"probabilities\"}]}"));
        assertError(501, "classification extension is not supported", server.postJson(INFER,
                "{\"inputs\":[" + tensor("input", "FP32", "[1,1,8,8]", ZEROS)
                        + "],\"outputs\":[{\"name\":\"logits\",\"parameters\":{\"classification\":3}}]}"));
    }

    @Test
    void truncatedBinaryBodyIs400() throws Exception {
        byte[] header = binaryInput("[1,1,8,8]", 256).getBytes(StandardCharsets.UTF_8);
        // The header length claims more than the whole body.
        assertError(400, "Inference-Header-Content-Length is " + (header.length + 300) + " but the body has only",
                server.post(HttpRequest.newBuilder(server.uri(INFER))
                        .header(InferenceRoute.HEADER_LENGTH, Integer.toString(header.length + 300))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(header))));
        // The tensor is shorter than declared.
        assertError(400, "input 'input' declares 256 binary bytes but only 100 remain in the body",
                server.postBinary(INFER, binaryInput("[1,1,8,8]", 256), new byte[100]));
        assertError(400, "Inference-Header-Content-Length must be a byte count",
                server.post(HttpRequest.newBuilder(server.uri(INFER)).header(InferenceRoute.HEADER_LENGTH, "ten")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(header))));
        // A header length that cuts the JSON short makes the JSON invalid.
        assertError(400, "not valid JSON",
                server.post(HttpRequest.newBuilder(server.uri(INFER)).header(InferenceRoute.HEADER_LENGTH, "20")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(header))));
    }

    @Test
    void invalidJsonIs400() throws Exception {
        assertError(400, "the body is not valid JSON", server.postJson(INFER, "{\"inputs\": [ {\"name\": "));
        assertError(400, "the body is not valid JSON", server.postJson(INFER, "not json"));
        assertError(400, "the request body must be an object, found the end of the body", server.postJson(INFER, ""));
        assertError(400, "the request body must be an object, found an array", server.postJson(INFER, "[1,2]"));
        assertError(400, "content after its end", server.postJson(INFER, "{\"inputs\":[]} {}"));
        assertError(400, "the body is not valid JSON", server.postJson("/v2/repository/index", "{\"ready\":"));
    }

    @Test
    void jsonNestedFiveThousandLevelsDeepIs400NotAStackOverflow() throws Exception {
        String deep = "[".repeat(5_000) + "]".repeat(5_000);
        assertError(400, "the request body must be an object, found an array", server.postJson(INFER, deep));
        assertError(400, "nesting depth", server.postJson(INFER, input("input", "FP32", "[1,1,8,8]", deep)));
        // Under a field the server skips: the tokenizer still refuses to descend that far.
        String deepObject = "{\"id\":\"x\",\"extension\":" + "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000) + "}";
        assertError(400, "nesting depth", server.postJson(INFER, deepObject));
        assertError(400, "must be a string, number or boolean, found an object", server.postJson(INFER,
                "{\"parameters\":" + "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000) + "}"));
        assertError(400, "nesting depth", server.postJson("/v2/repository/index", "{\"x\":" + deep + "}"));
    }

    @Test
    void withoutTheBinaryExtensionTheBodyIsJsonWhateverTheContentType() throws Exception {
        // As Triton: `curl -d` sends application/x-www-form-urlencoded, and a JSON body must still work.
        HttpResponse<byte[]> ok = server.post(HttpRequest.newBuilder(server.uri(INFER))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(input("input", "FP32", "[1,1,8,8]", ZEROS))));
        assertEquals(200, ok.statusCode(), new String(ok.body(), java.nio.charset.StandardCharsets.UTF_8));
        // A body that is not JSON is the parser's clear 400, not a 415 or a crash.
        HttpResponse<byte[]> form = server.post(HttpRequest.newBuilder(server.uri(INFER))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("a=b")));
        assertEquals(400, form.statusCode());
        assertTrue(new String(form.body(), java.nio.charset.StandardCharsets.UTF_8).contains("\"error\""));
    }

    @Test
    void unknownPathAndMethodAreJsonErrors() throws Exception {
        assertError(404, "no endpoint GET /v2/nothing", server.get("/v2/nothing"));
        assertError(405, "method GET is not allowed on /v2/models/digits/infer", server.get(INFER));
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        try (DigitsServer small = DigitsServer.start(io.tare.server.frontend.AdminAuth.open(),
                io.tare.server.repository.ControlMode.EXPLICIT, 4096, true)) {
            String big = input("input", "FP32", "[1,1,8,8]", Arrays.toString(new float[1000]));
            assertTrue(big.length() > 4096);
            // With a Content-Length: refused before the body is read.
            HttpResponse<String> sized = small.postJson(INFER, big);
            assertError(413, "exceeds this server's limit of 4096 bytes", sized.statusCode(), sized.body());
            // Chunked, without a Content-Length: refused once the limit is crossed.
            HttpResponse<String> chunked = small.client.send(HttpRequest.newBuilder(small.uri(INFER))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(
                            () -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertError(413, "exceeds this server's limit", chunked.statusCode(), chunked.body());
            // A body under the limit still works on the same server.
            HttpResponse<String> ok = small.postJson(INFER, input("input", "FP32", "[1,1,8,8]", ZEROS));
            assertEquals(200, ok.statusCode(), ok.body());
        }
    }
}
