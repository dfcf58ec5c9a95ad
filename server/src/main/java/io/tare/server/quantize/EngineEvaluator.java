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
    public static OrtEvaluator.Outputs run(ModelProto model, String output, SampleSet data, long maxSamples, int[] labels,
                                           String meanPool, int batchSize) {
        return run(load(model, EngineOptions.DEFAULT, "the export"), output, data, maxSamples, labels, meanPool, batchSize);
    }

    /**
     * Runs the FP32 model in the engine's STATIC mode: the engine quantizes the weights itself (per
     * channel, 8-bit) and takes every activation entering a Conv/Gemm/MatMul from a
     * {@link ScaleTable} built from calibration's uint8 scales, the path online calibration
     * refreshes while serving. It has no per-layer FP32 override, so it always quantizes every layer.
     */
    public static OrtEvaluator.Outputs runStatic(ModelProto fp32, Map<String, ScaleZeroPoint> uint8, String output, SampleSet data,
                                                 long maxSamples, int[] labels, String meanPool, int batchSize) {
        Map<String, ScaleTable.Range> ranges = new LinkedHashMap<>();
        uint8.forEach((k, v) -> ranges.put(k, new ScaleTable.Range(v.scale(), v.zeroPoint())));
        LoadedModel loaded = load(fp32, EngineOptions.DEFAULT.withStatic(new ScaleTable(1, ranges)), "the FP32 model in static mode");
        return run(loaded, output, data, maxSamples, labels, meanPool, batchSize);
    }

    private static LoadedModel load(ModelProto model, EngineOptions options, String what) {
        try {
            return Engine.load(new OnnxModelReader().read(model), options);
        } catch (RuntimeException e) {
            throw new QuantizeException("Tare's engine cannot load " + what + ": " + e.getMessage(), e);
        }
    }

    private static OrtEvaluator.Outputs run(LoadedModel loaded, String output, SampleSet data, long maxSamples, int[] labels,
                                            String meanPool, int batchSize) {
        long total = Math.min(maxSamples, data.sampleCount());
        int batch = Math.min(batchSize, data.inputs().maxBatch());
        OutputCollector collected = new OutputCollector(total, labels, meanPool);
        long done = 0;
        data.rewind();
        while (done < total) {
            SampleSet.Batch b = data.read((int) Math.min(batch, total - done));
            if (b.samples() == 0) {
                break;
            }
            Map<String, Tensor> feeds = new LinkedHashMap<>();
            b.inputs().forEach((name, in) -> feeds.put(name, tensor(in)));
            Tensor out;
            try {
                out = loaded.run(feeds).get(output);
            } catch (EngineException e) {
                throw new QuantizeException("Tare's engine failed on the export: " + e.getMessage(), e);
            }
            long[] shape = Arrays.stream(out.shape()).asLongStream().toArray();
            collected.add(out.floats(), shape, b);
            done += b.samples();
        }
        return collected.finish(data.path().toString());
    }

    private static Tensor tensor(SampleSet.InputBatch in) {
        int[] shape = Arrays.stream(in.shape()).mapToInt(Math::toIntExact).toArray();
        return switch (in.datatype()) {
            case FP32 -> Tensor.ofFloats(shape, in.floats());
            case INT64 -> Tensor.ofLongs(shape, in.longs());
            default -> throw new QuantizeException("the engine check feeds FP32 and INT64 inputs, not " + in.datatype()
                    + " ('" + in.input().name() + "')");
        };
    }
}
