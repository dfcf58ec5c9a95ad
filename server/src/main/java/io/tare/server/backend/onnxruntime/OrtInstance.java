package io.tare.server.backend.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.tare.server.backend.ModelInstance;
import io.tare.client.data.Datatype;
import io.tare.client.data.Shapes;
import io.tare.server.core.ErrorCode;
import io.tare.server.core.ModelSignature;
import io.tare.server.core.TareException;
import io.tare.server.core.TensorData;
import io.tare.server.core.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** Runs one batch through a shared {@link OrtSession}; converts tensors once each way. */
final class OrtInstance implements ModelInstance {
    private final OrtSession session;
    private final ModelSignature signature;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();

    OrtInstance(OrtSession session, ModelSignature signature) {
        this.session = session;
        this.signature = signature;
    }

    @Override
    public List<TensorData> execute(List<TensorData> inputs, List<String> outputNames) {
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            for (TensorData input : inputs) {
                feeds.put(input.name(), toOrt(input));
            }
            try (OrtSession.Result result = session.run(feeds, new LinkedHashSet<>(outputNames))) {
                List<TensorData> outputs = new ArrayList<>(outputNames.size());
                for (String name : outputNames) {
                    OnnxValue value = result.get(name).orElseThrow(() -> new TareException(ErrorCode.INTERNAL,
                            "ONNX Runtime returned no output '" + name + "'"));
                    outputs.add(fromOrt(name, (OnnxTensor) value));
                }
                return outputs;
            }
        } catch (OrtException e) {
            throw new TareException(ErrorCode.INTERNAL, "ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private OnnxTensor toOrt(TensorData input) throws OrtException {
        if (input.datatype() == Datatype.BYTES) {
            return OnnxTensor.createTensor(env, decodeStrings(input), input.shape());
        }
        // ORT wants the buffer view that matches the element type; a direct buffer is used in place.
        ByteBuffer data = input.data().order(ByteOrder.nativeOrder());
        long[] shape = input.shape();
        return switch (input.datatype()) {
            case FP32 -> OnnxTensor.createTensor(env, data.asFloatBuffer(), shape);
            case FP64 -> OnnxTensor.createTensor(env, data.asDoubleBuffer(), shape);
            case INT64 -> OnnxTensor.createTensor(env, data.asLongBuffer(), shape);
            case INT32 -> OnnxTensor.createTensor(env, data.asIntBuffer(), shape);
            case INT16 -> OnnxTensor.createTensor(env, data.asShortBuffer(), shape);
            case FP16, BF16 -> OnnxTensor.createTensor(env, data.asShortBuffer(), shape, OrtTypes.toOrt(input.datatype()));
            default -> OnnxTensor.createTensor(env, data, shape, OrtTypes.toOrt(input.datatype()));
        };
    }

    private TensorData fromOrt(String name, OnnxTensor tensor) throws OrtException {
        long[] shape = tensor.getInfo().getShape();
        Datatype type = signature.output(name).map(TensorSpec::datatype)
                .orElseGet(() -> OrtTypes.toDatatype(tensor.getInfo().type, name));
        if (type == Datatype.BYTES) {
            return new TensorData(name, type, shape, encodeStrings(flatten(tensor.getValue())));
        }
        ByteBuffer bytes = tensor.getByteBuffer();
        return new TensorData(name, type, shape, bytes.order(ByteOrder.LITTLE_ENDIAN));
    }

    /** ORT returns string tensors as nested arrays (or a lone String for rank 0): row-major order. */
    private static String[] flatten(Object nested) {
        List<String> out = new ArrayList<>();
        collect(nested, out);
        return out.toArray(String[]::new);
    }

    private static void collect(Object nested, List<String> out) {
        if (nested instanceof String s) {
            out.add(s);
        } else {
            for (Object o : (Object[]) nested) {
                collect(o, out);
            }
        }
    }

    private static String[] decodeStrings(TensorData input) {
        ByteBuffer data = input.data();
        int count = Math.toIntExact(Shapes.elementCount(input.shape()));
        String[] strings = new String[count];
        for (int i = 0; i < count; i++) {
            byte[] bytes = new byte[data.getInt()];
            data.get(bytes);
            strings[i] = new String(bytes, StandardCharsets.UTF_8);
        }
        return strings;
    }

    private static ByteBuffer encodeStrings(String[] strings) {
        List<byte[]> encoded = new ArrayList<>(strings.length);
        int size = 0;
        for (String s : strings) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            encoded.add(b);
            size += 4 + b.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] b : encoded) {
            out.putInt(b.length).put(b);
        }
        return out.flip();
    }

    @Override
    public void close() {
        // the session belongs to the model; an instance holds nothing native of its own
    }
}
