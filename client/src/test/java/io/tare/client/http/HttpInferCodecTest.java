package io.tare.client.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tare.client.InferInput;
import io.tare.client.InferOptions;
import io.tare.client.InferResult;
import io.tare.client.data.Datatype;
import io.tare.client.data.TensorData;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpInferCodecTest {
    private static final List<InferInput> INPUTS = List.of(
            InferInput.ofFloats("x", new long[]{1, 3}, 0.25f, -1f, 7f),
            InferInput.ofLongs("ids", new long[]{2}, 42L, -3L));

    @Test
    void binaryRequestIsJsonHeaderThenTensorsInOrder() {
        HttpInferCodec.Body body = HttpInferCodec.encodeRequest(INPUTS,
                InferOptions.builder().requestId("a").requestOutput("y").parameter("priority", 2).build());
        int headerLength = body.jsonHeaderLength().orElseThrow();
        assertEquals("application/octet-stream", body.contentType());
        assertEquals(headerLength + 12 + 16, body.bytes().length);

        JsonObject header = JsonParser.parseString(
                new String(body.bytes(), 0, headerLength, StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("a", header.get("id").getAsString());
        assertEquals(2, header.getAsJsonObject("parameters").get("priority").getAsLong());
        JsonObject x = header.getAsJsonArray("inputs").get(0).getAsJsonObject();
        assertEquals("FP32", x.get("datatype").getAsString());
        assertEquals(12, x.getAsJsonObject("parameters").get("binary_data_size").getAsInt());
        assertFalse(x.has("data"));
        assertTrue(header.getAsJsonArray("outputs").get(0).getAsJsonObject()
                .getAsJsonObject("parameters").get("binary_data").getAsBoolean());

        ByteBuffer tail = ByteBuffer.wrap(body.bytes(), headerLength, 28).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0.25f, tail.getFloat());
        assertEquals(-1f, tail.getFloat());
        assertEquals(7f, tail.getFloat());
        assertEquals(42L, tail.getLong());
        assertEquals(-3L, tail.getLong());
    }

    @Test
    void binaryRequestWithoutNamedOutputsAsksForAllOutputsBinary() {
        HttpInferCodec.Body body = HttpInferCodec.encodeRequest(INPUTS, InferOptions.DEFAULT);
        JsonObject header = JsonParser.parseString(new String(body.bytes(), 0, body.jsonHeaderLength().orElseThrow(),
                StandardCharsets.UTF_8)).getAsJsonObject();
        assertTrue(header.getAsJsonObject("parameters").get("binary_data_output").getAsBoolean());
    }

    @Test
    void jsonRequestCarriesDataArrays() {
        HttpInferCodec.Body body = HttpInferCodec.encodeRequest(INPUTS,
                InferOptions.builder().binaryData(false).build());
        assertTrue(body.jsonHeaderLength().isEmpty());
        assertEquals("application/json", body.contentType());
        JsonObject header = JsonParser.parseString(new String(body.bytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        JsonArray data = header.getAsJsonArray("inputs").get(0).getAsJsonObject().getAsJsonArray("data");
        assertEquals(3, data.size());
        assertEquals(-1f, data.get(1).getAsFloat());
        assertEquals(42L, header.getAsJsonArray("inputs").get(1).getAsJsonObject()
                .getAsJsonArray("data").get(0).getAsLong());
    }

    @Test
    void parsesAHandWrittenBinaryResponse() {
        String json = "{\"model_name\":\"m\",\"model_version\":\"3\",\"parameters\":{\"scale_version\":7},"
                + "\"outputs\":[{\"name\":\"logits\",\"datatype\":\"FP32\",\"shape\":[1,2],"
                + "\"parameters\":{\"binary_data_size\":8}},"
                + "{\"name\":\"label\",\"datatype\":\"INT64\",\"shape\":[1],\"data\":[5]}]}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(header);
        body.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(3.5f).putFloat(-0.5f).array());
        InferResult result = HttpInferCodec.decodeResponse(body.toByteArray(), OptionalInt.of(header.length));
        assertEquals("m", result.modelName());
        assertEquals("3", result.modelVersion());
        assertEquals(7L, result.parameters().get("scale_version"));
        assertArrayEquals(new float[]{3.5f, -0.5f}, result.asFloats("logits"));
        assertArrayEquals(new long[]{5}, result.asLongs("label"));
    }

    @Test
    void parsesPureJsonResponsesWithNestedData() {
        String json = "{\"model_name\":\"m\",\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP32\",\"shape\":[2,2],"
                + "\"data\":[[1.0,2.0],[3.0,4.5]]}]}";
        InferResult result = HttpInferCodec.decodeResponse(json.getBytes(StandardCharsets.UTF_8), OptionalInt.empty());
        assertArrayEquals(new float[]{1, 2, 3, 4.5f}, result.asFloats("y"));
    }

    @Test
    void rejectsBinarySizesBeyondTheBodyAndTrailingBytes() {
        String json = "{\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP32\",\"shape\":[4],"
                + "\"parameters\":{\"binary_data_size\":16}}]}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        byte[] shortBody = Arrays.copyOf(header, header.length + 8);
        assertThrows(IllegalArgumentException.class,
                () -> HttpInferCodec.decodeResponse(shortBody, OptionalInt.of(header.length)));
        byte[] longBody = Arrays.copyOf(header, header.length + 20);
        assertThrows(IllegalArgumentException.class,
                () -> HttpInferCodec.decodeResponse(longBody, OptionalInt.of(header.length)));
        assertThrows(IllegalArgumentException.class,
                () -> HttpInferCodec.decodeResponse(header, OptionalInt.of(header.length + 1)));
    }

    @Test
    void responseEncodingRoundTripsBinaryAndJson() {
        TensorData bytes = TensorData.of(Datatype.UINT8, new long[]{3}, new byte[]{1, (byte) 250, 3});
        InferResult original = new InferResult("m", "1", "r", Map.of("y", TensorData.ofFloats(new long[]{2}, 1f, 2f),
                "z", bytes), Map.of("flag", true));
        for (boolean binary : new boolean[]{true, false}) {
            HttpInferCodec.Body body = HttpInferCodec.encodeResponse(original, binary);
            InferResult decoded = HttpInferCodec.decodeResponse(body.bytes(), body.jsonHeaderLength());
            assertArrayEquals(new float[]{1f, 2f}, decoded.asFloats("y"));
            assertEquals(250.0, decoded.output("z").doubleAt(1));
            assertEquals(true, decoded.parameters().get("flag"));
            assertEquals("r", decoded.id());
        }
    }

    @Test
    void errorMessagesComeFromKserveErrorBodies() {
        assertEquals("model 'x' not found",
                HttpInferCodec.errorMessage("{\"error\":\"model 'x' not found\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("Bad Gateway", HttpInferCodec.errorMessage("Bad Gateway\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void jsonCannotCarryNaN() {
        assertThrows(IllegalArgumentException.class,
                () -> JsonTensors.toJson(TensorData.ofFloats(new long[]{1}, Float.NaN)));
    }
}
