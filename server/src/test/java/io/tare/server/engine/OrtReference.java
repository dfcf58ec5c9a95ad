package io.tare.server.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import io.tare.server.engine.DataType;
import java.nio.file.Path;
import java.util.Map;

/** ONNX Runtime as the reference implementation in tests: one session, float in, float out. */
public final class OrtReference implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    public OrtReference(Path model) throws OrtException {
        this(model, true);
    }

    /**
     * @param optimized false runs the graph as written (no fusion into ORT's INT8 kernels); see
     *     {@link FixtureModelsQuantizedTest} for why that matters on CPUs without VNNI
     */
    public OrtReference(Path model, boolean optimized) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        if (!optimized) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
        }
        this.session = env.createSession(model.toString(), options);
    }

    /** Runs the single-input model and returns its first output, flattened. */
    public float[] run(String inputName, float[] data, int[] shape) throws OrtException {
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
        }
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), dims);
                OrtSession.Result r = session.run(Map.of(inputName, in))) {
            OnnxTensor out = (OnnxTensor) r.get(0);
            FloatBuffer fb = out.getFloatBuffer();
            float[] result = new float[fb.remaining()];
            fb.get(result);
            return result;
        }
    }

    /**
     * Runs with engine tensors of any 8-bit, 16-bit-float, FLOAT or INT32/INT64 type and returns
     * the outputs as engine tensors, in the session's output order.
     */
    public java.util.List<Tensor> run(Map<String, Tensor> inputs) throws OrtException {
        Map<String, OnnxTensor> feeds = new java.util.LinkedHashMap<>();
        try {
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
                feeds.put(e.getKey(), toOrt(e.getValue()));
            }
            try (OrtSession.Result r = session.run(feeds)) {
                java.util.List<Tensor> out = new java.util.ArrayList<>();
                for (int i = 0; i < r.size(); i++) {
                    out.add(fromOrt((OnnxTensor) r.get(i)));
                }
                return out;
            }
        } finally {
            for (OnnxTensor t : feeds.values()) {
                t.close();
            }
        }
    }

    private OnnxTensor toOrt(Tensor t) throws OrtException {
        long[] dims = new long[t.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.dim(i);
        }
        Tensor c = t.copy();
        return switch (t.type()) {
            case FLOAT -> OnnxTensor.createTensor(env, FloatBuffer.wrap(c.floats()), dims);
            case INT8 -> OnnxTensor.createTensor(env, java.nio.ByteBuffer.wrap(c.bytes()), dims, ai.onnxruntime.OnnxJavaType.INT8);
            case UINT8 -> OnnxTensor.createTensor(env, java.nio.ByteBuffer.wrap(c.bytes()), dims, ai.onnxruntime.OnnxJavaType.UINT8);
            case INT32 -> OnnxTensor.createTensor(env, java.nio.IntBuffer.wrap(c.ints()), dims);
            case INT64 -> OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(c.longs()), dims);
            case FLOAT16 -> OnnxTensor.createTensor(env, java.nio.ShortBuffer.wrap((short[]) c.data()), dims,
                    ai.onnxruntime.OnnxJavaType.FLOAT16);
            default -> throw new IllegalArgumentException("no ORT conversion for " + t.type());
        };
    }

    private static Tensor fromOrt(OnnxTensor t) {
        long[] dims = t.getInfo().getShape();
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = (int) dims[i];
        }
        int n = Tensor.sizeOf(shape);
        return switch (t.getInfo().type) {
            case FLOAT -> {
                float[] f = new float[n];
                t.getFloatBuffer().get(f);
                yield Tensor.wrap(DataType.FLOAT, shape, f);
            }
            case INT8, UINT8 -> {
                byte[] b = new byte[n];
                t.getByteBuffer().get(b);
                yield Tensor.wrap(t.getInfo().type == ai.onnxruntime.OnnxJavaType.INT8 ? DataType.INT8 : DataType.UINT8,
                        shape, b);
            }
            case INT32 -> {
                int[] v = new int[n];
                t.getIntBuffer().get(v);
                yield Tensor.wrap(DataType.INT32, shape, v);
            }
            default -> throw new IllegalArgumentException("no conversion from ORT type " + t.getInfo().type);
        };
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
