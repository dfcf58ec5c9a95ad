package io.tare.server.frontend.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import io.tare.client.data.Datatype;
import io.tare.client.data.Shapes;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.InferenceRequest;
import io.tare.server.core.RequestValidator;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes a KServe v2 REST inference body, plain JSON or with Triton's binary tensor extension,
 * into an {@link InferenceRequest}. Runs on the event loop: one pass over the JSON with a
 * streaming parser, tensor data written straight into its buffer by {@link RestTensorCodec},
 * binary tensors cut as views out of one copy of the binary section.
 *
 * <p>Checks here are the ones only the wire format can make (JSON shape of the request, element
 * counts, binary sizes and the body's length); checks against the model's signature are
 * {@link io.tare.server.core.RequestValidator}'s, run when the request is enqueued.
 */
final class InferRequestDecoder {
    /** Request parameter: encode every output as binary unless the output says otherwise. */
    static final String BINARY_DATA_OUTPUT = "binary_data_output";
    /** Output parameter: encode this output as binary. */
    static final String BINARY_DATA = "binary_data";
    /** Input parameter: this input's bytes follow the JSON header. */
    static final String BINARY_DATA_SIZE = "binary_data_size";
    /** Request parameter (Triton): microseconds the request may wait before it must not run. */
    static final String TIMEOUT = "timeout";

    private InferRequestDecoder() {
    }

    /**
     * @param body         the whole request body (binary tensors are copied once out of it)
     * @param headerLength bytes of JSON at the start of the body: the body's length for plain JSON,
     *                     the {@code Inference-Header-Content-Length} value with the binary extension
     * @param binary       whether the request uses the binary extension
     * @throws TareException INVALID_ARG (or UNSUPPORTED for features Tare lacks) saying what is wrong
     */
    static DecodedInference decode(String model, String version, byte[] body, int headerLength, boolean binary) {
        Header header;
        try (JsonParser p = BoundedJson.open(body, 0, headerLength)) {
            header = readHeader(p, headerLength);
        } catch (IOException e) {
            throw BoundedJson.invalid(e);
        }
        List<TensorData> inputs = tensors(header.inputs, body, headerLength, binary);
        Map<String, Object> parameters = new HashMap<>(header.parameters);
        boolean binaryByDefault = flag(parameters.remove(BINARY_DATA_OUTPUT), "request parameter " + BINARY_DATA_OUTPUT);
        long deadline = deadline(parameters.get(TIMEOUT));
        InferenceRequest request = new InferenceRequest(model, version, header.id, inputs,
                header.outputs.stream().map(OutputRequest::name).toList(), parameters, deadline);
        Map<String, Boolean> perOutput = new HashMap<>();
        for (OutputRequest out : header.outputs) {
            if (out.binary != null) {
                perOutput.put(out.name, out.binary);
            }
        }
        return new DecodedInference(request, new OutputFormat(binaryByDefault, perOutput));
    }

    /** The request's JSON fields, tensors not yet assembled. */
    private static final class Header {
        String id = "";
        Map<String, Object> parameters = Map.of();
        List<InputHeader> inputs;
        List<OutputRequest> outputs = List.of();
    }

    /** One entry of {@code inputs}: its data decoded already, deferred as a byte range, or binary. */
    private static final class InputHeader {
        String name;
        Datatype datatype;
        long[] shape;
        long binarySize = -1;
        TensorData decoded;
        int dataStart = -1;
        int dataEnd;

        boolean hasData() {
            return decoded != null || dataStart >= 0;
        }

        String label() {
            return name == null ? "an input without a name" : "input '" + name + "'";
        }
    }

    private record OutputRequest(String name, Boolean binary) {
    }

    private static Header readHeader(JsonParser p, int headerLength) throws IOException {
        Header h = new Header();
        BoundedJson.expect(p, JsonToken.START_OBJECT, "the request body");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "id" -> {
                    BoundedJson.require(p, JsonToken.VALUE_STRING, "'id'");
                    h.id = p.getText();
                }
                case "parameters" -> h.parameters = readParameters(p, "request 'parameters'");
                case "inputs" -> h.inputs = readInputs(p, headerLength);
                case "outputs" -> h.outputs = readOutputs(p);
                // The protocol lets clients add fields a server does not use.
                default -> p.skipChildren();
            }
        }
        BoundedJson.require(p, JsonToken.END_OBJECT, "the request body");
        BoundedJson.requireEnd(p);
        if (h.inputs == null) {
            throw TareException.invalid("the request has no 'inputs'");
        }
        return h;
    }

    private static Map<String, Object> readParameters(JsonParser p, String what) throws IOException {
        BoundedJson.require(p, JsonToken.START_OBJECT, what);
        Map<String, Object> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken t = p.nextToken();
            Object value = switch (t) {
                case VALUE_STRING -> p.getText();
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NUMBER_INT -> longValue(p, what + " '" + key + "'");
                case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
                default -> throw TareException.invalid(what + " '" + key + "' must be a string, number or boolean, found "
                        + BoundedJson.describe(t));
            };
            out.put(key, value);
        }
        return out;
    }

    private static List<InputHeader> readInputs(JsonParser p, int headerLength) throws IOException {
        BoundedJson.require(p, JsonToken.START_ARRAY, "'inputs'");
        List<InputHeader> inputs = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            BoundedJson.require(p, JsonToken.START_OBJECT, "each entry of 'inputs'");
            inputs.add(readInput(p, headerLength));
        }
        return inputs;
    }

    private static InputHeader readInput(JsonParser p, int headerLength) throws IOException {
        InputHeader in = new InputHeader();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "name" -> {
                    BoundedJson.require(p, JsonToken.VALUE_STRING, "the 'name' of an input");
                    in.name = p.getText();
                }
                case "datatype" -> {
                    BoundedJson.require(p, JsonToken.VALUE_STRING, "the 'datatype' of " + in.label());
                    in.datatype = RequestValidator.datatype(p.getText());
                }
                case "shape" -> in.shape = readShape(p, in.label());
                case "parameters" -> readInputParameters(p, in);
                case "data" -> {
                    if (in.hasData()) {
                        throw TareException.invalid(in.label() + " has 'data' twice");
                    }
                    if (in.name != null && in.datatype != null && in.shape != null) {
                        // The common order (name, datatype, shape, data): decode in this one pass.
                        in.decoded = RestTensorCodec.fromJson(p, in.name, in.datatype, in.shape, headerLength);
                    } else {
                        // Data before its type or shape: remember where it is and decode it after.
                        in.dataStart = Math.toIntExact(p.currentTokenLocation().getByteOffset());
                        p.skipChildren();
                        in.dataEnd = Math.toIntExact(p.currentLocation().getByteOffset());
                    }
                }
                default -> p.skipChildren();
            }
        }
        BoundedJson.require(p, JsonToken.END_OBJECT, "an entry of 'inputs'");
        if (in.name == null || in.name.isEmpty()) {
            throw TareException.invalid("an entry of 'inputs' has no 'name'");
        }
        if (in.datatype == null) {
            throw TareException.invalid("input '" + in.name + "' has no 'datatype'");
        }
        if (in.shape == null) {
            throw TareException.invalid("input '" + in.name + "' has no 'shape'");
        }
        return in;
    }

    private static long[] readShape(JsonParser p, String label) throws IOException {
        BoundedJson.require(p, JsonToken.START_ARRAY, "the 'shape' of " + label);
        long[] dims = new long[8];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw TareException.invalid("the 'shape' of " + label + " must hold integers, found " + BoundedJson.describe(t));
            }
            if (n == dims.length) {
                dims = java.util.Arrays.copyOf(dims, n * 2);
            }
            dims[n++] = longValue(p, "a dimension in the 'shape' of " + label);
        }
        return java.util.Arrays.copyOf(dims, n);
    }

    private static void readInputParameters(JsonParser p, InputHeader in) throws IOException {
        Map<String, Object> params = readParameters(p, "the 'parameters' of " + in.label());
        rejectSharedMemory(params, in.label());
        Object size = params.get(BINARY_DATA_SIZE);
        if (size != null) {
            if (!(size instanceof Long n) || n < 0) {
                throw TareException.invalid("parameters." + BINARY_DATA_SIZE + " of " + in.label()
                        + " must be a non-negative integer, found " + size);
            }
            in.binarySize = n;
        }
    }

    private static List<OutputRequest> readOutputs(JsonParser p) throws IOException {
        BoundedJson.require(p, JsonToken.START_ARRAY, "'outputs'");
        List<OutputRequest> outputs = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            BoundedJson.require(p, JsonToken.START_OBJECT, "each entry of 'outputs'");
            String name = null;
            Boolean binary = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "name" -> {
                        BoundedJson.require(p, JsonToken.VALUE_STRING, "the 'name' of an output");
                        name = p.getText();
                    }
                    case "parameters" -> {
                        String label = name == null ? "an output" : "output '" + name + "'";
                        Map<String, Object> params = readParameters(p, "the 'parameters' of " + label);
                        rejectSharedMemory(params, label);
                        Object classes = params.get("classification");
                        if (classes instanceof Long k && k > 0) {
                            throw new TareException(ErrorCode.UNSUPPORTED, "the classification extension is not "
                                    + "supported; request the raw output and take its top " + k + " on the client");
                        }
                        Object b = params.get(BINARY_DATA);
                        binary = b == null ? null : flag(b, "parameters." + BINARY_DATA + " of " + label);
                    }
                    default -> p.skipChildren();
                }
            }
            if (name == null || name.isEmpty()) {
                throw TareException.invalid("an entry of 'outputs' has no 'name'");
            }
            outputs.add(new OutputRequest(name, binary));
        }
        return outputs;
    }

    private static void rejectSharedMemory(Map<String, Object> params, String label) {
        for (String key : params.keySet()) {
            if (key.startsWith("shared_memory_")) {
                throw new TareException(ErrorCode.UNSUPPORTED, label + " uses parameters." + key
                        + ", but the shared-memory extension is not supported; send the data in the body");
            }
        }
    }

    /** Assembles the tensors in input order, taking binary ones from the body after the header. */
    private static List<TensorData> tensors(List<InputHeader> headers, byte[] body, int headerLength, boolean binary) {
        List<TensorData> tensors = new ArrayList<>(headers.size());
        int position = headerLength;
        ByteBuffer section = null;
        for (InputHeader in : headers) {
            if (in.binarySize >= 0) {
                if (in.hasData()) {
                    throw TareException.invalid("input '" + in.name + "' has both 'data' and parameters."
                            + BINARY_DATA_SIZE + "; send one of them");
                }
                if (!binary) {
                    throw TareException.invalid("input '" + in.name + "' declares parameters." + BINARY_DATA_SIZE
                            + " but the request has no Inference-Header-Content-Length header");
                }
                checkBinarySize(in);
                int remaining = body.length - position;
                if (in.binarySize > remaining) {
                    throw TareException.invalid("input '" + in.name + "' declares " + in.binarySize
                            + " binary bytes but only " + remaining + " remain in the body (truncated request?)");
                }
                if (section == null) {
                    section = RestTensorCodec.binarySection(body, headerLength);
                }
                tensors.add(RestTensorCodec.fromBinary(in.name, in.datatype, in.shape, section,
                        position - headerLength, (int) in.binarySize));
                position += (int) in.binarySize;
            } else if (in.decoded != null) {
                tensors.add(in.decoded);
            } else if (in.dataStart >= 0) {
                tensors.add(decodeDeferred(in, body, headerLength));
            } else {
                throw TareException.invalid("input '" + in.name + "' has neither 'data' nor parameters."
                        + BINARY_DATA_SIZE);
            }
        }
        if (position != body.length) {
            throw TareException.invalid("the body has " + (body.length - position) + " bytes after the JSON header "
                    + "that no input's parameters." + BINARY_DATA_SIZE + " accounts for");
        }
        return tensors;
    }

    private static void checkBinarySize(InputHeader in) {
        if (!in.datatype.isFixedSize()) {
            RequestValidator.elementCount(in.shape); // BYTES sizes are per element: the validator walks them
            return;
        }
        int expected = RequestValidator.byteSize(in.datatype, in.shape);
        if (in.binarySize != expected) {
            throw TareException.invalid("input '" + in.name + "' has parameters." + BINARY_DATA_SIZE + " "
                    + in.binarySize + " but shape " + Shapes.format(in.shape) + " of " + in.datatype + " needs "
                    + expected + " bytes");
        }
    }

    private static TensorData decodeDeferred(InputHeader in, byte[] body, int headerLength) {
        try (JsonParser p = BoundedJson.open(body, in.dataStart, in.dataEnd - in.dataStart)) {
            p.nextToken();
            return RestTensorCodec.fromJson(p, in.name, in.datatype, in.shape, headerLength);
        } catch (IOException e) {
            throw BoundedJson.invalid(e);
        }
    }

    private static long longValue(JsonParser p, String what) throws IOException {
        try {
            return p.getLongValue();
        } catch (InputCoercionException e) {
            throw TareException.invalid(what + " is " + p.getText() + ", which does not fit in 64 bits");
        }
    }

    private static boolean flag(Object value, String what) {
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        throw TareException.invalid(what + " must be true or false, found " + value);
    }

    /** Triton's {@code timeout} parameter (µs) as a {@link System#nanoTime()} deadline; 0 = none. */
    private static long deadline(Object timeout) {
        if (timeout == null) {
            return 0;
        }
        if (!(timeout instanceof Long micros) || micros < 0) {
            throw TareException.invalid("request parameter " + TIMEOUT + " must be a non-negative integer of "
                    + "microseconds, found " + timeout);
        }
        if (micros == 0) {
            return 0;
        }
        long nanos = micros > Long.MAX_VALUE / 1_000 ? Long.MAX_VALUE / 2 : micros * 1_000;
        long deadline = System.nanoTime() + nanos;
        return deadline == 0 ? 1 : deadline;
    }
}
