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
 * One ONNX Runtime session over an in-memory model with a single float input: the reference
 * executor of offline quantization. Calibration runs the FP32 model through it (with the
 * activations added as extra graph outputs), and every exported QDQ model is checked by loading
 * and running it here. Not thread-safe; close it.
 */
final class OrtModelRunner implements AutoCloseable {

    /** One output of a run: {@code data[0 .. length)} in C order with {@code shape}. */
    record Output(float[] data, int length, long[] shape) {
    }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final String inputName;

    /**
     * @param what names the model in error messages ("the QDQ export", ...)
     * @throws QuantizeException when ONNX Runtime refuses the model
     */
    OrtModelRunner(byte[] model, String inputName, int threads, String what) {
        this.inputName = inputName;
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
     * Runs {@code batch} samples.
     *
     * @param input   {@code batch * elements(sampleShape)} floats
     * @param outputs names to fetch; each must be a graph output of the model
     */
    Map<String, Output> run(float[] input, int batch, int[] sampleShape, Set<String> outputs) {
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = batch;
        int elements = 1;
        for (int i = 0; i < sampleShape.length; i++) {
            shape[i + 1] = sampleShape[i];
            elements *= sampleShape[i];
        }
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input, 0, batch * elements), shape);
             OrtSession.Result result = session.run(Map.of(inputName, in), outputs)) {
            Map<String, Output> out = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxValue> e : result) {
                OnnxTensor t = (OnnxTensor) e.getValue();
                FloatBuffer fb = t.getFloatBuffer();
                float[] data = new float[fb.remaining()];
                fb.get(data);
                out.put(e.getKey(), new Output(data, data.length, t.getInfo().getShape()));
            }
            return out;
        } catch (OrtException e) {
            throw new QuantizeException("ONNX Runtime failed to run the model: " + e.getMessage(), e);
        }
    }

    String inputName() {
        return inputName;
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
