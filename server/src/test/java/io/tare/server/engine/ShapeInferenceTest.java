package io.tare.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.graph.ValueInfo;
import io.tare.server.engine.ops.OperatorRegistry;
import io.tare.server.engine.passes.ConstantFolding;
import io.tare.server.engine.shapes.ShapeInference;
import io.tare.server.engine.shapes.ValueShape;
import io.tare.server.onnx.OnnxModelReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Shape inference at load: every value of every fixture model gets a shape (symbolic where the
 * model's inputs are), the outputs' shapes are those a run produces, shapes that cannot fit fail the
 * load naming the node, and shapes known at load become constants (the ONNX node tests check the
 * inferred output shapes of every supported operator against the expected outputs, in
 * {@link OnnxNodeConformanceTest}).
 */
class ShapeInferenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"fmnist/cnn/fmnist_rescnn_fp32.onnx", "fmnist/cnn/fmnist_rescnn_int8_hist_pc.onnx",
            "fmnist/mlp/fmnist_mlp_fp32.onnx", "fmnist/mlp/fmnist_mlp_int8_hist_pc.onnx", "digits/digits_cnn_fp32.onnx",
            "digits/digits_cnn_int8_torch_qnnpack.onnx", "digits/digits_cnn_qdq_fakequant.onnx"})
    void everyValueOfTheImageModelsHasAShapeAndTheOutputIsBatchBy10(String fixture) {
        Path file = TestFixtures.fixture(fixture);
        Map<String, ValueShape> shapes = inferFolded(file);
        ValueShape logits = shapes.get("logits");
        assertEquals(2, logits.rank(), "logits " + logits);
        assertFalse(logits.dim(0).known(), "the batch stays symbolic: " + logits);
        assertEquals(10, logits.dim(1).size());

        LoadedModel model = Engine.load(file, EngineOptions.DEFAULT);
        int[] inputShape = model.inputs().getFirst().dims().length == 4 ? new int[] {3, 1, 28, 28} : new int[] {3, 784};
        if (fixture.startsWith("digits")) {
            inputShape = new int[] {3, 1, 8, 8};
        }
        Tensor x = Tensor.allocate(DataType.FLOAT, inputShape);
        Tensor y = model.run(Map.of(model.inputs().getFirst().name(), x)).get("logits");
        assertTrue(logits.admits(y.shape()), logits + " vs " + Arrays.toString(y.shape()));
    }

    @ParameterizedTest
    @ValueSource(strings = {MiniLmModels.FP32, MiniLmModels.INT8})
    void theTransformersSymbolicShapesFlowThroughItsShapeArithmetic(String name) throws Exception {
        Map<String, ValueShape> shapes = inferFolded(MiniLmModels.model(name));
        assertEquals("[batch_size, sequence_length, 384]", shapes.get("last_hidden_state").toString());
        Graph graph = folded(MiniLmModels.model(name));
        List<String> unknown = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (!shapes.containsKey(n.output(0))) {
                unknown.add(n.opType() + " " + n.name());
            }
        }
        assertEquals(List.of(), unknown, "values without a shape");
        // the attention reshape: [batch, seq, heads, head size] from Shape -> Gather -> Concat
        assertTrue(shapes.values().stream().anyMatch(s -> s.toString().equals("[batch_size, sequence_length, 12, 32]")));
    }

    @Test
    void shapesThatCannotFitFailTheLoadNamingTheNode() {
        Graph matMul = graph(List.of(node("mm", "MatMul", List.of("a", "b"), "y")),
                List.of(input("a", 2, 3), input("b", 4, 5)));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> Engine.load(matMul, EngineOptions.DEFAULT));
        assertTrue(e.getMessage().contains("mm") && e.getMessage().contains("inner dimensions 3 and 4"), e.getMessage());

        Graph add = graph(List.of(node("sum", "Add", List.of("a", "b"), "y")), List.of(input("a", 2, 3), input("b", 2, 4)));
        e = assertThrows(InvalidModelException.class, () -> Engine.load(add, EngineOptions.DEFAULT));
        assertTrue(e.getMessage().contains("sum") && e.getMessage().contains("do not broadcast"), e.getMessage());

        Graph conv = graph(List.of(node("c", "Conv", List.of("x", "w"), "y")), List.of(input("x", 1, 3, 8, 8)));
        conv.initializers().put("w", Tensor.allocate(DataType.FLOAT, new int[] {4, 2, 3, 3}));
        e = assertThrows(InvalidModelException.class, () -> Engine.load(conv, EngineOptions.DEFAULT));
        assertTrue(e.getMessage().contains("3 channels"), e.getMessage());

        Graph reshape = graph(List.of(node("r", "Reshape", List.of("x", "s"), "y")), List.of(input("x", 2, 3)));
        reshape.initializers().put("s", Tensor.ofLongs(new int[] {2}, 4, 2));
        e = assertThrows(InvalidModelException.class, () -> Engine.load(reshape, EngineOptions.DEFAULT));
        assertTrue(e.getMessage().contains("cannot reshape"), e.getMessage());
    }

    @Test
    void sizesKnownAtLoadBecomeConstantsAndTheSymbolicOnesStay() {
        // y = Reshape(x, Concat(Unsqueeze(Shape(x)[0]), Unsqueeze(Shape(x)[1] * Shape(x)[2])))
        List<Node> nodes = List.of(
                node("shape", "Shape", List.of("x"), "s"),
                node("g0", "Gather", List.of("s", "i0"), "d0"),
                node("g1", "Gather", List.of("s", "i1"), "d1"),
                node("g2", "Gather", List.of("s", "i2"), "d2"),
                node("mul", "Mul", List.of("d1", "d2"), "d12"),
                node("u0", "Unsqueeze", List.of("d0", "axes"), "u0"),
                node("u1", "Unsqueeze", List.of("d12", "axes"), "u1"),
                node("cat", "Concat", List.of("u0", "u1"), "target", Attributes.empty().with("axis", 0L)),
                node("reshape", "Reshape", List.of("x", "target"), "y"));
        Graph g = new Graph(nodes, Map.of("i0", Tensor.ofLongs(new int[0], 0), "i1", Tensor.ofLongs(new int[0], 1),
                "i2", Tensor.ofLongs(new int[0], 2), "axes", Tensor.ofLongs(new int[] {1}, 0)),
                List.of(new ValueInfo("x", DataType.FLOAT, new long[] {-1, 3, 4}, Arrays.asList("n", null, null))),
                List.of(new ValueInfo("y", DataType.FLOAT, new long[] {-1, 12}, Arrays.asList("n", null))), Map.of("", 17));
        LoadedModel model = Engine.load(g, EngineOptions.DEFAULT);
        assertTrue(model.appliedPasses().contains("static-shape-folding"), "passes " + model.appliedPasses());
        List<String> steps = model.plan().stepOpTypes();
        assertFalse(steps.contains("Mul"), "3 x 4 is folded: " + steps);
        assertTrue(steps.contains("Shape"), "the batch is only known per request: " + steps);
        float[] data = new float[2 * 12];
        for (int i = 0; i < data.length; i++) {
            data[i] = i;
        }
        Tensor y = model.run(Map.of("x", Tensor.wrap(DataType.FLOAT, new int[] {2, 3, 4}, data))).get("y");
        assertEquals("[2, 12]", Arrays.toString(y.shape()));
        assertEquals(23f, y.floats()[23]);
    }

    private static Map<String, ValueShape> inferFolded(Path file) {
        return ShapeInference.infer(folded(file));
    }

    private static Graph folded(Path file) {
        Graph g = new OnnxModelReader().read(file);
        new ConstantFolding(OperatorRegistry.standard()).apply(g);
        return g;
    }

    private static Node node(String name, String op, List<String> inputs, String output) {
        return node(name, op, inputs, output, Attributes.empty());
    }

    private static Node node(String name, String op, List<String> inputs, String output, Attributes attrs) {
        return new Node(name, op, "", inputs, List.of(output), attrs);
    }

    private static ValueInfo input(String name, long... dims) {
        return new ValueInfo(name, DataType.FLOAT, dims, null);
    }

    private static Graph graph(List<Node> nodes, List<ValueInfo> inputs) {
        return new Graph(nodes, Map.of(), inputs, List.of(new ValueInfo("y", DataType.FLOAT, new long[0], null)),
                Map.of("", 17));
    }
}
