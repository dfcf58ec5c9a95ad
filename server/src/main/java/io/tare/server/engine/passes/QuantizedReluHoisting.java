package io.tare.server.engine.passes;

import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Moves a ReLU that sits between two identical quantizations in front of them:
 * {@code Q(s, z) -> DQ(s, z) -> Relu -> Q(s, z)} becomes {@code Relu -> Q(s, z)}. PyTorch's INT8
 * export writes every quantized ReLU this way. The rewrite is exact: quantization is monotonic and
 * maps 0 to z, so {@code Q(relu(a)) = max(Q(a), z) = Q(relu(DQ(Q(a))))}. With the ReLU back next
 * to the layer that produces {@code a}, activation fusion and requantize fusion can take both.
 *
 * <p>Applies when each value in the chain has exactly one reader, none is a graph output, and both
 * quantizations use the same constant scalar scale and zero point (same type).
 */
public final class QuantizedReluHoisting implements GraphPass {
    @Override
    public String name() {
        return "quantized-relu-hoisting";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        List<Node> nodes = graph.nodes();
        Map<String, Node> producers = graph.producers();
        Map<String, List<Node>> consumers = graph.consumers();
        for (int i = 0; i < nodes.size(); i++) {
            Node relu = nodes.get(i);
            if (!relu.domain().isEmpty() || !relu.opType().equals("Relu")) {
                continue;
            }
            Node dq = soleProducer(graph, producers, consumers, relu.input(0), "DequantizeLinear");
            Node q1 = dq == null ? null : soleProducer(graph, producers, consumers, dq.input(0), "QuantizeLinear");
            List<Node> readers = consumers.getOrDefault(relu.output(0), List.of());
            if (q1 == null || readers.size() != 1 || graph.isGraphOutput(relu.output(0))) {
                continue;
            }
            Node q2 = readers.get(0);
            if (!q2.domain().isEmpty() || !q2.opType().equals("QuantizeLinear")
                    || !sameParams(graph, q1, dq) || !sameParams(graph, q1, q2)) {
                continue;
            }
            List<String> inputs = new ArrayList<>(relu.inputs());
            inputs.set(0, q1.input(0));
            nodes.set(i, relu.withInputs(inputs));
            nodes.remove(dq);
            nodes.remove(q1);
            producers = graph.producers();
            consumers = graph.consumers();
            i = -1; // indices moved; rescan (chains are short, models small)
            changed = true;
        }
        return changed;
    }

    /** The producer of {@code value} if it is an {@code opType} node whose output only this reader reads. */
    static Node soleProducer(Graph graph, Map<String, Node> producers, Map<String, List<Node>> consumers,
            String value, String opType) {
        Node p = producers.get(value);
        if (p == null || !p.domain().isEmpty() || !p.opType().equals(opType) || p.outputs().size() != 1
                || graph.isGraphOutput(value) || consumers.getOrDefault(value, List.of()).size() != 1) {
            return null;
        }
        return p;
    }

    private static boolean sameParams(Graph graph, Node a, Node b) {
        if (a.attributes().getInt("saturate", 1) != 1 || b.attributes().getInt("saturate", 1) != 1) {
            return false;
        }
        Tensor sa = graph.initializers().get(a.input(1));
        Tensor sb = graph.initializers().get(b.input(1));
        Tensor za = a.hasInput(2) ? graph.initializers().get(a.input(2)) : null;
        Tensor zb = b.hasInput(2) ? graph.initializers().get(b.input(2)) : null;
        if (sa == null || sb == null || sa.size() != 1 || sb.size() != 1 || za == null || zb == null
                || za.size() != 1 || zb.size() != 1 || za.type() != zb.type()) {
            return false;
        }
        return sa.getDouble(0) == sb.getDouble(0) && za.getLong(0) == zb.getLong(0)
                && a.attributes().getInt("output_dtype", 0) == 0 && b.attributes().getInt("output_dtype", 0) == 0;
    }
}
