package io.tare.client.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.tare.client.InferInput;
import io.tare.client.InferOptions;
import io.tare.client.InferResult;
import io.tare.client.data.Datatype;
import io.tare.client.data.TensorData;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Builds and parses KServe v2 REST inference bodies, JSON or with the binary tensor extension.
 *
 * <p>Binary extension: the body is a JSON header followed by every binary tensor's raw little-endian
 * bytes, concatenated in the order of the header's tensors; the header's byte length travels in the
 * {@value #HEADER_LENGTH} HTTP header, and each binary tensor says its size in its
 * {@code binary_data_size} parameter. A body without that HTTP header is pure JSON.
 */
public final class HttpInferCodec {
    /** The HTTP header naming the JSON header's length in a binary-extension body. */
    public static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    private HttpInferCodec() {
    }

    /**
     * A request or response body.
     *
     * @param jsonHeaderLength bytes of JSON at the start when the binary extension is used; empty for pure JSON
     */
    public record Body(byte[] bytes, OptionalInt jsonHeaderLength) {
        public String contentType() {
            return jsonHeaderLength.isPresent() ? "application/octet-stream" : "application/json";
        }
    }

    /**
     * Encodes a request: binary tensors (and binary outputs asked for) when {@link InferOptions#binaryData()},
     * else JSON {@code data} arrays.
     */
    public static Body encodeRequest(List<InferInput> inputs, InferOptions options) {
        boolean binary = options.binaryData();
        JsonObject header = new JsonObject();
        if (!options.requestId().isEmpty()) {
            header.addProperty("id", options.requestId());
        }
        JsonObject parameters = parametersJson(options.parameters());
        if (binary && options.requestedOutputs().isEmpty()) {
            // Triton's extension: every output comes back binary without naming each one.
            parameters.addProperty("binary_data_output", true);
        }
        if (!parameters.isEmpty()) {
            header.add("parameters", parameters);
        }
        JsonArray inputsJson = new JsonArray();
        for (InferInput input : inputs) {
            inputsJson.add(tensorHeader(input.name(), input.tensor(), binary));
        }
        header.add("inputs", inputsJson);
        if (!options.requestedOutputs().isEmpty()) {
            JsonArray outputs = new JsonArray();
            for (String name : options.requestedOutputs()) {
                JsonObject output = new JsonObject();
                output.addProperty("name", name);
                if (binary) {
                    JsonObject outputParameters = new JsonObject();
                    outputParameters.addProperty("binary_data", true);
                    output.add("parameters", outputParameters);
                }
                outputs.add(output);
            }
            header.add("outputs", outputs);
        }
        return assemble(header, binary ? inputs.stream().map(InferInput::tensor).toList() : List.of(), binary);
    }

    /**
     * Encodes a response as a server would (used by tests and by in-test servers): outputs binary or JSON.
     */
    public static Body encodeResponse(InferResult result, boolean binary) {
        JsonObject header = new JsonObject();
        header.addProperty("model_name", result.modelName());
        if (!result.modelVersion().isEmpty()) {
            header.addProperty("model_version", result.modelVersion());
        }
        if (!result.id().isEmpty()) {
            header.addProperty("id", result.id());
        }
        JsonObject parameters = parametersJson(result.parameters());
        if (!parameters.isEmpty()) {
            header.add("parameters", parameters);
        }
        JsonArray outputs = new JsonArray();
        for (String name : result.outputNames()) {
            outputs.add(tensorHeader(name, result.output(name), binary));
        }
        header.add("outputs", outputs);
        return assemble(header, binary ? result.outputNames().stream().map(result::output).toList() : List.of(),
                binary);
    }

    /**
     * Parses a response body.
     *
     * @param jsonHeaderLength the {@value #HEADER_LENGTH} value, empty when the header was absent
     * @throws IllegalArgumentException when the body is malformed (sizes beyond the body, bad JSON)
     */
    public static InferResult decodeResponse(byte[] body, OptionalInt jsonHeaderLength) {
        int headerLength = jsonHeaderLength.orElse(body.length);
        if (headerLength < 0 || headerLength > body.length) {
            throw new IllegalArgumentException(HEADER_LENGTH + " " + headerLength + " exceeds the body's "
                    + body.length + " bytes");
        }
        JsonObject header = parseObject(new String(body, 0, headerLength, StandardCharsets.UTF_8));
        int offset = headerLength;
        Map<String, TensorData> outputs = new LinkedHashMap<>();
        JsonArray outputsJson = header.has("outputs") ? header.getAsJsonArray("outputs") : new JsonArray();
        for (JsonElement element : outputsJson) {
            JsonObject output = element.getAsJsonObject();
            String name = output.get("name").getAsString();
            Datatype datatype = Datatype.fromWireName(output.get("datatype").getAsString());
            long[] shape = shapeOf(output.getAsJsonArray("shape"));
            JsonObject parameters = output.has("parameters") ? output.getAsJsonObject("parameters") : new JsonObject();
            if (parameters.has("binary_data_size")) {
                long size = parameters.get("binary_data_size").getAsLong();
                if (size < 0 || offset + size > body.length) {
                    throw new IllegalArgumentException("output '" + name + "' claims " + size
                            + " binary bytes but the body has " + (body.length - offset) + " left");
                }
                outputs.put(name, TensorData.of(datatype, shape, ByteBuffer.wrap(body, offset, (int) size).slice()));
                offset += (int) size;
            } else if (output.has("data")) {
                outputs.put(name, JsonTensors.fromJson(datatype, shape, output.get("data")));
            } else {
                throw new IllegalArgumentException("output '" + name + "' has neither data nor binary_data_size");
            }
        }
        if (offset != body.length) {
            throw new IllegalArgumentException((body.length - offset) + " bytes after the last binary output");
        }
        return new InferResult(stringOr(header, "model_name"), stringOr(header, "model_version"),
                stringOr(header, "id"), outputs, parametersOf(header));
    }

    /** The {@code error} text of a KServe error body, or the body itself when it is not one. */
    public static String errorMessage(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            JsonElement parsed = JsonParser.parseString(text);
            if (parsed.isJsonObject() && parsed.getAsJsonObject().has("error")) {
                return parsed.getAsJsonObject().get("error").getAsString();
            }
        } catch (RuntimeException notJson) {
            // Proxies answer with HTML or plain text; show it as it came.
        }
        return text.isBlank() ? "(empty body)" : text.strip();
    }

    static JsonObject parseObject(String json) {
        try {
            return JsonParser.parseString(json).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getMessage(), e);
        }
    }

    private static JsonObject tensorHeader(String name, TensorData tensor, boolean binary) {
        JsonObject json = new JsonObject();
        json.addProperty("name", name);
        JsonArray shape = new JsonArray();
        for (long dim : tensor.shape()) {
            shape.add(dim);
        }
        json.add("shape", shape);
        json.addProperty("datatype", tensor.datatype().wireName());
        if (binary) {
            JsonObject parameters = new JsonObject();
            parameters.addProperty("binary_data_size", tensor.byteSize());
            json.add("parameters", parameters);
        } else {
            json.add("data", JsonTensors.toJson(tensor));
        }
        return json;
    }

    private static Body assemble(JsonObject header, List<TensorData> binaryTensors, boolean binary) {
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        if (!binary) {
            return new Body(json, OptionalInt.empty());
        }
        int total = json.length;
        for (TensorData tensor : binaryTensors) {
            total = Math.addExact(total, tensor.byteSize());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(total);
        out.writeBytes(json);
        for (TensorData tensor : binaryTensors) {
            ByteBuffer data = tensor.data();
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            out.writeBytes(chunk);
        }
        return new Body(out.toByteArray(), OptionalInt.of(json.length));
    }

    private static JsonObject parametersJson(Map<String, Object> parameters) {
        JsonObject json = new JsonObject();
        parameters.forEach((name, value) -> {
            switch (value) {
                case Boolean b -> json.addProperty(name, b);
                case Number n -> json.addProperty(name, n);
                default -> json.addProperty(name, value.toString());
            }
        });
        return json;
    }

    private static Map<String, Object> parametersOf(JsonObject header) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        if (header.has("parameters") && header.get("parameters").isJsonObject()) {
            header.getAsJsonObject("parameters").entrySet().forEach(entry -> {
                if (entry.getValue().isJsonPrimitive()) {
                    JsonPrimitive value = entry.getValue().getAsJsonPrimitive();
                    Object converted = value.isBoolean() ? value.getAsBoolean()
                            : value.isNumber() ? numberOf(value) : value.getAsString();
                    parameters.put(entry.getKey(), converted);
                }
            });
        }
        return parameters;
    }

    private static Object numberOf(JsonPrimitive value) {
        String text = value.getAsString();
        // Boxed separately: a conditional mixing double and long would promote the long to double.
        if (text.contains(".") || text.contains("e") || text.contains("E")) {
            return Double.valueOf(value.getAsDouble());
        }
        return Long.valueOf(value.getAsLong());
    }

    private static long[] shapeOf(JsonArray shape) {
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.get(i).getAsLong();
        }
        return dims;
    }

    private static String stringOr(JsonObject json, String key) {
        return json.has(key) && !json.get(key).isJsonNull() ? json.get(key).getAsString() : "";
    }
}
