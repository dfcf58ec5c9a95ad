package io.tare.server.engine.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ResidualLayerNormFusion}: {@code LayerNorm(Add(a, b))} as BERT exports it runs as one step
 * with the bits of the graph as written; an Add that broadcasts, or whose sum is read elsewhere,
 * stays a step of its own.
 */
class ResidualLayerNormFusionTest {
    private static final Random RANDOM = new Random(29);

    private static Node node(String op, List<String> in, List<String> out) {
        return new Node(op + "_" + out.get(0), op, "", in, out, new Attributes(Map.of("axes", new long[] {-1})));
    }

    /** [batch, seq, cols] with symbolic batch and sequence axes, as exported transformers declare them. */
    private static ValueInfo activation(String name, int cols) {
        return new ValueInfo(name, DataType.FLOAT, new long[] {-1, -1, cols}, Arrays.asList("batch", "seq", null));
    }

    /**
     * {@code y = LayerNorm(a + b)}, the LayerNorm written out as nine nodes; b is [cols] when
     * {@code broadcastB}; {@code sumIsOutput} also returns the Add's sum.
     */
    private static Graph residualLayerNorm(int cols, boolean broadcastB, boolean sumIsOutput) {
        Random r = new Random(3);
        float[] gamma = new float[cols];
        float[] beta = new float[cols];
        for (int i = 0; i < cols; i++) {
            gamma[i] = 1f + (float) r.nextGaussian() * 0.2f;
            beta[i] = (float) r.nextGaussian() * 0.1f;
        }
        Map<String, Tensor> c = new LinkedHashMap<>();
        c.put("gamma", Tensor.ofFloats(new int[] {cols}, gamma));
        c.put("beta", Tensor.ofFloats(new int[] {cols}, beta));
        c.put("two", Tensor.scalar(2f));
        c.put("eps", Tensor.scalar(1e-12f));
        List<Node> nodes = List.of(
                node("Add", List.of("a", "b"), List.of("x")),
                node("ReduceMean", List.of("x"), List.of("mean")),
                node("Sub", List.of("x", "mean"), List.of("d")),
                node("Pow", List.of("d", "two"), List.of("p")),
                node("ReduceMean", List.of("p"), List.of("var")),
                node("Add", List.of("var", "eps"), List.of("ve")),
                node("Sqrt", List.of("ve"), List.of("sd")),
                node("Div", List.of("d", "sd"), List.of("n")),
                node("Mul", List.of("n", "gamma"), List.of("m")),
                node("Add", List.of("m", "beta"), List.of("y")));
        ValueInfo b = broadcastB ? new ValueInfo("b", DataType.FLOAT, new long[] {cols}, null) : activation("b", cols);
        List<ValueInfo> outputs = new ArrayList<>(List.of(activation("y", cols)));
        if (sumIsOutput) {
            outputs.add(activation("x", cols));
        }
        return new Graph(nodes, c, List.of(activation("a", cols), b), outputs, Map.of("", 13));
    }

    private static float[] random(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (RANDOM.nextGaussian() * 2) + 0.7f;
        }
        return f;
    }

    /** Loads the graph as written and optimized, checks the plan's steps, and compares every output's bits. */
    private static void assertFusedAsExpected(int cols, boolean broadcastB, boolean sumIsOutput, List<String> steps) {
        LoadedModel plain = Engine.load(residualLayerNorm(cols, broadcastB, sumIsOutput),
                EngineOptions.DEFAULT.withOptimize(false));
        LoadedModel optimized = Engine.load(residualLayerNorm(cols, broadcastB, sumIsOutput), EngineOptions.DEFAULT);
        assertEquals(steps, optimized.plan().stepOpTypes());
        int[] shape = {3, 5, cols};
        Map<String, Tensor> feeds = Map.of("a", Tensor.ofFloats(shape, random(3 * 5 * cols)), "b",
                broadcastB ? Tensor.ofFloats(new int[] {cols}, random(cols)) : Tensor.ofFloats(shape, random(3 * 5 * cols)));
        Map<String, Tensor> want = plain.run(feeds);
        Map<String, Tensor> got = optimized.run(feeds);
        for (String name : want.keySet()) {
            float[] w = want.get(name).floats();
            float[] g = got.get(name).floats();
            assertEquals(w.length, g.length);
            for (int i = 0; i < w.length; i++) {
                assertEquals(Float.floatToRawIntBits(w[i]), Float.floatToRawIntBits(g[i]),
                        name + " element " + i + ": " + w[i] + " vs " + g[i]);
            }
        }
    }

    @Test
    void residualSumFusesIntoTheLayerNormWithTheSameBits() {
        for (int cols : new int[] {384, 7, 1, 33}) {
            assertFusedAsExpected(cols, false, false, List.of("LayerNormalization"));
        }
    }

    @Test
    void broadcastingAddStaysAStepOfItsOwn() {
        assertFusedAsExpected(16, true, false, List.of("Add", "LayerNormalization"));
    }

    @Test
    void sumReadElsewhereStaysAStepOfItsOwn() {
        assertFusedAsExpected(16, false, true, List.of("Add", "LayerNormalization"));
        LoadedModel m = Engine.load(residualLayerNorm(16, false, true), EngineOptions.DEFAULT);
        assertTrue(m.outputs().stream().anyMatch(o -> o.name().equals("x")));
    }
}
