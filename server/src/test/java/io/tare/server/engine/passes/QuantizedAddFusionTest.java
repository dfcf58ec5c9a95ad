package io.tare.server.engine.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Engine;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.graph.ValueInfo;
import io.tare.server.engine.quant.Int8LinearOps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code Q(Relu?(DQ(a) + DQ(b)))} fused into {@code tare:Int8Add} against the same graph run op by
 * op (passes off): bit-identical outputs, for same-shape inputs (the chunked path, across several
 * chunks) and broadcasting ones (the element-wise path), with and without ReLU, both output types,
 * and values that saturate.
 */
class QuantizedAddFusionTest {

    @ParameterizedTest(name = "b {0}, relu {1}, {2} output")
    @CsvSource({
        "2;16;15;15, true, UINT8", "2;16;15;15, false, INT8", "1;16;1;1, true, INT8", "15, false, UINT8",
        "2;16;15;15, true, INT8",
    })
    void fusedEqualsTheOpsItReplaces(String bShape, boolean relu, DataType outType) {
        int[] a = {2, 16, 15, 15};
        int[] b = java.util.Arrays.stream(bShape.split(";")).mapToInt(Integer::parseInt).toArray();
        Random rnd = new Random(5);
        float[] xa = new float[Tensor.sizeOf(a)];
        float[] xb = new float[Tensor.sizeOf(b)];
        for (int i = 0; i < xa.length; i++) {
            xa[i] = (float) rnd.nextGaussian() * 3f;
        }
        for (int i = 0; i < xb.length; i++) {
            xb[i] = (float) rnd.nextGaussian() * 2f;
        }
        LoadedModel fused = Engine.load(graph(a, b, relu, outType), EngineOptions.DEFAULT);
        LoadedModel plain = Engine.load(graph(a, b, relu, outType), EngineOptions.DEFAULT.withOptimize(false));
        assertTrue(fused.plan().stepOpTypes().contains(Int8LinearOps.DOMAIN + ":" + Int8LinearOps.ADD),
                fused.plan().stepOpTypes().toString());
        Map<String, Tensor> feeds = Map.of("a", Tensor.ofFloats(a, xa), "b", Tensor.ofFloats(b, xb));
        Tensor expected = plain.run(feeds).get("y");
        Tensor actual = fused.run(feeds).get("y");
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.floats(), actual.floats(), 0f);
    }

    private static Graph graph(int[] a, int[] b, boolean relu, DataType outType) {
        Map<String, Tensor> constants = new LinkedHashMap<>();
        constants.put("sa", Tensor.scalar(0.031f));
        constants.put("za", Tensor.wrap(DataType.UINT8, new int[0], new byte[] {(byte) 131}));
        constants.put("sb", Tensor.scalar(0.017f));
        constants.put("zb", Tensor.wrap(DataType.INT8, new int[0], new byte[] {-3}));
        // a small output scale so that sums saturate
        constants.put("sy", Tensor.scalar(0.021f));
        constants.put("zy", Tensor.wrap(outType, new int[0], new byte[] {(byte) (outType == DataType.UINT8 ? 7 : -9)}));
        List<Node> nodes = new ArrayList<>();
        nodes.add(node("QuantizeLinear", List.of("a", "sa", "za"), "qa"));
        nodes.add(node("QuantizeLinear", List.of("b", "sb", "zb"), "qb"));
        nodes.add(node("DequantizeLinear", List.of("qa", "sa", "za"), "da"));
        nodes.add(node("DequantizeLinear", List.of("qb", "sb", "zb"), "db"));
        nodes.add(node("Add", List.of("da", "db"), "sum"));
        if (relu) {
            nodes.add(node("Relu", List.of("sum"), "r"));
        }
        nodes.add(node("QuantizeLinear", List.of(relu ? "r" : "sum", "sy", "zy"), "qy"));
        nodes.add(node("DequantizeLinear", List.of("qy", "sy", "zy"), "y"));
        return new Graph(nodes, constants, List.of(input("a", a), input("b", b)),
                List.of(new ValueInfo("y", DataType.FLOAT, new long[0], null)), Map.of("", 17));
    }

    private static Node node(String op, List<String> in, String out) {
        return new Node(op + "_" + out, op, "", in, List.of(out), new Attributes(Map.of()));
    }

    private static ValueInfo input(String name, int[] shape) {
        return new ValueInfo(name, DataType.FLOAT, java.util.Arrays.stream(shape).asLongStream().toArray(), null);
    }
}
