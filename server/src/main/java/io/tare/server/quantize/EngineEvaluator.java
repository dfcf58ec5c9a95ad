package io.tare.server.quantize;

import io.tare.proto.onnx.ModelProto;
import io.tare.server.engine.Engine;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.Tensor;
import io.tare.server.onnx.OnnxModelReader;
import java.util.Arrays;
import java.util.Map;

/**
 * Runs an exported QDQ model in Tare's own engine (which lowers QDQ Conv/Gemm/MatMul to its INT8
 * kernels at load) over the same samples as {@link OrtEvaluator}, so the two runtimes can be
 * compared on the very file users get.
 */
public final class EngineEvaluator {

    private EngineEvaluator() {
    }

    /**
     * @throws QuantizeException when the engine cannot load or run the model (the message says why)
     */
    public static OrtEvaluator.Outputs run(ModelProto model, ModelInput input, String output, SampleFile data, long maxSamples,
                                           int[] labels, int batchSize) {
        LoadedModel loaded;
        try {
            loaded = Engine.load(new OnnxModelReader().read(model), EngineOptions.DEFAULT);
        } catch (RuntimeException e) {
            throw new QuantizeException("Tare's engine cannot load the export: " + e.getMessage(), e);
        }
        long total = Math.min(maxSamples, data.sampleCount());
        int batch = Math.min(batchSize, input.maxBatch());
        int elements = data.sampleElements();
        float[] buffer = new float[batch * elements];
        float[] values = null;
        int width = -1;
        int done = 0;
        int correct = 0;
        data.rewind();
        while (done < total) {
            int n = data.read(buffer, (int) Math.min(batch, total - done));
            if (n == 0) {
                break;
            }
            int[] shape = new int[data.sampleShape().length + 1];
            shape[0] = n;
            System.arraycopy(data.sampleShape(), 0, shape, 1, shape.length - 1);
            Tensor out;
            try {
                out = loaded.run(Map.of(input.name(), Tensor.ofFloats(shape, Arrays.copyOf(buffer, n * elements)))).get(output);
            } catch (EngineException e) {
                throw new QuantizeException("Tare's engine failed on the export: " + e.getMessage(), e);
            }
            float[] o = out.floats();
            if (values == null) {
                width = out.size() / n;
                values = new float[Math.toIntExact(total * width)];
            }
            System.arraycopy(o, 0, values, done * width, n * width);
            if (labels != null) {
                for (int s = 0; s < n; s++) {
                    if (OutputComparison.argMax(o, s * width, width) == labels[done + s]) {
                        correct++;
                    }
                }
            }
            done += n;
        }
        if (done == 0) {
            throw new QuantizeException(data.path() + " holds no samples");
        }
        return new OrtEvaluator.Outputs(done * width == values.length ? values : Arrays.copyOf(values, done * width), done,
                labels == null ? Double.NaN : (double) correct / done);
    }
}
