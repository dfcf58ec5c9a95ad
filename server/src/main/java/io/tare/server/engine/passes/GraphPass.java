package io.tare.server.engine.passes;

import io.tare.server.engine.graph.Graph;

/** A rewrite of the graph at load. Passes keep the node list topologically sorted. */
public interface GraphPass {
    /** Short name for logs and reports. */
    String name();

    /** Rewrites {@code graph} in place; returns whether anything changed. */
    boolean apply(Graph graph);
}
