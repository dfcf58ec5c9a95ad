package io.tare.server.engine.passes;

import io.tare.server.engine.DataType;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;

/**
 * Removes nodes that copy their input unchanged: Identity, and Cast to the type the input already
 * has (torch's INT8 export follows every QuantizeLinear with a Cast to UINT8). Readers are rewired
 * to the node's input. A node whose output is a graph output is kept, so output names survive.
 */
public final class NoOpElimination implements GraphPass {
    @Override
    public String name() {
        return "no-op-elimination";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        Map<String, Node> producers = graph.producers();
        for (ListIterator<Node> it = graph.nodes().listIterator(); it.hasNext(); ) {
            Node node = it.next();
            if (!isNoOp(graph, node, producers) || graph.isGraphOutput(node.output(0))) {
                continue;
            }
            String from = node.output(0);
            String to = node.input(0);
            it.remove();
            rewire(graph, from, to);
            producers = graph.producers();
            changed = true;
        }
        return changed;
    }

    private static boolean isNoOp(Graph graph, Node node, Map<String, Node> producers) {
        if (!node.domain().isEmpty()) {
            return false;
        }
        if (node.opType().equals("Identity")) {
            return true;
        }
        if (!node.opType().equals("Cast")) {
            return false;
        }
        DataType in = knownType(graph, node.input(0), producers);
        long to = node.attributes().getInt("to", -1);
        return in != null && in.onnxCode() == to;
    }

    /** The element type of a value where it is evident without full type inference. */
    static DataType knownType(Graph graph, String value, Map<String, Node> producers) {
        Tensor constant = graph.initializers().get(value);
        if (constant != null) {
            return constant.type();
        }
        Node p = producers.get(value);
        if (p != null && p.domain().isEmpty() && p.opType().equals("QuantizeLinear")) {
            long declared = p.attributes().getInt("output_dtype", 0);
            if (declared != 0) {
                return DataType.fromOnnx((int) declared);
            }
            Tensor zp = p.hasInput(2) ? graph.initializers().get(p.input(2)) : null;
            return p.hasInput(2) ? (zp == null ? null : zp.type()) : DataType.UINT8;
        }
        return null;
    }

    static void rewire(Graph graph, String from, String to) {
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (n.inputs().contains(from)) {
                List<String> inputs = new ArrayList<>(n.inputs());
                inputs.replaceAll(v -> v.equals(from) ? to : v);
                nodes.set(i, n.withInputs(inputs));
            }
        }
    }
}
