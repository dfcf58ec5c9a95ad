package io.tare.server.engine.passes;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.MaskedSoftmax;
import io.tare.server.engine.shapes.ValueShape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds attention's score scaling and mask into its softmax: {@code Softmax(Add(Div(s, c), mask),
 * axis=-1)} (or the last axis by number, where shape inference knows the rank; it runs before the
 * INT8 lowering, whose layers have no shape rules) (or {@code Mul(s, c)}; either operand order of Add; the Add may be missing) becomes one
 * {@code tare:MaskedSoftmax}, which forms each row with the same float operations and then runs the
 * kernels' softmax on it (see {@link MaskedSoftmax}). c must be a one-element FLOAT constant (which
 * also shows that the scores are FLOAT). Intermediate values must have no other reader and must not
 * be graph outputs.
 */
public final class SoftmaxFusion implements GraphPass {
    private final KnownShapes known;

    public SoftmaxFusion() {
        this(new KnownShapes());
    }

    SoftmaxFusion(KnownShapes known) {
        this.known = known;
    }

    @Override
    public String name() {
        return "softmax-fusion";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Node softmax = nodes.get(i);
            if (!is(softmax, "Softmax")) {
                continue;
            }
            // before opset 13 the input was coerced to 2-D at axis: for the last axis, the same rows
            long axis = softmax.attributes().getInt("axis", graph.opsetOf(softmax) >= 13 ? -1 : 1);
            if (axis != -1) {
                ValueShape in = known.of(graph).get(softmax.input(0));
                if (in == null || axis != in.rank() - 1) {
                    continue;
                }
            }
            Node fused = fuse(graph, softmax);
            if (fused != null) {
                i = -1;
                changed = true;
            }
        }
        return changed;
    }

    private static Node fuse(Graph graph, Node softmax) {
        Map<String, Node> producers = graph.producers();
        Map<String, List<Node>> consumers = graph.consumers();
        List<Node> removed = new ArrayList<>();
        String scores = softmax.input(0);
        String mask = "";
        Node add = soleProducer(graph, producers, consumers, scores, "Add");
        if (add != null && add.inputs().size() == 2 && !add.input(0).equals(add.input(1))) {
            // the scaled operand is the scores, the other the mask
            int scaledSide = scaling(graph, soleProducer(graph, producers, consumers, add.input(0), null)) != null ? 0
                    : scaling(graph, soleProducer(graph, producers, consumers, add.input(1), null)) != null ? 1 : -1;
            if (scaledSide >= 0) {
                removed.add(add);
                scores = add.input(scaledSide);
                mask = add.input(1 - scaledSide);
            }
        }
        Map<String, Object> attrs = new HashMap<>();
        Node scale = soleProducer(graph, producers, consumers, scores, null);
        Map.Entry<String, Float> c = scaling(graph, scale);
        if (c != null) {
            removed.add(scale);
            attrs.put(c.getKey(), c.getValue());
            scores = scale.input(0);
        }
        if (c == null) { // the FLOAT constant is what shows the scores are FLOAT
            return null;
        }
        List<String> inputs = mask.isEmpty() ? List.of(scores) : List.of(scores, mask);
        Node fused = new Node(softmax.name() + "/tare_masked", MaskedSoftmax.OP, MaskedSoftmax.DOMAIN, inputs,
                softmax.outputs(), new Attributes(attrs));
        List<Node> nodes = graph.nodes();
        nodes.set(nodes.indexOf(softmax), fused);
        nodes.removeAll(removed);
        return fused;
    }

    /** The constant scaling of {@code Div(s, c)} or {@code Mul(s, c)} (c a FLOAT scalar, second operand), else null. */
    private static Map.Entry<String, Float> scaling(Graph graph, Node n) {
        if (n == null || !(is(n, "Div") || is(n, "Mul")) || n.inputs().size() != 2) {
            return null;
        }
        Tensor c = graph.initializers().get(n.input(1));
        // rank <= 1: a one-element constant of higher rank would add axes to the scores
        if (c == null || c.type() != DataType.FLOAT || c.size() != 1 || c.rank() > 1 || graph.isConstant(n.input(0))) {
            return null;
        }
        return Map.entry(is(n, "Div") ? MaskedSoftmax.DIVISOR : MaskedSoftmax.MULTIPLIER, c.floats()[0]);
    }

    private static boolean is(Node n, String op) {
        return n != null && n.domain().isEmpty() && n.opType().equals(op) && n.outputs().size() == 1;
    }

    /** The producer of {@code value} when it is an {@code op} node (any op when null) read only once. */
    private static Node soleProducer(Graph graph, Map<String, Node> producers, Map<String, List<Node>> consumers,
            String value, String op) {
        Node p = producers.get(value);
        if (p == null || (op != null && !is(p, op)) || p.outputs().size() != 1 || graph.isGraphOutput(value)
                || consumers.getOrDefault(value, List.of()).size() != 1) {
            return null;
        }
        return p;
    }
}
