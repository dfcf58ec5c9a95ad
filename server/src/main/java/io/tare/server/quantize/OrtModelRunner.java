package io.tare.server.quantize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX Runtime session over an in-memory model: the reference executor of offline
 * quantization. Calibration runs the FP32 model through it (with the activations added as extra
 * graph outputs), and every exported QDQ model is checked by loading and running it here. Not
 * thread-safe; close it.
 */
final class OrtModelRunner implements AutoCloseable {

    /** One output of a run: {@code data[0 .. length)} in C order with {@code shape}. */
    record Output(float[] data, int length, long[] shape) {
    }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    /**
     * @param what names the model in error messages ("the QDQ export", ...)
     * @throws QuantizeException when ONNX Runtime refuses the model
     */
    OrtModelRunner(byte[] model, int threads, String what) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            this.session = env.createSession(model, options);
        } catch (OrtException e) {
            throw new QuantizeException("ONNX Runtime cannot load " + what + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs one batch of every input.
     *
     * @param outputs names to fetch; each must be a float graph output of the model
     */
    Map<String, Output> run(SampleSet.Batch batch, Set<String> outputs) {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try {
            for (SampleSet.InputBatch in : batch.inputs().values()) {
                feeds.put(in.input().name(), switch (in.datatype()) {
                    case FP32 -> OnnxTensor.createTensor(env, in.data().asFloatBuffer(), in.shape());
                    case INT64 -> OnnxTensor.createTensor(env, in.data().asLongBuffer(), in.shape());
                    default -> OnnxTensor.createTensor(env, in.data().asIntBuffer(), in.shape());
                });
            }
            try (OrtSession.Result result = session.run(feeds, outputs)) {
                Map<String, Output> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    OnnxTensor t = (OnnxTensor) e.getValue();
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] data = new float[fb.remaining()];
                    fb.get(data);
                    out.put(e.getKey(), new Output(data, data.length, t.getInfo().getShape()));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new QuantizeException("ONNX Runtime failed to run the model: " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new QuantizeException("cannot close ONNX Runtime session: " + e.getMessage(), e);
        }
    }
}
