package io.tare.server.frontend.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.frontend.AdminAuth;
import io.tare.server.frontend.ServerInfo;
import io.tare.server.repository.ControlMode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Health, metadata, config, readiness, statistics and the repository extension over real HTTP. */
class HttpModelInfoTest {
    private static final String TOKEN = "s3cret-token";
    private static final String ONE_IMAGE = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,8,8],"
            + "\"data\":" + Arrays.toString(new float[64]) + "}]}";

    private static DigitsServer server;

    @BeforeAll
    static void start() throws Exception {
        server = DigitsServer.start(new AdminAuth(Optional.of(TOKEN)), ControlMode.EXPLICIT,
                HttpOptions.DEFAULT_MAX_BODY_BYTES, true);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static void assertError(int status, String fragment, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), response.body());
        String error = new JsonObject(response.body()).getString("error");
        assertTrue(error != null && error.contains(fragment), "error '" + error + "' should contain '" + fragment + "'");
    }

    private static HttpResponse<String> manage(String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return server.client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthAndServerMetadata() throws Exception {
        HttpResponse<String> live = server.get("/v2/health/live");
        assertEquals(200, live.statusCode());
        assertEquals("", live.body());
        assertEquals(200, server.get("/v2/health/ready").statusCode());
        JsonObject meta = new JsonObject(server.get("/v2").body());
        assertEquals(ServerInfo.NAME, meta.getString("name"));
        assertEquals(ServerInfo.VERSION, meta.getString("version"));
        assertEquals(new JsonArray(ServerInfo.EXTENSIONS), meta.getJsonArray("extensions"));
        try {
            server.frontend.setServing(false);
            assertEquals(503, server.get("/v2/health/ready").statusCode());
            assertEquals(200, server.get("/v2/health/live").statusCode());
        } finally {
            server.frontend.setServing(true);
        }
        assertEquals(200, server.get("/v2/health/ready").statusCode());
    }

    @Test
    void modelMetadataShowsTheBatchDimensionAsMinusOne() throws Exception {
        for (String path : new String[] {"/v2/models/digits", "/v2/models/digits/versions/1"}) {
            HttpResponse<String> response = server.get(path);
            assertEquals(200, response.statusCode(), response.body());
            JsonObject meta = new JsonObject(response.body());
            assertEquals("digits", meta.getString("name"));
            assertEquals(new JsonArray().add("1"), meta.getJsonArray("versions"));
            assertEquals("onnxruntime_onnx", meta.getString("platform"));
            assertEquals(new JsonObject().put("name", "input").put("datatype", "FP32")
                    .put("shape", new JsonArray().add(-1).add(1).add(8).add(8)), meta.getJsonArray("inputs").getJsonObject(0));
            assertEquals(new JsonObject().put("name", "logits").put("datatype", "FP32")
                    .put("shape", new JsonArray().add(-1).add(10)), meta.getJsonArray("outputs").getJsonObject(0));
        }
    }

    @Test
    void modelReadiness() throws Exception {
        HttpResponse<String> ready = server.get("/v2/models/digits/ready");
        assertEquals(200, ready.statusCode());
        assertEquals("", ready.body());
        assertEquals(200, server.get("/v2/models/digits/versions/1/ready").statusCode());
        assertError(404, "has no version '2' loaded", server.get("/v2/models/digits/versions/2/ready"));
        assertError(404, "model 'other' is not loaded", server.get("/v2/models/other/ready"));
    }

    @Test
    void configIsTheCompleteModelConfigWithProtoFieldNames() throws Exception {
        HttpResponse<String> response = server.get("/v2/models/digits/config");
        assertEquals(200, response.statusCode(), response.body());
        JsonObject config = new JsonObject(response.body());
        assertEquals("digits", config.getString("name"));
        assertEquals("onnxruntime_onnx", config.getString("platform"));
        assertEquals(64, config.getInteger("max_batch_size"));
        JsonObject input = config.getJsonArray("input").getJsonObject(0);
        assertEquals("input", input.getString("name"));
        assertEquals("TYPE_FP32", input.getString("data_type"));
        // proto3 JSON writes int64 as strings
        assertEquals(new JsonArray().add("1").add("8").add("8"), input.getJsonArray("dims"));
        assertEquals("logits", config.getJsonArray("output").getJsonObject(0).getString("name"));
        assertEquals(response.body(), server.get("/v2/models/digits/versions/1/config").body());
    }

    @Test
    void statisticsCountWhatRan() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, server.postJson("/v2/models/digits/infer", ONE_IMAGE).statusCode());
        }
        assertEquals(400, server.postJson("/v2/models/digits/infer", "{\"inputs\":[]}").statusCode());
        for (String path : new String[] {"/v2/models/digits/stats", "/v2/models/digits/versions/1/stats", "/v2/models/stats"}) {
            HttpResponse<String> response = server.get(path);
            assertEquals(200, response.statusCode(), response.body());
            JsonArray all = new JsonObject(response.body()).getJsonArray("model_stats");
            assertEquals(1, all.size(), response.body());
            JsonObject stats = all.getJsonObject(0);
            assertEquals("digits", stats.getString("name"));
            assertEquals("1", stats.getString("version"));
            assertTrue(stats.getLong("inference_count") >= 3, response.body());
            assertTrue(stats.getLong("execution_count") >= 1, response.body());
            assertTrue(stats.getLong("last_inference") > 0, response.body());
            JsonObject inference = stats.getJsonObject("inference_stats");
            assertTrue(inference.getJsonObject("success").getLong("count") >= 3);
            assertTrue(inference.getJsonObject("success").getLong("ns") > 0);
            assertTrue(inference.getJsonObject("fail").getLong("count") >= 1);
            assertTrue(inference.getJsonObject("compute_infer").getLong("count") >= 3);
            JsonObject batch = stats.getJsonArray("batch_stats").getJsonObject(0);
            assertTrue(batch.getInteger("batch_size") >= 1);
            assertTrue(batch.getJsonObject("compute_infer").getLong("count") >= 1);
        }
        assertError(404, "model 'other' is not loaded", server.get("/v2/models/other/stats"));
    }

    @Test
    void repositoryIndexListsModelsOnDisk() throws Exception {
        JsonArray all = new JsonArray(server.postJson("/v2/repository/index", "").body());
        assertEquals(new JsonArray().add(new JsonObject().put("name", "digits").put("version", "1").put("state", "READY")), all);
        JsonArray ready = new JsonArray(server.postJson("/v2/repository/index", "{\"ready\":true}").body());
        assertEquals(all, ready);
        assertError(400, "'ready' must be true or false", server.postJson("/v2/repository/index", "{\"ready\":1}"));
    }

    @Test
    void loadAndUnloadNeedTheAdminTokenAndWork() throws Exception {
        String unload = "/v2/repository/models/digits/unload";
        String load = "/v2/repository/models/digits/load";
        assertError(401, "Authorization: Bearer", manage(unload, null, ""));
        assertError(401, "the bearer token is not valid", manage(unload, "wrong", ""));
        assertError(401, "the bearer token is not valid", manage(load, "wrong", ""));
        assertEquals(200, server.get("/v2/models/digits/ready").statusCode(), "a refused unload changes nothing");

        HttpResponse<String> unloaded = manage(unload, TOKEN, "");
        assertEquals(200, unloaded.statusCode(), unloaded.body());
        assertEquals("{}", unloaded.body());
        try {
            assertError(404, "model 'digits' is not loaded", server.get("/v2/models/digits/ready"));
            assertError(404, "model 'digits' is not loaded", server.postJson("/v2/models/digits/infer", ONE_IMAGE));
            assertEquals(new JsonArray().add(new JsonObject().put("name", "digits").put("state", "UNAVAILABLE")
                    .put("reason", "unloaded")), new JsonArray(server.postJson("/v2/repository/index", "{}").body()));
            assertEquals(new JsonArray(), new JsonArray(server.postJson("/v2/repository/index", "{\"ready\":true}").body()));
            assertError(404, "model 'digits' is not loaded", manage(unload, TOKEN, ""));
            assertError(404, "model 'missing' is not in the repository", manage("/v2/repository/models/missing/load", TOKEN, ""));
            assertError(501, "load parameters (config override, model files) are not supported",
                    manage(load, TOKEN, "{\"parameters\":{\"config\":\"{}\"}}"));
        } finally {
            HttpResponse<String> loaded = manage(load, TOKEN, "{\"parameters\":{}}");
            assertEquals(200, loaded.statusCode(), loaded.body());
        }
        assertEquals(200, server.get("/v2/models/digits/ready").statusCode());
        assertEquals(200, server.postJson("/v2/models/digits/infer", ONE_IMAGE).statusCode());
    }

    @Test
    void loadAndUnloadAreRefusedWhenTheControlModeIsNone() throws Exception {
        try (DigitsServer fixed = DigitsServer.start(AdminAuth.open(), ControlMode.NONE,
                HttpOptions.DEFAULT_MAX_BODY_BYTES, true)) {
            for (String action : new String[] {"load", "unload"}) {
                HttpResponse<String> response = fixed.postJson("/v2/repository/models/digits/" + action, "");
                assertEquals(503, response.statusCode(), response.body());
                assertTrue(new JsonObject(response.body()).getString("error")
                        .contains("explicit model load / unload is not allowed"), response.body());
            }
            assertEquals(200, fixed.get("/v2/models/digits/ready").statusCode());
        }
    }
}
