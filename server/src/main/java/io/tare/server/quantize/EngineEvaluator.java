package io.tare.server.quantize;

import io.tare.proto.onnx.ModelProto;
import io.tare.server.engine.Engine;
import io.tare.server.engine.EngineException;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.Tensor;
import io.tare.server.onnx.OnnxModelReader;
import io.tare.kernels.calibration.ScaleZeroPoint;
import io.tare.server.engine.quant.ScaleTable;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
        return run(load(model, EngineOptions.DEFAULT, "the export"), input, output, data, maxSamples, labels, batchSize);
    }

    /**
     * Runs the FP32 model in the engine's STATIC mode: the engine quantizes the weights itself (per
     * channel, 8-bit) and takes every activation entering a Conv/Gemm/MatMul from a
     * {@link ScaleTable} built from calibration's uint8 scales, the path online calibration
     * refreshes while serving. It has no per-layer FP32 override, so it always quantizes every layer.
     */
    public static OrtEvaluator.Outputs runStatic(ModelProto fp32, Map<String, ScaleZeroPoint> uint8, ModelInput input,
                                                 String output, SampleFile data, long maxSamples, int[] labels, int batchSize) {
        Map<String, ScaleTable.Range> ranges = new LinkedHashMap<>();
        uint8.forEach((k, v) -> ranges.put(k, new ScaleTable.Range(v.scale(), v.zeroPoint())));
        LoadedModel loaded = load(fp32, EngineOptions.DEFAULT.withStatic(new ScaleTable(1, ranges)), "the FP32 model in static mode");
        return run(loaded, input, output, data, maxSamples, labels, batchSize);
    }

    private static LoadedModel load(ModelProto model, EngineOptions options, String what) {
        try {
            return Engine.load(new OnnxModelReader().read(model), options);
        } catch (RuntimeException e) {
            throw new QuantizeException("Tare's engine cannot load " + what + ": " + e.getMessage(), e);
        }
    }

    private static OrtEvaluator.Outputs run(LoadedModel loaded, ModelInput input, String output, SampleFile data, long maxSamples,
                                            int[] labels, int batchSize) {
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
