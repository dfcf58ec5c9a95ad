package io.tare.server.engine.shapes;

import io.tare.server.engine.InvalidModelException;
import io.tare.server.engine.Tensor;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.graph.Node;
import java.util.List;
import java.util.Map;

/** What a shape rule sees of one node: its inputs' shapes and constant values, attributes, opset. */
final class NodeShapes {
    private final Node node;
    private final int opset;
    private final List<ValueShape> inputs;
    private final Map<String, Tensor> constants;
    private final Map<String, List<Dim>> values;

    NodeShapes(Node node, int opset, List<ValueShape> inputs, Map<String, Tensor> constants,
               Map<String, List<Dim>> values) {
        this.node = node;
        this.opset = opset;
        this.inputs = inputs;
        this.constants = constants;
        this.values = values;
    }

    Node node() {
        return node;
    }

    int opset() {
        return opset;
    }

    Attributes attrs() {
        return node.attributes();
    }

    int inputCount() {
        return inputs.size();
    }

    /** The shape of input {@code i}, or null when unknown or absent. */
    ValueShape shape(int i) {
        return i < inputs.size() ? inputs.get(i) : null;
    }

    /** The constant value of input {@code i}, or null when it is computed at run time or absent. */
    Tensor constant(int i) {
        return node.hasInput(i) ? constants.get(node.input(i)) : null;
    }

    /** Input {@code i} as integers when it is a constant, else null. */
    long[] constantLongs(int i) {
        Tensor t = constant(i);
        return t == null ? null : t.toLongArray();
    }

    /**
     * The value of input {@code i} as sizes when it is a small integer tensor known at load, possibly
     * with symbolic elements ({@link ShapeValues}); null otherwise.
     */
    List<Dim> value(int i) {
        if (!node.hasInput(i)) {
            return null;
        }
        List<Dim> v = values.get(node.input(i));
        return v != null ? v : ShapeValues.ofConstant(constants.get(node.input(i)));
    }

    /** Axis {@code a} of a rank-{@code rank} tensor, negative counting from the end. */
    int axis(long a, int rank) {
        long r = a < 0 ? a + rank : a;
        if (r < 0 || r >= rank) {
            throw fail("axis " + a + " is out of range for rank " + rank);
        }
        return (int) r;
    }

    InvalidModelException fail(String message) {
        return new InvalidModelException(node.describe() + ": " + message);
    }
}
