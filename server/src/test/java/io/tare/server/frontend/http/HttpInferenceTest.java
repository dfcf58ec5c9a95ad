package io.tare.server.frontend.http;

import static io.tare.server.frontend.http.DigitsServer.PIXELS;
import static io.tare.server.frontend.http.DigitsServer.TEST_IMAGES;
import static io.tare.server.frontend.http.DigitsServer.argmax;
import static io.tare.server.frontend.http.DigitsServer.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Inference over real HTTP against the digits CNN: JSON, binary extension and their mixtures. */
class HttpInferenceTest {
    /** FP32 accuracy of the digits CNN on its 360 test images, in torch and in ONNX Runtime. */
    private static final int EXPECTED_CORRECT = 351;

    private static DigitsServer server;
    private static byte[] images;
    private static byte[] labels;
    private static float[] pixels;

    @BeforeAll
    static void start() throws Exception {
        server = DigitsServer.start();
        images = DigitsServer.testImages();
        labels = DigitsServer.testLabels();
        pixels = floats(images, 0, TEST_IMAGES * PIXELS);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** One image as a JSON request; every other one with nested [1][1][8][8] data. */
    private static String jsonRequest(int image, boolean nested) {
        StringBuilder sb = new StringBuilder("{\"id\":\"img-").append(image)
                .append("\",\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,8,8],\"datatype\":\"FP32\",\"data\":");
        sb.append(nested ? "[[[" : "[");
        for (int i = 0; i < PIXELS; i++) {
            if (i > 0) {
                sb.append(nested && i % 8 == 0 ? "],[" : ",");
            }
            sb.append(pixels[image * PIXELS + i]);
        }
        sb.append(nested ? "]]]" : "]");
        return sb.append("}]}").toString();
    }

    @Test
    void allTestImagesThroughJsonReproduceTheModelsAccuracy() throws Exception {
        int correct = 0;
        // Eight requests in flight at a time, so the scheduler sees concurrent arrivals.
        for (int start = 0; start < TEST_IMAGES; start += 8) {
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int image = start; image < Math.min(start + 8, TEST_IMAGES); image++) {
                inFlight.add(server.client.sendAsync(HttpRequest.newBuilder(server.uri("/v2/models/digits/infer"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(jsonRequest(image, image % 2 == 1))).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (int k = 0; k < inFlight.size(); k++) {
                int image = start + k;
                HttpResponse<String> response = inFlight.get(k).get();
                assertEquals(200, response.statusCode(), response.body());
                assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
                JsonObject body = new JsonObject(response.body());
                assertEquals("digits", body.getString("model_name"));
                assertEquals("1", body.getString("model_version"));
                assertEquals("img-" + image, body.getString("id"));
                JsonObject out = body.getJsonArray("outputs").getJsonObject(0);
                assertEquals("logits", out.getString("name"));
                assertEquals("FP32", out.getString("datatype"));
                assertEquals(new JsonArray().add(1).add(10), out.getJsonArray("shape"));
                float[] logits = logits(out.getJsonArray("data"));
                if (argmax(logits, 0, 10) == labels[image]) {
                    correct++;
                }
            }
        }
        assertEquals(EXPECTED_CORRECT, correct);
    }

    @Test
    void allTestImagesThroughTheBinaryExtensionReproduceTheModelsAccuracy() throws Exception {
        int correct = 0;
        int batch = 60; // within the model's max batch of 64
        for (int start = 0; start < TEST_IMAGES; start += batch) {
            String header = "{\"inputs\":[{\"name\":\"input\",\"shape\":[" + batch + ",1,8,8],\"datatype\":\"FP32\","
                    + "\"parameters\":{\"binary_data_size\":" + batch * PIXELS * 4 + "}}],"
                    + "\"parameters\":{\"binary_data_output\":true}}";
            byte[] tensor = Arrays.copyOfRange(images, start * PIXELS * 4, (start + batch) * PIXELS * 4);
            HttpResponse<byte[]> response = server.postBinary("/v2/models/digits/infer", header, tensor);
            assertEquals(200, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
            assertEquals("application/octet-stream", response.headers().firstValue("content-type").orElseThrow());
            int jsonLength = Integer.parseInt(response.headers().firstValue(InferenceRoute.HEADER_LENGTH).orElseThrow());
            JsonObject json = new JsonObject(new String(response.body(), 0, jsonLength, StandardCharsets.UTF_8));
            JsonObject out = json.getJsonArray("outputs").getJsonObject(0);
            assertEquals(new JsonArray().add(batch).add(10), out.getJsonArray("shape"));
            assertEquals(batch * 10 * 4, out.getJsonObject("parameters").getInteger("binary_data_size"));
            assertFalse(out.containsKey("data"));
            assertEquals(jsonLength + batch * 10 * 4, response.body().length);
            float[] logits = floats(response.body(), jsonLength, batch * 10);
            for (int i = 0; i < batch; i++) {
                if (argmax(logits, i * 10, 10) == labels[start + i]) {
                    correct++;
                }
            }
        }
        assertEquals(EXPECTED_CORRECT, correct);
    }

    @Test
    void jsonAndBinaryCarryTheSameFloatsExactly() throws Exception {
        int image = 17;
        HttpResponse<String> json = server.postJson("/v2/models/digits/infer", jsonRequest(image, false));
        float[] fromJson = logits(new JsonObject(json.body()).getJsonArray("outputs").getJsonObject(0).getJsonArray("data"));

        // Binary input, one output asked for by name as binary.
        String header = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,8,8],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":256}}],"
                + "\"outputs\":[{\"name\":\"logits\",\"parameters\":{\"binary_data\":true}}]}";
        HttpResponse<byte[]> binary = server.postBinary("/v2/models/digits/infer", header,
                Arrays.copyOfRange(images, image * 256, image * 256 + 256));
        assertEquals(200, binary.statusCode());
        int jsonLength = Integer.parseInt(binary.headers().firstValue(InferenceRoute.HEADER_LENGTH).orElseThrow());
        assertArrayEquals(fromJson, floats(binary.body(), jsonLength, 10));

        // Binary input, JSON output: the binary extension does not force binary outputs.
        String jsonOut = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,8,8],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":256}}]}";
        HttpResponse<byte[]> mixed = server.postBinary("/v2/models/digits/infer", jsonOut,
                Arrays.copyOfRange(images, image * 256, image * 256 + 256));
        assertEquals(200, mixed.statusCode());
        assertTrue(mixed.headers().firstValue(InferenceRoute.HEADER_LENGTH).isEmpty());
        JsonObject body = new JsonObject(new String(mixed.body(), StandardCharsets.UTF_8));
        assertArrayEquals(fromJson, logits(body.getJsonArray("outputs").getJsonObject(0).getJsonArray("data")));

        // binary_data_output asked for, but the output's own binary_data=false wins.
        String overridden = "{\"parameters\":{\"binary_data_output\":true},\"inputs\":[{\"name\":\"input\","
                + "\"shape\":[1,1,8,8],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":256}}],"
                + "\"outputs\":[{\"name\":\"logits\",\"parameters\":{\"binary_data\":false}}]}";
        HttpResponse<byte[]> asJson = server.postBinary("/v2/models/digits/infer", overridden,
                Arrays.copyOfRange(images, image * 256, image * 256 + 256));
        assertEquals(200, asJson.statusCode());
        assertTrue(asJson.headers().firstValue(InferenceRoute.HEADER_LENGTH).isEmpty());
    }

    @Test
    void dataBeforeDatatypeAndShapeIsDecodedAfterThem() throws Exception {
        int image = 5;
        String ordered = jsonRequest(image, false);
        JsonObject request = new JsonObject(ordered);
        JsonArray data = request.getJsonArray("inputs").getJsonObject(0).getJsonArray("data");
        String reordered = "{\"inputs\":[{\"data\":" + data.encode()
                + ",\"name\":\"input\",\"shape\":[1,1,8,8],\"datatype\":\"FP32\"}],\"id\":\"x\"}";
        HttpResponse<String> a = server.postJson("/v2/models/digits/infer", ordered);
        HttpResponse<String> b = server.postJson("/v2/models/digits/versions/1/infer", reordered);
        assertEquals(200, b.statusCode(), b.body());
        assertArrayEquals(logits(new JsonObject(a.body()).getJsonArray("outputs").getJsonObject(0).getJsonArray("data")),
                logits(new JsonObject(b.body()).getJsonArray("outputs").getJsonObject(0).getJsonArray("data")));
    }

    @Test
    void requestParametersAreAcceptedAndUnknownFieldsIgnored() throws Exception {
        String request = jsonRequest(3, false).replaceFirst("\\{", "{\"parameters\":{\"priority\":1,\"note\":\"a\","
                + "\"timeout\":10000000},\"future_field\":{\"nested\":[1,2]},");
        HttpResponse<String> response = server.postJson("/v2/models/digits/infer", request);
        assertEquals(200, response.statusCode(), response.body());
    }

    @Test
    void tritonsTimeoutParameterBecomesTheRequestsDeadline() throws Exception {
        // One microsecond has always passed by the time a compute thread takes the request.
        String request = jsonRequest(2, false).replaceFirst("\\{", "{\"parameters\":{\"timeout\":1},");
        HttpResponse<String> expired = server.postJson("/v2/models/digits/infer", request);
        assertEquals(504, expired.statusCode(), expired.body());
        assertTrue(new JsonObject(expired.body()).getString("error").contains("deadline passed"), expired.body());
        HttpResponse<String> negative = server.postJson("/v2/models/digits/infer",
                jsonRequest(2, false).replaceFirst("\\{", "{\"parameters\":{\"timeout\":-5},"));
        assertEquals(400, negative.statusCode(), negative.body());
    }

    @Test
    void gzipCompressedRequestBodiesAreDecompressed() throws Exception {
        int image = 9;
        byte[] plain = jsonRequest(image, false).getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(zipped)) {
            gzip.write(plain);
        }
        HttpResponse<byte[]> response = server.post(HttpRequest.newBuilder(server.uri("/v2/models/digits/infer"))
                .header("Content-Type", "application/json").header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(zipped.toByteArray())));
        assertEquals(200, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
        HttpResponse<String> reference = server.postJson("/v2/models/digits/infer", jsonRequest(image, false));
        assertEquals(new JsonObject(reference.body()), new JsonObject(new String(response.body(), StandardCharsets.UTF_8)));
    }

    private static float[] logits(JsonArray data) {
        float[] out = new float[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.getNumber(i).floatValue();
        }
        return out;
    }
}
