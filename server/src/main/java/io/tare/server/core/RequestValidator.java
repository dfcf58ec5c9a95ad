package io.tare.server.core;

import io.tare.client.data.Datatype;
import io.tare.client.data.Shapes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

/**
 * Checks a decoded request against a model's signature before it is enqueued, so that a bad
 * request fails at once with INVALID_ARG and never reaches a backend.
 */
public final class RequestValidator {
    private RequestValidator() {
    }

    /**
     * Parses a client's datatype name. The enum is the client module's, so both sides of the
     * protocol share one definition; an unknown or missing name is the client's error here.
     *
     * @throws TareException INVALID_ARG naming the accepted types
     */
    public static Datatype datatype(String wireName) {
        if (wireName == null || wireName.isBlank()) {
            throw TareException.invalid("tensor datatype is missing");
        }
        try {
            return Datatype.fromWireName(wireName);
        } catch (IllegalArgumentException e) {
            throw TareException.invalid("unknown tensor datatype '" + wireName
                    + "' (expected one of BOOL, UINT8..UINT64, INT8..INT64, FP16, BF16, FP32, FP64, BYTES)");
        }
    }

    /**
     * {@link Shapes#elementCount} for a shape a client sent.
     *
     * @throws TareException INVALID_ARG for a negative dimension or a count beyond {@code long}
     */
    public static long elementCount(long[] shape) {
        try {
            return Shapes.elementCount(shape);
        } catch (IllegalArgumentException e) {
            throw TareException.invalid(e.getMessage());
        }
    }

    /**
     * {@link Shapes#byteSize} for a fixed-size tensor a client sent.
     *
     * @throws TareException INVALID_ARG when the size overflows or exceeds what one buffer can hold
     */
    public static int byteSize(Datatype type, long[] shape) {
        try {
            return Shapes.byteSize(type, shape);
        } catch (IllegalArgumentException e) {
            throw TareException.invalid(e.getMessage());
        }
    }

    /**
     * @return the request's batch size (first dimension) for a batching model, or 1
     * @throws TareException INVALID_ARG naming the tensor and what was expected
     */
    public static int validate(ModelSignature signature, InferenceRequest request) {
        Set<String> seen = new HashSet<>();
        long batch = -1;
        for (TensorData input : request.inputs()) {
            if (!seen.add(input.name())) {
                throw TareException.invalid("input '" + input.name() + "' is given more than once");
            }
            TensorSpec spec = signature.input(input.name()).orElseThrow(() -> TareException.invalid(
                    "unexpected input '" + input.name() + "' for model '" + request.modelName()
                            + "'; the model's inputs are " + names(signature)));
            if (spec.datatype() != input.datatype()) {
                throw TareException.invalid("input '" + input.name() + "' has datatype " + input.datatype()
                        + " but the model expects " + spec.datatype());
            }
            long inputBatch = checkShape(signature, spec, input);
            if (signature.batches()) {
                if (batch >= 0 && inputBatch != batch) {
                    throw TareException.invalid("inputs disagree on the batch size: '" + input.name()
                            + "' has " + inputBatch + ", others have " + batch);
                }
                batch = inputBatch;
            }
            checkByteSize(input);
        }
        for (TensorSpec spec : signature.inputs()) {
            if (!seen.contains(spec.name())) {
                throw TareException.invalid("missing input '" + spec.name() + "' for model '"
                        + request.modelName() + "'");
            }
        }
        for (String out : request.requestedOutputs()) {
            if (signature.output(out).isEmpty()) {
                throw TareException.invalid("unknown output '" + out + "' requested from model '"
                        + request.modelName() + "'");
            }
        }
        return signature.batches() ? (int) batch : 1;
    }

    private static long checkShape(ModelSignature signature, TensorSpec spec, TensorData input) {
        long[] shape = input.shape();
        elementCount(shape); // negative dims and overflow are rejected here
        long[] dims = spec.dims();
        int offset = signature.batches() ? 1 : 0;
        if (shape.length != dims.length + offset) {
            throw TareException.invalid("input '" + input.name() + "' has shape " + Shapes.format(shape)
                    + " but the model expects " + Shapes.format(signature.clientShape(spec)));
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] >= 0 && dims[i] != shape[i + offset]) {
                throw TareException.invalid("input '" + input.name() + "' has shape " + Shapes.format(shape)
                        + " but the model expects " + Shapes.format(signature.clientShape(spec)));
            }
        }
        if (!signature.batches()) {
            return 1;
        }
        long batch = shape[0];
        if (batch < 1 || batch > signature.maxBatchSize()) {
            throw TareException.invalid("input '" + input.name() + "' has batch size " + batch
                    + "; the model accepts 1 to " + signature.maxBatchSize());
        }
        return batch;
    }

    private static void checkByteSize(TensorData input) {
        Datatype type = input.datatype();
        if (type.isFixedSize()) {
            int expected = byteSize(type, input.shape());
            if (input.byteSize() != expected) {
                throw TareException.invalid("input '" + input.name() + "' of shape " + Shapes.format(input.shape())
                        + " and type " + type + " needs " + expected + " bytes but " + input.byteSize() + " were sent");
            }
            return;
        }
        long elements = elementCount(input.shape());
        ByteBuffer data = input.data().order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < elements; i++) {
            if (data.remaining() < 4) {
                throw TareException.invalid("BYTES input '" + input.name() + "' holds fewer elements than its shape says");
            }
            int len = data.getInt();
            if (len < 0 || len > data.remaining()) {
                throw TareException.invalid("BYTES input '" + input.name() + "' has a truncated element");
            }
            data.position(data.position() + len);
        }
        if (data.hasRemaining()) {
            throw TareException.invalid("BYTES input '" + input.name() + "' holds more data than its shape says");
        }
    }

    private static String names(ModelSignature signature) {
        return signature.inputNames().toString();
    }
}
