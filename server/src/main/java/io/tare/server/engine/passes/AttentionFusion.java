package io.tare.server.engine.passes;

import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.MaskedSoftmax;
import io.tare.server.engine.ops.PermutedMatMul;
import io.tare.server.engine.ops.ScaledAttention;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds attention's three steps, {@code PermutedMatMul(MaskedSoftmax(PermutedMatMul(q, k), mask), v)},
 * into one {@code tare:ScaledAttention} that runs them head by head with the scores kept in a reused
 * buffer (see {@link ScaledAttention}). Runs after {@link TransposeMatMulFusion} and
 * {@link SoftmaxFusion}, which make the three steps. The scores and the probabilities must have no
 * other reader and not be graph outputs; the first product must write its plain layout (no output
 * permutation) and the second must read the probabilities as they lie (no permutation of its A).
 */
public final class AttentionFusion implements GraphPass {
    @Override
    public String name() {
        return "attention-fusion";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            if (is(nodes.get(i), MaskedSoftmax.OP) && fuse(graph, nodes.get(i))) {
                changed = true;
                i = -1;
            }
        }
        return changed;
    }

    private static boolean fuse(Graph graph, Node softmax) {
        Map<String, List<Node>> consumers = graph.consumers();
        Node first = graph.producers().get(softmax.input(0));
        if (!is(first, PermutedMatMul.OP) || first.attributes().has(PermutedMatMul.PERM_OUT)
                || !soleReader(graph, consumers, first.output(0), softmax)) {
            return false;
        }
        List<Node> readers = consumers.getOrDefault(softmax.output(0), List.of());
        Node second = readers.size() == 1 ? readers.get(0) : null;
        if (!is(second, PermutedMatMul.OP) || second.attributes().has(PermutedMatMul.PERM_A)
                || !second.input(0).equals(softmax.output(0)) || second.input(1).equals(softmax.output(0))
                || graph.isGraphOutput(softmax.output(0))) {
            return false;
        }
        Map<String, Object> attrs = new HashMap<>();
        copyInts(first, PermutedMatMul.PERM_A, attrs, ScaledAttention.PERM_Q);
        copyInts(first, PermutedMatMul.PERM_B, attrs, ScaledAttention.PERM_K);
        copyInts(second, PermutedMatMul.PERM_B, attrs, ScaledAttention.PERM_V);
        copyInts(second, PermutedMatMul.PERM_OUT, attrs, ScaledAttention.PERM_OUT);
        for (String scale : new String[] {MaskedSoftmax.DIVISOR, MaskedSoftmax.MULTIPLIER}) {
            if (softmax.attributes().has(scale)) {
                attrs.put(scale, softmax.attributes().getFloat(scale, 1f));
            }
        }
        List<String> inputs = new ArrayList<>(List.of(first.input(0), first.input(1), second.input(1)));
        if (softmax.inputs().size() > 1 && !softmax.input(1).isEmpty()) {
            inputs.add(softmax.input(1));
        }
        Node fused = new Node(second.name() + "/tare_attention", ScaledAttention.OP, ScaledAttention.DOMAIN, inputs,
                second.outputs(), new Attributes(attrs));
        List<Node> nodes = graph.nodes();
        nodes.set(nodes.indexOf(second), fused); // every input is ready there
        nodes.remove(first);
        nodes.remove(softmax);
        return true;
    }

    private static void copyInts(Node from, String name, Map<String, Object> to, String as) {
        long[] v = from.attributes().getInts(name, null);
        if (v != null) {
            to.put(as, v.clone());
        }
    }

    private static boolean soleReader(Graph graph, Map<String, List<Node>> consumers, String value, Node reader) {
        List<Node> readers = consumers.getOrDefault(value, List.of());
        return readers.size() == 1 && readers.get(0) == reader && !graph.isGraphOutput(value);
    }

    private static boolean is(Node n, String op) {
        return n != null && n.domain().equals(ScaledAttention.DOMAIN) && n.opType().equals(op)
                && n.outputs().size() == 1;
    }
}
