package io.tare.server.frontend.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.InferenceResponse;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

/**
 * Encodes an {@link InferenceResponse} as KServe v2 REST JSON, with the outputs the client asked
 * for as binary appended after the JSON header (Triton's binary tensor extension).
 *
 * <p>Runs on the event loop when the response is written. Stateless and thread-safe.
 */
final class InferResponseEncoder {
    private static final JsonFactory FACTORY = new JsonFactory();

    private InferResponseEncoder() {
    }

    /**
     * @param body         the bytes to send
     * @param headerLength length of the JSON header when binary outputs follow it, else -1
     */
    record Encoded(Buffer body, int headerLength) {
        boolean hasBinary() {
            return headerLength >= 0;
        }
    }

    /** @throws TareException INVALID_ARG when an FP16/BF16 output was asked for as JSON */
    static Encoded encode(InferenceResponse response, OutputFormat format) {
        ByteArrayOutputStream json = new ByteArrayOutputStream(256);
        long binaryBytes = 0;
        boolean anyBinary = false;
        try (JsonGenerator g = FACTORY.createGenerator(json)) {
            g.writeStartObject();
            g.writeStringField("model_name", response.modelName());
            g.writeStringField("model_version", response.modelVersion());
            if (response.id() != null && !response.id().isEmpty()) {
                g.writeStringField("id", response.id());
            }
            if (!response.parameters().isEmpty()) {
                g.writeObjectFieldStart("parameters");
                for (Map.Entry<String, Object> e : response.parameters().entrySet()) {
                    g.writeFieldName(e.getKey());
                    writeScalar(g, e.getValue());
                }
                g.writeEndObject();
            }
            g.writeArrayFieldStart("outputs");
            for (TensorData out : response.outputs()) {
                g.writeStartObject();
                g.writeStringField("name", out.name());
                g.writeStringField("datatype", out.datatype().wireName());
                g.writeArrayFieldStart("shape");
                for (int i = 0; i < out.rank(); i++) {
                    g.writeNumber(out.dim(i));
                }
                g.writeEndArray();
                if (format.binary(out.name())) {
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField(InferRequestDecoder.BINARY_DATA_SIZE, out.byteSize());
                    g.writeEndObject();
                    binaryBytes += out.byteSize();
                    anyBinary = true;
                } else {
                    g.writeFieldName("data");
                    RestTensorCodec.toJson(g, out);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new TareException(ErrorCode.INTERNAL, "cannot encode the response: " + e.getMessage(), e);
        }
        if (!anyBinary) {
            return new Encoded(Buffer.buffer(json.toByteArray()), -1);
        }
        if (json.size() + binaryBytes > Integer.MAX_VALUE - 16) {
            throw new TareException(ErrorCode.RESOURCE_EXHAUSTED, "the response would exceed 2 GiB; "
                    + "request fewer outputs or a smaller batch");
        }
        Buffer body = Buffer.buffer((int) (json.size() + binaryBytes));
        body.appendBytes(json.toByteArray());
        for (TensorData out : response.outputs()) {
            if (format.binary(out.name())) {
                body.setBytes(body.length(), out.data());  // one bulk copy per tensor, in output order
            }
        }
        return new Encoded(body, json.size());
    }

    private static void writeScalar(JsonGenerator g, Object value) throws IOException {
        switch (value) {
            case Boolean b -> g.writeBoolean(b);
            case Long l -> g.writeNumber(l);
            case Integer i -> g.writeNumber(i);
            case Double d -> g.writeNumber(d);
            case Float f -> g.writeNumber(f);
            case null -> g.writeNull();
            default -> g.writeString(value.toString());
        }
    }
}
