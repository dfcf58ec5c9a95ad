package io.tare.server.engine.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@link LayerNormFusion} and {@link SoftmaxFusion}: the fused plan must produce the same bits as
 * the graph as written (loaded with the passes off), and the fusion must really have happened; a
 * pattern with an extra reader of an intermediate value must stay unfused.
 */
class NormalizationFusionTest {
    private static final Random RANDOM = new Random(17);

    private static float[] random(int n, float scale, float shift) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (RANDOM.nextGaussian() * scale) + shift;
        }
        return f;
    }

    private static Node node(String op, List<String> in, List<String> out, Map<String, Object> attrs) {
        return new Node(op + "_" + out.get(0), op, "", in, out, new Attributes(attrs));
    }

    private static ValueInfo info(String name, int rank) {
        long[] dims = new long[rank];
        java.util.Arrays.fill(dims, -1); // unknown: the tests feed several shapes
        return new ValueInfo(name, DataType.FLOAT, dims, null);
    }

    private static void assertSameBits(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                    "element " + i + ": " + want[i] + " vs " + got[i]);
        }
    }

    /** Runs the model as written and optimized on the same feeds; returns both outputs. */
    private static float[][] runBoth(Supplier<Graph> build, EngineOptions options, Map<String, Tensor> feeds,
            List<String> optimizedOps) {
        LoadedModel plain = Engine.load(build.get(), options.withOptimize(false));
        LoadedModel optimized = Engine.load(build.get(), options);
        List<String> ops = optimized.plan().stepOpTypes();
        for (String op : optimizedOps) {
            assertTrue(ops.contains(op), op + " missing from the optimized plan " + ops);
        }
        String out = plain.outputs().get(0).name();
        return new float[][] {plain.run(feeds).get(out).floats(), optimized.run(feeds).get(out).floats()};
    }

    /** BERT's exported LayerNorm over the last axis of x, then y; {@code extraReader} also outputs d. */
    private static Graph layerNorm(int cols, int opset, boolean swapOperands, boolean extraReader) {
        Random r = new Random(3); // the same constants on every call
        Map<String, Tensor> c = new LinkedHashMap<>();
        float[] gamma = new float[cols];
        float[] beta = new float[cols];
        for (int i = 0; i < cols; i++) {
            gamma[i] = 1f + (float) r.nextGaussian() * 0.2f;
            beta[i] = (float) r.nextGaussian() * 0.1f;
        }
        c.put("gamma", Tensor.ofFloats(new int[] {cols}, gamma));
        c.put("beta", Tensor.ofFloats(new int[] {cols}, beta));
        c.put("two", Tensor.scalar(2f));
        c.put("eps", Tensor.scalar(1e-12f));
        Map<String, Object> axes = new LinkedHashMap<>();
        List<String> meanIn = new ArrayList<>(List.of("x"));
        List<String> varIn = new ArrayList<>(List.of("p"));
        if (opset >= 18) { // axes became an input
            c.put("axes", Tensor.ofLongs(new int[] {1}, -1L));
            meanIn.add("axes");
            varIn.add("axes");
        } else {
            axes.put("axes", new long[] {-1});
        }
        List<Node> nodes = List.of(
                node("ReduceMean", meanIn, List.of("mean"), axes),
                node("Sub", List.of("x", "mean"), List.of("d"), Map.of()),
                node("Pow", List.of("d", "two"), List.of("p"), Map.of()),
                node("ReduceMean", varIn, List.of("var"), axes),
                node("Add", swapOperands ? List.of("eps", "var") : List.of("var", "eps"), List.of("ve"), Map.of()),
                node("Sqrt", List.of("ve"), List.of("sd"), Map.of()),
                node("Div", List.of("d", "sd"), List.of("n"), Map.of()),
                node("Mul", swapOperands ? List.of("gamma", "n") : List.of("n", "gamma"), List.of("m"), Map.of()),
                node("Add", swapOperands ? List.of("beta", "m") : List.of("m", "beta"), List.of("y"), Map.of()));
        List<ValueInfo> outputs = new ArrayList<>(List.of(info("y", 3)));
        if (extraReader) {
            outputs.add(info("d", 3));
        }
        return new Graph(nodes, c, List.of(info("x", 3)), outputs, Map.of("", opset));
    }

    @Test
    void layerNormExpansionFusesWithTheSameBits() {
        for (int cols : new int[] {384, 7, 1, 33}) {
            for (int opset : new int[] {13, 18}) {
                for (boolean swap : new boolean[] {false, true}) {
                    int[] shape = {3, 5, cols};
                    // an offset mean, as residual sums have: the statistics' rounding matters
                    float[] x = random(3 * 5 * cols, 2f, 0.7f);
                    float[][] r = runBoth(() -> layerNorm(cols, opset, swap, false), EngineOptions.DEFAULT,
                            Map.of("x", Tensor.ofFloats(shape, x)), List.of("LayerNormalization"));
                    assertSameBits(r[0], r[1]);
                }
            }
        }
        LoadedModel fused = Engine.load(layerNorm(8, 13, false, false),
                EngineOptions.DEFAULT.withMode(ExecutionMode.DYNAMIC));
        assertEquals(List.of("LayerNormalization"), fused.plan().stepOpTypes());
    }

    @Test
    void layerNormWithAnotherReaderStaysUnfused() {
        LoadedModel m = Engine.load(layerNorm(8, 13, false, true), EngineOptions.DEFAULT);
        assertFalse(m.plan().stepOpTypes().contains("LayerNormalization"), m.plan().stepOpTypes().toString());
    }

    /** Attention's scores / c + mask, then Softmax(axis=-1); {@code multiply}: scores * c instead. */
    private static Graph attention(boolean multiply, boolean maskFirst, boolean withMask, int opset) {
        return attention(multiply, maskFirst, withMask, opset, multiply ? 0.17677669f : 5.656854f);
    }

    private static Graph attention(boolean multiply, boolean maskFirst, boolean withMask, int opset, float constant) {
        Map<String, Tensor> c = new LinkedHashMap<>();
        c.put("c", Tensor.scalar(constant));
        List<Node> nodes = new ArrayList<>();
        nodes.add(node(multiply ? "Mul" : "Div", List.of("s", "c"), List.of("t"), Map.of()));
        String logits = "t";
        if (withMask) {
            nodes.add(node("Add", maskFirst ? List.of("mask", "t") : List.of("t", "mask"), List.of("u"), Map.of()));
            logits = "u";
        }
        // opset 11 (all-MiniLM-L6-v2's export): the last axis by number, found through shape inference
        nodes.add(node("Softmax", List.of(logits), List.of("y"), opset >= 13 ? Map.of() : Map.of("axis", 3L)));
        List<ValueInfo> inputs = withMask ? List.of(info("s", 4), info("mask", 4)) : List.of(info("s", 4));
        return new Graph(nodes, c, inputs, List.of(info("y", 4)), Map.of("", opset));
    }

    @Test
    void scaledMaskedSoftmaxFusesWithTheSameBits() {
        for (int n : new int[] {128, 13, 1, 8}) {
            int[] shape = {2, 3, 5, n};
            float[] s = random(2 * 3 * 5 * n, 6f, 0f);
            // BERT's additive mask: 0 where attended, the float minimum on padding
            float[] mask = new float[2 * n];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = i % 7 == 3 ? -3.4028235e38f : 0f;
            }
            Map<String, Tensor> feeds = Map.of("s", Tensor.ofFloats(shape, s),
                    "mask", Tensor.ofFloats(new int[] {2, 1, 1, n}, mask));
            for (boolean multiply : new boolean[] {false, true}) {
                for (boolean maskFirst : new boolean[] {false, true}) {
                    float[][] r = runBoth(() -> attention(multiply, maskFirst, true, 13), EngineOptions.DEFAULT, feeds,
                            List.of("tare:MaskedSoftmax"));
                    assertSameBits(r[0], r[1]);
                }
            }
            float[][] r = runBoth(() -> attention(false, false, false, 11), EngineOptions.DEFAULT,
                    Map.of("s", Tensor.ofFloats(shape, s)), List.of("tare:MaskedSoftmax"));
            assertSameBits(r[0], r[1]);
            r = runBoth(() -> attention(true, true, true, 11), EngineOptions.DEFAULT, feeds,
                    List.of("tare:MaskedSoftmax"));
            assertSameBits(r[0], r[1]);
        }
    }

    @Test
    void maskLargerThanTheScoresBroadcastsAsAddDoes() {
        // scores [1, 1, 4, 6] against a mask [2, 3, 1, 6]: the Add's output, and so the softmax's, is [2, 3, 4, 6]
        Map<String, Tensor> feeds = Map.of("s", Tensor.ofFloats(new int[] {1, 1, 4, 6}, random(24, 3f, 0f)),
                "mask", Tensor.ofFloats(new int[] {2, 3, 1, 6}, random(36, 3f, 0f)));
        float[][] r = runBoth(() -> attention(false, false, true, 13), EngineOptions.DEFAULT, feeds,
                List.of("tare:MaskedSoftmax"));
        assertEquals(2 * 3 * 4 * 6, r[1].length);
        assertSameBits(r[0], r[1]);
    }

    /** Attention's head split, products and merge over [B, S, H, D] inputs; Transposes without perm when {@code reversed}. */
    private static Graph heads(boolean reversed) {
        List<Node> nodes = new ArrayList<>();
        nodes.add(node("Transpose", List.of("q"), List.of("qt"), Map.of("perm", new long[] {0, 2, 1, 3})));
        nodes.add(node("Transpose", List.of("k"), List.of("kt"), Map.of("perm", new long[] {0, 2, 3, 1})));
        nodes.add(node("MatMul", List.of("qt", "kt"), List.of("s"), Map.of()));
        nodes.add(node("Softmax", List.of("s"), List.of("p"), Map.of()));
        nodes.add(node("Transpose", List.of("v"), List.of("vt"), Map.of("perm", new long[] {0, 2, 1, 3})));
        nodes.add(node("MatMul", List.of("p", "vt"), List.of("o"), Map.of()));
        nodes.add(reversed ? node("Transpose", List.of("o"), List.of("y"), Map.of())
                : node("Transpose", List.of("o"), List.of("y"), Map.of("perm", new long[] {0, 2, 1, 3})));
        return new Graph(nodes, Map.of(), List.of(info("q", 4), info("k", 4), info("v", 4)), List.of(info("y", 4)),
                Map.of("", 13));
    }

    @Test
    void transposesAroundRunTimeMatMulsFoldWithTheSameBits() {
        // 70 rows: one full 64-row block of the kernels plus a tail; 13: a row left to the plain loop
        for (int s : new int[] {70, 13, 1}) {
            int[] shape = {2, s, 3, 8};
            int size = 2 * s * 3 * 8;
            Map<String, Tensor> feeds = Map.of("q", Tensor.ofFloats(shape, random(size, 1f, 0f)),
                    "k", Tensor.ofFloats(shape, random(size, 1f, 0f)), "v", Tensor.ofFloats(shape, random(size, 1f, 0f)));
            for (boolean reversed : new boolean[] {false, true}) {
                float[][] r = runBoth(() -> heads(reversed), EngineOptions.DEFAULT, feeds, List.of("tare:PermutedMatMul"));
                assertSameBits(r[0], r[1]);
            }
            LoadedModel fused = Engine.load(heads(false), EngineOptions.DEFAULT);
            assertFalse(fused.plan().stepOpTypes().contains("Transpose"), fused.plan().stepOpTypes().toString());
        }
    }

    /** Attention over [B, S, H, D] inputs: head split, Q K^T, scaling, mask, softmax, times V, head merge. */
    private static Graph scaledAttention(boolean withMask, boolean multiply) {
        return scaledAttention(withMask, multiply, multiply ? 0.35355338f : 2.828427f);
    }

    private static Graph scaledAttention(boolean withMask, boolean multiply, float constant) {
        Map<String, Tensor> c = new LinkedHashMap<>();
        c.put("c", Tensor.scalar(constant));
        List<Node> nodes = new ArrayList<>();
        nodes.add(node("Transpose", List.of("q"), List.of("qt"), Map.of("perm", new long[] {0, 2, 1, 3})));
        nodes.add(node("Transpose", List.of("k"), List.of("kt"), Map.of("perm", new long[] {0, 2, 3, 1})));
        nodes.add(node("MatMul", List.of("qt", "kt"), List.of("s"), Map.of()));
        nodes.add(node(multiply ? "Mul" : "Div", List.of("s", "c"), List.of("t"), Map.of()));
        String logits = "t";
        if (withMask) {
            nodes.add(node("Add", List.of("t", "mask"), List.of("u"), Map.of()));
            logits = "u";
        }
        nodes.add(node("Softmax", List.of(logits), List.of("p"), Map.of()));
        nodes.add(node("Transpose", List.of("v"), List.of("vt"), Map.of("perm", new long[] {0, 2, 1, 3})));
        nodes.add(node("MatMul", List.of("p", "vt"), List.of("o"), Map.of()));
        nodes.add(node("Transpose", List.of("o"), List.of("y"), Map.of("perm", new long[] {0, 2, 1, 3})));
        List<ValueInfo> inputs = new ArrayList<>(List.of(info("q", 4), info("k", 4), info("v", 4)));
        if (withMask) {
            inputs.add(info("mask", 4));
        }
        return new Graph(nodes, c, inputs, List.of(info("y", 4)), Map.of("", 13));
    }

    @Test
    void attentionFusesHeadByHeadWithTheSameBits() {
        // 70 tokens: a full 64-row block of the kernels plus a tail; 13: rows left to the plain loop; 1
        for (int s : new int[] {70, 13, 1}) {
            int[] shape = {2, s, 3, 8};
            int size = 2 * s * 3 * 8;
            float[] mask = new float[2 * s];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = i % 5 == 4 ? -3.4028235e38f : 0f; // BERT's additive padding mask
            }
            Map<String, Tensor> feeds = Map.of("q", Tensor.ofFloats(shape, random(size, 1f, 0f)),
                    "k", Tensor.ofFloats(shape, random(size, 1f, 0f)), "v", Tensor.ofFloats(shape, random(size, 1f, 0f)),
                    "mask", Tensor.ofFloats(new int[] {2, 1, 1, s}, mask));
            for (boolean withMask : new boolean[] {true, false}) {
                for (boolean multiply : new boolean[] {false, true}) {
                    Map<String, Tensor> in = withMask ? feeds : Map.of("q", feeds.get("q"), "k", feeds.get("k"),
                            "v", feeds.get("v"));
                    float[][] r = runBoth(() -> scaledAttention(withMask, multiply), EngineOptions.DEFAULT, in,
                            List.of("tare:ScaledAttention"));
                    assertSameBits(r[0], r[1]);
                }
            }
            List<String> ops = Engine.load(scaledAttention(true, false), EngineOptions.DEFAULT).plan().stepOpTypes();
            assertEquals(List.of("tare:ScaledAttention"), ops);
        }
    }

    /**
     * A power-of-two divisor (attention's sqrt(64) = 8) runs as a multiplication by its exact
     * reciprocal: still the Div's bits, in the fused softmax and in the head-by-head attention.
     */
    @Test
    void powerOfTwoDivisorsKeepTheDivisionsBits() {
        for (float divisor : new float[] {8f, 0.125f, 1f, 2.828427f}) {
            int n = 70;
            int[] shape = {2, n, 3, 8};
            int size = 2 * n * 3 * 8;
            float[] mask = new float[2 * n];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = i % 5 == 4 ? -3.4028235e38f : 0f;
            }
            Map<String, Tensor> feeds = Map.of("q", Tensor.ofFloats(shape, random(size, 3f, 0f)),
                    "k", Tensor.ofFloats(shape, random(size, 3f, 0f)), "v", Tensor.ofFloats(shape, random(size, 1f, 0f)),
                    "mask", Tensor.ofFloats(new int[] {2, 1, 1, n}, mask));
            float[][] r = runBoth(() -> scaledAttention(true, false, divisor), EngineOptions.DEFAULT, feeds,
                    List.of("tare:ScaledAttention"));
            assertSameBits(r[0], r[1]);
            int[] scores = {2, 3, 5, n};
            Map<String, Tensor> softmaxFeeds = Map.of("s", Tensor.ofFloats(scores, random(2 * 3 * 5 * n, 40f, 0f)),
                    "mask", Tensor.ofFloats(new int[] {2, 1, 1, n}, mask));
            r = runBoth(() -> attention(false, false, true, 13, divisor), EngineOptions.DEFAULT, softmaxFeeds,
                    List.of("tare:MaskedSoftmax"));
            assertSameBits(r[0], r[1]);
        }
    }

    @Test
    void attentionWithAMaskThatEnlargesTheScoresRunsStepByStep() {
        // scores [1, 3, 4, 4] (B = 1) against a mask [2, 1, 1, 4]: the probabilities and the output get B = 2
        int[] shape = {1, 4, 3, 8};
        Map<String, Tensor> feeds = Map.of("q", Tensor.ofFloats(shape, random(96, 1f, 0f)),
                "k", Tensor.ofFloats(shape, random(96, 1f, 0f)), "v", Tensor.ofFloats(shape, random(96, 1f, 0f)),
                "mask", Tensor.ofFloats(new int[] {2, 1, 1, 4}, random(8, 2f, 0f)));
        float[][] r = runBoth(() -> scaledAttention(true, false), EngineOptions.DEFAULT, feeds,
                List.of("tare:ScaledAttention"));
        assertEquals(2 * 4 * 3 * 8, r[1].length);
        assertSameBits(r[0], r[1]);
    }

    @Test
    void attentionScoresWithAnotherReaderStayUnfused() {
        Supplier<Graph> build = () -> {
            Graph g = scaledAttention(true, false);
            List<ValueInfo> outputs = new ArrayList<>(g.outputs());
            outputs.add(info("s", 4)); // the raw scores are also an output
            return new Graph(g.nodes(), g.initializers(), g.inputs(), outputs, g.opsets());
        };
        List<String> ops = Engine.load(build.get(), EngineOptions.DEFAULT).plan().stepOpTypes();
        assertFalse(ops.contains("tare:ScaledAttention"), ops.toString());
    }

    @Test
    void permutedMatMulBroadcastsBatchAxes() {
        // A [2, 3, 5, 4] read as Transpose(x, [1, 0, 2, 3]) against B [4, 6] given as Transpose(w [6, 4])
        List<Node> nodes = List.of(
                node("Transpose", List.of("x"), List.of("xt"), Map.of("perm", new long[] {1, 0, 2, 3})),
                node("Transpose", List.of("w"), List.of("wt"), Map.of()),
                node("MatMul", List.of("xt", "wt"), List.of("y"), Map.of()));
        Supplier<Graph> build = () -> new Graph(nodes, Map.of(), List.of(info("x", 4), info("w", 2)),
                List.of(info("y", 4)), Map.of("", 13));
        Map<String, Tensor> feeds = Map.of("x", Tensor.ofFloats(new int[] {3, 2, 5, 4}, random(120, 1f, 0f)),
                "w", Tensor.ofFloats(new int[] {6, 4}, random(24, 1f, 0f)));
        float[][] r = runBoth(build, EngineOptions.DEFAULT, feeds, List.of("tare:PermutedMatMul"));
        assertEquals(2 * 3 * 5 * 6, r[1].length);
        assertSameBits(r[0], r[1]);
    }

    @Test
    void permutedOperandsWhoseColumnsAndRowsAreBothStridedGiveTheSameBits() {
        // A [2, 5, 4] read as Transpose(x [4, 2, 5], [1, 2, 0]): row stride 1, column stride 10; B
        // [2, 4, 6] as Transpose(w [4, 6, 2], [2, 0, 1]): row stride 12, column stride 2
        List<Node> nodes = List.of(
                node("Transpose", List.of("x"), List.of("xt"), Map.of("perm", new long[] {1, 2, 0})),
                node("Transpose", List.of("w"), List.of("wt"), Map.of("perm", new long[] {2, 0, 1})),
                node("MatMul", List.of("xt", "wt"), List.of("y"), Map.of()));
        Supplier<Graph> build = () -> new Graph(nodes, Map.of(), List.of(info("x", 3), info("w", 3)),
                List.of(info("y", 3)), Map.of("", 13));
        Map<String, Tensor> feeds = Map.of("x", Tensor.ofFloats(new int[] {4, 2, 5}, random(40, 1f, 0f)),
                "w", Tensor.ofFloats(new int[] {4, 6, 2}, random(48, 1f, 0f)));
        float[][] r = runBoth(build, EngineOptions.DEFAULT, feeds, List.of("tare:PermutedMatMul"));
        assertEquals(2 * 5 * 6, r[1].length);
        assertSameBits(r[0], r[1]);
    }
}
