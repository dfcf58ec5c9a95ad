package io.tare.server.engine.passes;

import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.graph.ValueInfo;
import java.util.HashSet;
import java.util.List;
import java.util.ListIterator;
import java.util.Set;

/**
 * Removes nodes none of whose outputs reach a graph output, and constants nobody reads. Walks the
 * node list backwards so one pass removes whole dead chains.
 */
public final class DeadNodeElimination implements GraphPass {
    @Override
    public String name() {
        return "dead-node-elimination";
    }

    @Override
    public boolean apply(Graph graph) {
        Set<String> live = new HashSet<>();
        for (ValueInfo v : graph.outputs()) {
            live.add(v.name());
        }
        boolean changed = false;
        List<Node> nodes = graph.nodes();
        for (ListIterator<Node> it = nodes.listIterator(nodes.size()); it.hasPrevious(); ) {
            Node node = it.previous();
            boolean used = node.outputs().stream().anyMatch(live::contains);
            if (!used) {
                it.remove();
                changed = true;
                continue;
            }
            for (String in : node.inputs()) {
                if (!in.isEmpty()) {
                    live.add(in);
                }
            }
        }
        changed |= graph.initializers().keySet().removeIf(name -> !live.contains(name));
        return changed;
    }
}
