package io.tare.server.engine.passes;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.ExpansionLayerNorm;
import java.util.List;
import java.util.Map;

/**
 * Recognizes LayerNorm written out over the last axis, as PyTorch exports it before opset 17:
 * <pre>
 *   mean = ReduceMean(x, axes=[-1])     d = Sub(x, mean)       var = ReduceMean(Pow(d, 2), axes=[-1])
 *   y = Add(Mul(Div(d, Sqrt(Add(var, eps))), gamma), beta)
 * </pre>
 * (either operand order of the commutative Add and Mul), and replaces the nine nodes by one
 * {@code LayerNormalization} marked {@link ExpansionLayerNorm#ATTR}, which evaluates exactly the
 * float operations of those nodes in their order (same bits: the engine's dynamically quantized
 * transformers must round as ONNX Runtime does, see {@code OnnxRuntimeParity}) in one pass per row
 * instead of nine passes over the tensor. gamma, beta and eps must be FLOAT constants (gamma and
 * beta 1-D); intermediate values must have no other reader and must not be graph outputs.
 */
public final class LayerNormFusion implements GraphPass {

    @Override
    public String name() {
        return "layernorm-fusion";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Match m = match(graph, nodes.get(i));
            if (m == null) {
                continue;
            }
            Node fused = new Node(m.add.name() + "/tare_layernorm", "LayerNormalization", "",
                    List.of(m.x, m.gamma, m.beta), m.add.outputs(),
                    new Attributes(Map.of("axis", -1L, "epsilon", m.epsilon, ExpansionLayerNorm.ATTR, 1L)));
            nodes.set(nodes.indexOf(m.add), fused);
            for (Node n : m.removed) {
                nodes.remove(n);
            }
            i = -1;
            changed = true;
        }
        return changed;
    }

    private record Match(String x, String gamma, String beta, float epsilon, Node add, List<Node> removed) { }

    private static Match match(Graph graph, Node mean) {
        if (!isLastAxisMean(graph, mean)) {
            return null;
        }
        Map<String, List<Node>> consumers = graph.consumers();
        String x = mean.input(0);
        Node sub = soleReader(graph, consumers, mean.output(0), "Sub");
        if (sub == null || !sub.input(0).equals(x) || !sub.input(1).equals(mean.output(0))) {
            return null;
        }
        // d feeds the variance (Pow) and the normalization (Div), nothing else
        List<Node> dReaders = consumers.getOrDefault(sub.output(0), List.of());
        if (dReaders.size() != 2 || graph.isGraphOutput(sub.output(0))) {
            return null;
        }
        Node pow = is(dReaders.get(0), "Pow") ? dReaders.get(0) : dReaders.get(1);
        Node div = pow == dReaders.get(0) ? dReaders.get(1) : dReaders.get(0);
        if (!is(pow, "Pow") || !is(div, "Div") || !pow.input(0).equals(sub.output(0))
                || !isScalar(graph, pow.input(1), 2f) || !div.input(0).equals(sub.output(0))) {
            return null;
        }
        Node var = soleReader(graph, consumers, pow.output(0), "ReduceMean");
        if (var == null || !isLastAxisMean(graph, var)) {
            return null;
        }
        Node addEps = soleReader(graph, consumers, var.output(0), "Add");
        String eps = addEps == null ? null : other(addEps, var.output(0));
        if (eps == null || !isScalar(graph, eps, Float.NaN)) {
            return null;
        }
        Node sqrt = soleReader(graph, consumers, addEps.output(0), "Sqrt");
        if (sqrt == null || soleReader(graph, consumers, sqrt.output(0), "Div") != div
                || !div.input(1).equals(sqrt.output(0))) {
            return null;
        }
        Node mul = soleReader(graph, consumers, div.output(0), "Mul");
        String gamma = mul == null ? null : other(mul, div.output(0));
        Node add = mul == null ? null : soleReader(graph, consumers, mul.output(0), "Add");
        String beta = add == null ? null : other(add, mul.output(0));
        if (gamma == null || beta == null || !isVector(graph, gamma) || !isVector(graph, beta)) {
            return null;
        }
        float epsilon = graph.initializers().get(eps).floats()[0];
        return new Match(x, gamma, beta, epsilon, add, List.of(mean, sub, pow, var, addEps, sqrt, div, mul));
    }

    /** ReduceMean over axis -1 with kept dims, axes as attribute (before opset 18) or constant input. */
    private static boolean isLastAxisMean(Graph graph, Node n) {
        if (!is(n, "ReduceMean") || n.attributes().getInt("keepdims", 1) != 1) {
            return false;
        }
        long[] axes = n.attributes().getInts("axes", null);
        if (n.inputs().size() > 1 && n.hasInput(1)) {
            Tensor t = graph.initializers().get(n.input(1));
            axes = t == null ? null : t.toLongArray();
        }
        return axes != null && axes.length == 1 && axes[0] == -1;
    }

    private static boolean is(Node n, String op) {
        return n != null && n.domain().isEmpty() && n.opType().equals(op) && n.outputs().size() == 1;
    }

    private static Node soleReader(Graph graph, Map<String, List<Node>> consumers, String value, String op) {
        List<Node> readers = consumers.getOrDefault(value, List.of());
        if (readers.size() != 1 || graph.isGraphOutput(value) || !is(readers.get(0), op)) {
            return null;
        }
        return readers.get(0);
    }

    /** The other input of a two-input node, or null when {@code operand} is not one of them (or both). */
    private static String other(Node binary, String operand) {
        if (binary.inputs().size() != 2 || binary.input(0).equals(binary.input(1))) {
            return null;
        }
        return binary.input(0).equals(operand) ? binary.input(1)
                : binary.input(1).equals(operand) ? binary.input(0) : null;
    }

    /** A one-element FLOAT constant, equal to {@code value} unless that is NaN (any value). */
    private static boolean isScalar(Graph graph, String name, float value) {
        Tensor t = graph.initializers().get(name);
        return t != null && t.type() == DataType.FLOAT && t.size() == 1
                && (Float.isNaN(value) || t.floats()[0] == value);
    }

    private static boolean isVector(Graph graph, String name) {
        Tensor t = graph.initializers().get(name);
        return t != null && t.type() == DataType.FLOAT && t.rank() == 1;
    }
}
