package io.tare.server.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Engine;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.LoadedModel;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.compute.Compute;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.graph.ValueInfo;
import io.tare.server.engine.ops.NodeSetup;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * MatMulInteger with constant weights runs packed on the kernels' INT8 GEMM; with the weights fed
 * at run time it runs the general integer path. Both must give the same int32 products, for
 * uint8/int8 A, per-tensor and per-row A zero points, per-tensor and per-column B zero points,
 * 2-D and batched 3-D A, and sizes off the kernels' tile widths.
 */
class PackedMatMulIntegerTest {
    private static final Node NODE = new Node("mm", "MatMulInteger", "", List.of("a", "b", "a_zp", "b_zp"),
            List.of("y"), new Attributes(Map.of()));
    private final Random rnd = new Random(3);

    @Test
    void packedWeightsGiveTheGeneralPathsIntegers() {
        for (int[] mkn : new int[][] {{1, 1, 1}, {7, 13, 5}, {33, 384, 31}, {128, 64, 130}}) {
            for (DataType aType : new DataType[] {DataType.UINT8, DataType.INT8}) {
                for (DataType bType : new DataType[] {DataType.INT8, DataType.UINT8}) {
                    check(new int[] {mkn[0], mkn[1]}, mkn[2], aType, bType, false, false);
                    check(new int[] {mkn[0], mkn[1]}, mkn[2], aType, bType, true, true);
                    check(new int[] {3, mkn[0], mkn[1]}, mkn[2], aType, bType, false, true);
                }
            }
        }
    }

    private void check(int[] aShape, int n, DataType aType, DataType bType, boolean aZpPerRow, boolean bZpPerColumn) {
        int k = aShape[aShape.length - 1];
        int rows = Tensor.sizeOf(aShape) / k;
        Tensor a = bytes(aType, aShape);
        Tensor b = bytes(bType, new int[] {k, n});
        Tensor aZp = bytes(aType, aZpPerRow ? new int[] {rows} : new int[0]);
        Tensor bZp = bytes(bType, bZpPerColumn ? new int[] {n} : new int[0]);

        LoadedModel packed = model(a, aZp, b, bZp, true);
        assertNotNull(PackedMatMulInteger.tryCreate(new NodeSetup(NODE, 13, Map.of("b", b, "b_zp", bZp),
                Compute.forThreads(1))), "constant weights must take the packed path");
        LoadedModel general = model(a, aZp, b, bZp, false);
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        feeds.put("a", a);
        feeds.put("a_zp", aZp);
        int[] fast = packed.run(feeds).get("y").ints();
        feeds.put("b", b);
        feeds.put("b_zp", bZp);
        int[] slow = general.run(feeds).get("y").ints();
        assertArrayEquals(slow, fast, () -> "A " + aType + " " + java.util.Arrays.toString(aShape) + ", B " + bType
                + " [" + k + ", " + n + "], per-row za " + aZpPerRow + ", per-column zb " + bZpPerColumn);
    }

    private Tensor bytes(DataType type, int[] shape) {
        byte[] data = new byte[Tensor.sizeOf(shape)];
        rnd.nextBytes(data);
        return Tensor.wrap(type, shape, data);
    }

    /** One MatMulInteger node; B and its zero point are initializers when {@code constantB}. */
    private static LoadedModel model(Tensor a, Tensor aZp, Tensor b, Tensor bZp, boolean constantB) {
        Map<String, Tensor> init = new LinkedHashMap<>();
        List<ValueInfo> inputs = new ArrayList<>();
        inputs.add(info("a", a));
        inputs.add(info("a_zp", aZp));
        if (constantB) {
            init.put("b", b);
            init.put("b_zp", bZp);
        } else {
            inputs.add(info("b", b));
            inputs.add(info("b_zp", bZp));
        }
        Graph g = new Graph(List.of(NODE), init, inputs,
                List.of(new ValueInfo("y", DataType.INT32, new long[0], List.of())), Map.of("", 13));
        return Engine.load(g, EngineOptions.DEFAULT);
    }

    private static ValueInfo info(String name, Tensor t) {
        long[] dims = new long[t.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.dim(i);
        }
        return new ValueInfo(name, t.type(), dims, Collections.nCopies(dims.length, (String) null));
    }
}
