package io.tare.server.engine.passes;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.UnaryOps;
import java.util.List;
import java.util.Map;

/**
 * Recognizes exact GELU written out with Erf, as PyTorch exports it before opset 20,
 * {@code y = (x * (erf(x / sqrt 2) + 1)) * 0.5} (Div by sqrt 2 or Mul by 1/sqrt 2; either operand
 * order of the commutative ops), and replaces the five nodes by one {@code Gelu}, which activation
 * fusion can then move into the preceding layer's epilogue. Intermediate values must have no
 * other reader and must not be graph outputs.
 */
public final class GeluFusion implements GraphPass {
    private static final double SQRT2 = Math.sqrt(2.0);

    @Override
    public String name() {
        return "gelu-fusion";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Node erf = nodes.get(i);
            if (!is(erf, "Erf")) {
                continue;
            }
            Map<String, Node> producers = graph.producers();
            Map<String, List<Node>> consumers = graph.consumers();
            Node scale = producers.get(erf.input(0));
            String x = scaledInput(graph, scale);
            Node add = soleReader(graph, consumers, erf.output(0), "Add");
            Node mul = add == null || !isConstantOperand(graph, add, erf.output(0), 1.0)
                    ? null : soleReader(graph, consumers, add.output(0), "Mul");
            Node half = mul == null || !otherOperand(mul, add.output(0)).equals(x)
                    ? null : soleReader(graph, consumers, mul.output(0), "Mul");
            if (x == null || consumers.getOrDefault(scale.output(0), List.of()).size() != 1
                    || graph.isGraphOutput(scale.output(0)) || half == null
                    || !isConstantOperand(graph, half, mul.output(0), 0.5)) {
                continue;
            }
            // the constant and whether it divided or multiplied, so the Gelu rounds as the nodes did
            Tensor c = graph.initializers().get(otherOperand(scale, x));
            String form = is(scale, "Div") ? UnaryOps.GELU_DIVISOR : UnaryOps.GELU_MULTIPLIER;
            Node gelu = new Node(half.name() + "/tare_gelu", "Gelu", "", List.of(x), half.outputs(),
                    new Attributes(Map.of("approximate", "none", form, c.floats()[0])));
            nodes.set(nodes.indexOf(half), gelu);
            nodes.remove(mul);
            nodes.remove(add);
            nodes.remove(erf);
            nodes.remove(scale);
            i = -1;
            changed = true;
        }
        return changed;
    }

    private static boolean is(Node n, String op) {
        return n != null && n.domain().isEmpty() && n.opType().equals(op) && n.outputs().size() == 1;
    }

    /** x when {@code n} is {@code Div(x, sqrt 2)} or {@code Mul(x, 1/sqrt 2)} (either order), else null. */
    private static String scaledInput(Graph graph, Node n) {
        if (is(n, "Div") && constantValue(graph, n.input(1), SQRT2)) {
            return n.input(0);
        }
        if (is(n, "Mul")) {
            if (constantValue(graph, n.input(1), 1 / SQRT2)) {
                return n.input(0);
            }
            if (constantValue(graph, n.input(0), 1 / SQRT2)) {
                return n.input(1);
            }
        }
        return null;
    }

    private static Node soleReader(Graph graph, Map<String, List<Node>> consumers, String value, String op) {
        List<Node> readers = consumers.getOrDefault(value, List.of());
        if (readers.size() != 1 || graph.isGraphOutput(value) || !is(readers.get(0), op)) {
            return null;
        }
        return readers.get(0);
    }

    private static String otherOperand(Node binary, String operand) {
        return binary.input(0).equals(operand) ? binary.input(1) : binary.input(0);
    }

    private static boolean isConstantOperand(Graph graph, Node binary, String operand, double value) {
        return constantValue(graph, otherOperand(binary, operand), value);
    }

    private static boolean constantValue(Graph graph, String name, double value) {
        Tensor t = graph.initializers().get(name);
        return t != null && t.type() == DataType.FLOAT && t.size() == 1
                && Math.abs(t.floats()[0] - value) <= 1e-6 * Math.abs(value);
    }
}
