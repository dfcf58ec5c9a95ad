package io.tare.server.engine.passes;

import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.shapes.ShapeInference;
import io.tare.server.engine.shapes.ValueShape;
import java.util.Map;

/**
 * Value shapes inferred once, on first use, for the fusion passes that need ranks. Shape inference
 * has no rules for the engine's own {@code tare:} operators, so after one fusion the values behind
 * it would become unknown; the fusions keep every surviving value's name and shape, so the shapes
 * inferred before the first of them stay right for the values that remain. One instance per load.
 */
final class KnownShapes {
    private Map<String, ValueShape> shapes;

    /** The shapes of {@code graph}'s values, inferred on the first call. */
    Map<String, ValueShape> of(Graph graph) {
        if (shapes == null) {
            shapes = ShapeInference.infer(graph);
        }
        return shapes;
    }
}
