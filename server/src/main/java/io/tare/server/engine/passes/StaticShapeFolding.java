package io.tare.server.engine.passes;

import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.shapes.Dim;
import io.tare.server.engine.shapes.ShapeInference;
import io.tare.server.engine.shapes.ShapeRange;
import io.tare.server.engine.shapes.ValueShape;
import java.util.List;
import java.util.Map;

/**
 * Runs shape inference ({@link ShapeInference}, which also rejects shapes that cannot fit) and
 * turns every {@code Shape} node whose answer is known at load into a constant, and every
 * {@code Gather} of known axes out of a partly known shape too, so that constant folding can then
 * evaluate the shape arithmetic exporters emit (Shape, Gather, Unsqueeze, Concat, Reshape) once
 * instead of on every request. Safe because the engine refuses inputs whose fixed axes differ from
 * the declared ones, so a known size is the size of every run.
 */
public final class StaticShapeFolding implements GraphPass {
    @Override
    public String name() {
        return "static-shape-folding";
    }

    @Override
    public boolean apply(Graph graph) {
        Map<String, ValueShape> shapes = ShapeInference.infer(graph);
        Map<String, List<Node>> consumers = graph.consumers();
        boolean changed = false;
        for (Node n : List.copyOf(graph.nodes())) {
            if (!n.domain().isEmpty() || !n.opType().equals("Shape") || graph.isGraphOutput(n.output(0))) {
                continue;
            }
            ValueShape x = shapes.get(n.input(0));
            if (x == null) {
                continue;
            }
            int[] range = ShapeRange.of(n.attributes(), x.rank());
            List<Dim> reported = x.dims().subList(range[0], range[1]);
            if (reported.stream().allMatch(Dim::known)) {
                long[] sizes = reported.stream().mapToLong(Dim::size).toArray();
                graph.initializers().put(n.output(0), Tensor.ofLongs(new int[] {sizes.length}, sizes));
                graph.nodes().remove(n);
                changed = true;
                continue;
            }
            for (Node reader : consumers.getOrDefault(n.output(0), List.of())) {
                changed |= foldGatherOfKnownAxes(graph, reader, n.output(0), reported);
            }
        }
        return changed;
    }

    /** {@code Gather(shape, constant indices, axis 0)} whose picked axes are all known becomes a constant. */
    private static boolean foldGatherOfKnownAxes(Graph graph, Node gather, String shapeValue, List<Dim> reported) {
        if (!gather.domain().isEmpty() || !gather.opType().equals("Gather") || !gather.input(0).equals(shapeValue)
                || gather.attributes().getInt("axis", 0) != 0 || graph.isGraphOutput(gather.output(0))) {
            return false;
        }
        Tensor indices = graph.initializers().get(gather.input(1));
        if (indices == null || indices.rank() > 1) {
            return false;
        }
        long[] picked = indices.toLongArray();
        long[] sizes = new long[picked.length];
        for (int i = 0; i < picked.length; i++) {
            long at = picked[i] < 0 ? picked[i] + reported.size() : picked[i];
            if (at < 0 || at >= reported.size() || !reported.get((int) at).known()) {
                return false;
            }
            sizes[i] = reported.get((int) at).size();
        }
        int[] shape = indices.rank() == 0 ? new int[0] : new int[] {sizes.length};
        graph.initializers().put(gather.output(0), Tensor.ofLongs(shape, sizes));
        graph.nodes().remove(gather);
        return true;
    }
}
