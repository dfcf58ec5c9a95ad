package io.tare.server.engine.shapes;

import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.graph.ValueInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Infers the shape of every value of a graph at load, from the declared input shapes (symbolic
 * axes stay symbols, so a dynamic batch is one symbol wherever it flows), the constants and each
 * operator's rule ({@link ShapeRules}). Values whose shape depends on data computed at run time, or
 * that an operator without a rule produces, are left out. Shapes that certainly do not fit an
 * operator (inner dimensions of a MatMul, channels of a Conv, sizes that do not broadcast, a
 * reshape to a different element count) fail the load with the node named, instead of failing the
 * first request.
 */
public final class ShapeInference {
    private ShapeInference() {
    }

    /**
     * The inferred shapes by value name.
     *
     * @throws io.tare.server.engine.InvalidModelException when shapes certainly do not fit a node
     */
    public static Map<String, ValueShape> infer(Graph graph) {
        Map<String, ValueShape> shapes = new HashMap<>();
        Map<String, List<Dim>> values = new HashMap<>();
        for (Map.Entry<String, Tensor> c : graph.initializers().entrySet()) {
            shapes.put(c.getKey(), ValueShape.of(ShapeRules.toLongs(c.getValue().shape())));
        }
        for (ValueInfo in : graph.inputs()) {
            if (!shapes.containsKey(in.name()) && !(in.dims().length == 0 && in.dimNames() == null)) {
                shapes.put(in.name(), declared(in));
            }
        }
        for (Node node : graph.nodes()) {
            ShapeRules.Rule rule = node.domain().isEmpty() ? ShapeRules.of(node.opType()) : null;
            if (rule == null) {
                continue;
            }
            List<ValueShape> inputs = new ArrayList<>();
            for (String in : node.inputs()) {
                inputs.add(in.isEmpty() ? null : shapes.get(in));
            }
            NodeShapes n = new NodeShapes(node, graph.opsetOf(node), inputs, graph.initializers(), values);
            List<ValueShape> outputs = rule.infer(n);
            for (int i = 0; i < Math.min(outputs.size(), node.outputs().size()); i++) {
                if (outputs.get(i) != null && !node.output(i).isEmpty()) {
                    shapes.put(node.output(i), outputs.get(i));
                }
            }
            List<Dim> value = ShapeValues.of(n);
            if (value != null) {
                values.put(node.output(0), value);
            }
        }
        return shapes;
    }

    private static ValueShape declared(ValueInfo in) {
        List<Dim> dims = new ArrayList<>();
        for (int i = 0; i < in.rank(); i++) {
            String name = in.dimNames() == null ? null : in.dimNames().get(i);
            if (in.dims()[i] >= 0) {
                dims.add(Dim.of(in.dims()[i]));
            } else {
                dims.add(name == null || name.isEmpty() ? Dim.unknown() : Dim.symbol(name));
            }
        }
        return new ValueShape(dims);
    }
}
