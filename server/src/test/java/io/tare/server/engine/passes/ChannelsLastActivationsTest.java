package io.tare.server.engine.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.ExecutionPlan;
import io.tare.server.engine.ExecutionState;
import io.tare.server.engine.RawData;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.TestFixtures;
import io.tare.server.engine.compute.Compute;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.OperatorRegistry;
import io.tare.server.engine.ops.PoolOps;
import io.tare.server.engine.quant.Int8LinearOps;
import io.tare.server.onnx.OnnxModelReader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Channels-last INT8 convolutions against the NCHW path they replace, on real pre-quantized models
 * and real test images: the same graph compiled with every load pass, and with every pass but
 * {@link ChannelsLastActivations} and {@link QuantizedAddFusion} (the NCHW, op-by-op residual path
 * they replace), must give bit-identical outputs, at batch 32, batch 1 and an odd
 * batch, on one and two threads. The ResCNN must actually go channels-last, every convolution
 * (all residual blocks), its last stage read channels-last by GlobalAveragePool.
 */
class ChannelsLastActivationsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "fmnist/cnn/fmnist_rescnn_int8_hist_pc.onnx, fmnist/test_x.f32, 1;28;28, 9",
        "fmnist/cnn/fmnist_rescnn_int8_minmax_pt.onnx, fmnist/test_x.f32, 1;28;28, 9",
        "digits/digits_cnn_int8_torch_qnnpack.onnx, digits/test_x.f32, 1;8;8, 1",
        "digits/digits_cnn_qdq_fakequant.onnx, digits/test_x.f32, 1;8;8, 1",
    })
    void sameOutputsAsTheNchwPath(String model, String data, String sampleShape, int channelsLastOutputs)
            throws Exception {
        Path path = TestFixtures.fixture(model);
        int[] sample = Arrays.stream(sampleShape.split(";")).mapToInt(Integer::parseInt).toArray();
        int sampleSize = Arrays.stream(sample).reduce(1, (a, b) -> a * b);
        int images = 71;
        float[] x = RawData.floats(TestFixtures.fixture(data), 0, images * sampleSize);
        for (int threads : new int[] {1, 2}) {
            Graph channelsLast = prepare(path, true);
            Graph nchw = prepare(path, false);
            long marked = channelsLast.nodes().stream()
                    .filter(n -> n.attributes().getInt(Int8LinearOps.ATTR_NHWC_OUTPUT, 0) != 0).count();
            assertEquals(channelsLastOutputs, marked, model + ": convolutions writing NHWC");
            if (model.contains("rescnn")) {
                Node last = channelsLast.producers().get(
                        channelsLast.consumers().entrySet().stream()
                                .filter(e -> e.getValue().stream().anyMatch(n -> n.opType().equals("GlobalAveragePool")))
                                .findFirst().orElseThrow().getKey());
                assertTrue(last.opType().equals("DequantizeLinear"), "GlobalAveragePool reads " + last);
                assertTrue(channelsLast.nodes().stream().filter(n -> n.opType().equals("GlobalAveragePool"))
                        .allMatch(n -> n.attributes().getInt(PoolOps.ATTR_NHWC_INPUT, 0) != 0), "GlobalAveragePool reads NCHW");
            }
            ExecutionPlan a = compile(channelsLast, threads);
            ExecutionPlan b = compile(nchw, threads);
            ExecutionState sa = a.newState();
            ExecutionState sb = b.newState();
            for (int batch : new int[] {32, 1, 7}) {
                for (int first = 0; first + batch <= images; first += batch) {
                    int[] shape = new int[sample.length + 1];
                    shape[0] = batch;
                    System.arraycopy(sample, 0, shape, 1, sample.length);
                    float[] in = Arrays.copyOfRange(x, first * sampleSize, (first + batch) * sampleSize);
                    String input = a.inputs().get(0).name();
                    Tensor ya = a.run(sa, Map.of(input, Tensor.ofFloats(shape, in))).values().iterator().next();
                    Tensor yb = b.run(sb, Map.of(input, Tensor.ofFloats(shape, in.clone()))).values().iterator().next();
                    assertArrayEquals(yb.shape(), ya.shape());
                    assertArrayEquals(yb.floats(), ya.floats(), 0f, model + " batch " + batch + " from " + first
                            + " threads " + threads);
                }
            }
        }
    }

    private static Graph prepare(Path model, boolean withChannelsLast) {
        Graph g = new OnnxModelReader().read(model);
        for (GraphPass p : Passes.forOptions(EngineOptions.DEFAULT, OperatorRegistry.standard())) {
            if (withChannelsLast || !(p instanceof ChannelsLastActivations || p instanceof QuantizedAddFusion)) {
                p.apply(g);
            }
        }
        return g;
    }

    private static ExecutionPlan compile(Graph g, int threads) {
        return ExecutionPlan.compile(g, OperatorRegistry.standard(), EngineOptions.DEFAULT.tap(),
                Compute.forThreads(threads));
    }
}
