package io.tare.server.engine.passes;

import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.PermutedMatMul;
import io.tare.server.engine.shapes.ValueShape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds the Transposes around a MatMul of two run-time operands into one
 * {@code tare:PermutedMatMul}, which reads the operands and writes the result through strides (see
 * {@link PermutedMatMul}): attention's {@code MatMul(Transpose(q), Transpose(k))} and
 * {@code Transpose(MatMul(p, Transpose(v)))} lose four full copies of [B, S, H, D] tensors per
 * layer. Both operands must have a rank >= 2 that shape inference knows (so this runs before the
 * INT8 lowering, whose layers have no shape rules); a folded Transpose must have the MatMul as its
 * only reader and not be a graph output. MatMuls with a constant operand (packed once at load)
 * and those inside Q/DQ patterns (a DequantizeLinear feeding a Transpose, a QuantizeLinear reading
 * the result) are left to the other passes.
 */
public final class TransposeMatMulFusion implements GraphPass {
    private final KnownShapes known;

    public TransposeMatMulFusion() {
        this(new KnownShapes());
    }

    TransposeMatMulFusion(KnownShapes known) {
        this.known = known;
    }

    @Override
    public String name() {
        return "transpose-matmul-fusion";
    }

    @Override
    public boolean apply(Graph graph) {
        List<Node> nodes = graph.nodes();
        boolean changed = false;
        for (int i = 0; i < nodes.size(); i++) {
            Node mm = nodes.get(i);
            if (!is(mm, "MatMul") || mm.inputs().size() != 2 || graph.isConstant(mm.input(0))
                    || graph.isConstant(mm.input(1))) {
                continue;
            }
            if (fuse(graph, mm, known.of(graph))) {
                changed = true;
                i = -1;
            }
        }
        return changed;
    }

    private static boolean fuse(Graph graph, Node mm, Map<String, ValueShape> shapes) {
        Map<String, Node> producers = graph.producers();
        Map<String, List<Node>> consumers = graph.consumers();
        for (int side = 0; side < 2; side++) {
            ValueShape s = shapes.get(mm.input(side));
            if (s == null || s.rank() < 2) {
                return false;
            }
        }
        List<Node> removed = new ArrayList<>();
        List<String> inputs = new ArrayList<>(mm.inputs());
        Map<String, Object> attrs = new HashMap<>();
        String[] permAttr = {PermutedMatMul.PERM_A, PermutedMatMul.PERM_B};
        for (int side = 0; side < 2; side++) {
            Node t = producers.get(mm.input(side));
            if (!is(t, "Transpose") || graph.isGraphOutput(t.output(0))
                    || consumers.getOrDefault(t.output(0), List.of()).size() != 1
                    || is(producers.get(t.input(0)), "DequantizeLinear")) {
                continue;
            }
            int rank = shapes.get(mm.input(side)).rank();
            attrs.put(permAttr[side], perm(t, rank));
            inputs.set(side, t.input(0));
            removed.add(t);
        }
        List<String> outputs = mm.outputs();
        List<Node> readers = consumers.getOrDefault(mm.output(0), List.of());
        if (readers.size() == 1 && !graph.isGraphOutput(mm.output(0)) && is(readers.get(0), "Transpose")) {
            Node t = readers.get(0);
            List<Node> next = consumers.getOrDefault(t.output(0), List.of());
            boolean quantized = next.stream().anyMatch(n -> is(n, "QuantizeLinear"));
            ValueShape sa = shapes.get(mm.input(0));
            ValueShape sb = shapes.get(mm.input(1));
            if (!quantized) {
                attrs.put(PermutedMatMul.PERM_OUT, perm(t, Math.max(sa.rank(), sb.rank())));
                outputs = t.outputs();
                removed.add(t);
            }
        }
        if (removed.isEmpty()) {
            return false;
        }
        Node fused = new Node(mm.name() + "/tare_permuted", PermutedMatMul.OP, PermutedMatMul.DOMAIN, inputs,
                outputs, new Attributes(attrs));
        List<Node> nodes = graph.nodes();
        // at the output Transpose's place when it was folded (every input is ready there), else the MatMul's
        int at = removed.get(removed.size() - 1).outputs().equals(outputs) ? nodes.indexOf(removed.get(removed.size() - 1))
                : nodes.indexOf(mm);
        nodes.set(at, fused);
        nodes.remove(mm);
        for (Node t : removed) {
            nodes.remove(t);
        }
        return true;
    }

    /** The Transpose's permutation (reversed axes when the attribute is absent). */
    private static long[] perm(Node transpose, int rank) {
        long[] p = transpose.attributes().getInts("perm", null);
        if (p != null) {
            return p.clone();
        }
        long[] reversed = new long[rank];
        for (int i = 0; i < rank; i++) {
            reversed[i] = rank - 1 - i;
        }
        return reversed;
    }

    private static boolean is(Node n, String op) {
        return n != null && n.domain().isEmpty() && n.opType().equals(op) && n.outputs().size() == 1;
    }
}
