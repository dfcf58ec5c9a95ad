package io.tare.server.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/** ONNX Runtime as the reference implementation in tests: one session, float in, float out. */
public final class OrtReference implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    public OrtReference(Path model) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
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

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
