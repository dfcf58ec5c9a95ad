package io.tare.server.engine.passes;

import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.ops.ExpansionLayerNorm;
import io.tare.server.engine.shapes.ValueShape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Folds a transformer's residual join into the LayerNorm after it: {@code LayerNormalization(Add(a,
 * b))} with the LayerNorm one that {@link LayerNormFusion} made becomes that LayerNorm with
 * {@code b} as a fourth input and {@link ExpansionLayerNorm#ATTR_RESIDUAL}; each row is then formed
 * as {@code a + b} in the LayerNorm's scratch (the Add's float sums, so the same bits) instead of a
 * pass of its own that writes the sum out and a LayerNorm pass that reads it back. The Add's operands
 * must have the same inferred shape (no broadcasting), and its sum no other reader and not be a graph
 * output. Runs after {@link LayerNormFusion}, with the shapes inferred before any fused node existed.
 */
public final class ResidualLayerNormFusion implements GraphPass {
    private final KnownShapes known;

    ResidualLayerNormFusion(KnownShapes known) {
        this.known = known;
    }

    @Override
    public String name() {
        return "residual-layernorm-fusion";
    }

    @Override
    public boolean apply(Graph graph) {
        boolean changed = false;
        Map<String, ValueShape> shapes = known.of(graph);
        Map<String, Node> producers = graph.producers();
        Map<String, List<Node>> consumers = graph.consumers();
        List<Node> nodes = graph.nodes();
        List<Node> removed = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node norm = nodes.get(i);
            if (!isExpansionLayerNorm(norm)) {
                continue;
            }
            Node add = producers.get(norm.input(0));
            if (add == null || !add.domain().isEmpty() || !add.opType().equals("Add") || add.inputs().size() != 2
                    || add.outputs().size() != 1 || graph.isGraphOutput(add.output(0))
                    || consumers.getOrDefault(add.output(0), List.of()).size() != 1
                    || !sameShape(shapes.get(add.input(0)), shapes.get(add.input(1)))) {
                continue;
            }
            Node fused = new Node(norm.name(), norm.opType(), norm.domain(),
                    List.of(add.input(0), norm.input(1), norm.input(2), add.input(1)), norm.outputs(),
                    norm.attributes().with(ExpansionLayerNorm.ATTR_RESIDUAL, 1L));
            nodes.set(i, fused);
            removed.add(add);
            changed = true;
        }
        nodes.removeAll(removed);
        return changed;
    }

    private static boolean isExpansionLayerNorm(Node n) {
        Attributes a = n.attributes();
        return n.domain().isEmpty() && n.opType().equals("LayerNormalization") && n.inputs().size() == 3
                && a.getInt(ExpansionLayerNorm.ATTR, 0) != 0 && a.getInt(ExpansionLayerNorm.ATTR_RESIDUAL, 0) == 0;
    }

    /** Whether both shapes are known to be equal, axis by axis (a symbol equals only itself). */
    private static boolean sameShape(ValueShape a, ValueShape b) {
        if (a == null || b == null || a.rank() != b.rank() || a.rank() == 0) {
            return false;
        }
        for (int d = 0; d < a.rank(); d++) {
            if (!a.dim(d).sameAs(b.dim(d))) {
                return false;
            }
        }
        return true;
    }
}
