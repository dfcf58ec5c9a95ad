package io.tare.server.engine.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Engine;
import io.tare.server.engine.EngineOptions;
import io.tare.server.engine.ExecutionMode;
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
import org.junit.jupiter.api.Test;

/**
 * {@link SharedActivationRows}: dynamic INT8 layers that read the same activation, interleaved with
 * layers reading another one (so two groups hold buffers at once and a third reuses a freed one),
 * must give each layer's output with the bits it has when the layer runs alone.
 */
class SharedActivationRowsTest {
    private static final int K = 24;
    private static final int N = 8;

    private static Tensor weight(int seed) {
        Random r = new Random(seed);
        float[] w = new float[K * N];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        return Tensor.ofFloats(new int[] {K, N}, w);
    }

    private static ValueInfo info(String name) {
        return new ValueInfo(name, DataType.FLOAT, new long[] {-1, K}, null);
    }

    private static ValueInfo out(String name) {
        return new ValueInfo(name, DataType.FLOAT, new long[] {-1, N}, null);
    }

    /** Layer i reads {@code inputs[i]} with weight w{i} and writes y{i}. */
    private static Graph layers(String[] inputs, List<Integer> which) {
        Map<String, Tensor> c = new LinkedHashMap<>();
        List<Node> nodes = new ArrayList<>();
        List<ValueInfo> outs = new ArrayList<>();
        for (int i : which) {
            c.put("w" + i, weight(i));
            nodes.add(new Node("mm" + i, "MatMul", "", List.of(inputs[i], "w" + i), List.of("y" + i),
                    Attributes.empty()));
            outs.add(out("y" + i));
        }
        List<ValueInfo> ins = new ArrayList<>();
        for (String name : new String[] {"x", "z"}) {
            if (nodes.stream().anyMatch(n -> n.input(0).equals(name))) {
                ins.add(info(name));
            }
        }
        return new Graph(nodes, c, ins, outs, Map.of("", 13));
    }

    @Test
    void layersReadingOneActivationQuantizeItOnceWithTheSameBits() {
        // groups {0, 2, 3} on x and {1, 4} on z overlap; {5, 6} on x again starts after both ended
        String[] inputs = {"x", "z", "x", "x", "z", "x", "x"};
        List<Integer> all = List.of(0, 1, 2, 3, 4, 5, 6);
        Random r = new Random(5);
        float[] x = new float[7 * K];
        float[] z = new float[7 * K];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian() * 3f;
            z[i] = (float) r.nextGaussian() + 0.5f;
        }
        // a shared buffer of the same width as another group's shows up as wrong bits
        Map<String, Tensor> feeds = Map.of("x", Tensor.ofFloats(new int[] {7, K}, x), "z",
                Tensor.ofFloats(new int[] {7, K}, z));
        for (boolean perRow : new boolean[] {true, false}) {
            EngineOptions options = EngineOptions.DEFAULT.withMode(ExecutionMode.DYNAMIC).withPerRowActivations(perRow);
            LoadedModel shared = Engine.load(layers(inputs, all), options);
            long marked = shared.plan().stepOpTypes().stream().filter(o -> o.equals("tare:" + Int8LinearOps.GEMM)).count();
            assertEquals(7, marked, shared.plan().stepOpTypes().toString());
            assertTrue(shared.appliedPasses().contains("shared-activation-rows"), shared.appliedPasses().toString());
            for (int run = 0; run < 2; run++) { // the second run finds the buffers already there
                Map<String, Tensor> got = shared.run(feeds);
                for (int i : all) {
                    String in = inputs[i];
                    LoadedModel alone = Engine.load(layers(inputs, List.of(i)), options);
                    Map<String, Tensor> want = alone.run(Map.of(in, feeds.get(in)));
                    float[] a = want.get("y" + i).floats();
                    float[] b = got.get("y" + i).floats();
                    assertEquals(a.length, b.length);
                    for (int e = 0; e < a.length; e++) {
                        assertEquals(Float.floatToRawIntBits(a[e]), Float.floatToRawIntBits(b[e]),
                                "layer " + i + " element " + e + " (per row " + perRow + ")");
                    }
                }
            }
        }
    }
}
