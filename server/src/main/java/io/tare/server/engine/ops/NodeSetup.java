package io.tare.server.engine.ops;

import io.tare.server.engine.Tensor;
import io.tare.server.engine.UnsupportedModelException;
import io.tare.server.engine.graph.Attributes;
import io.tare.server.engine.compute.Compute;
import io.tare.server.engine.graph.Node;
import java.util.Map;

/**
 * What a factory may know about a node when preparing it: the node, its opset, the constant
 * tensors of the graph (so weights can be converted or packed once), and the kernels the model
 * computes with (so weights are packed for that tier).
 */
public record NodeSetup(Node node, int opset, Map<String, Tensor> constants, Compute compute) {

    /** A setup on the single-threaded kernels (constant folding, tests). */
    public NodeSetup(Node node, int opset, Map<String, Tensor> constants) {
        this(node, opset, constants, Compute.forThreads(1));
    }

    public Attributes attrs() {
        return node.attributes();
    }

    /** The constant value of input {@code i}, or {@code null} when it is computed at run time. */
    public Tensor constantInput(int i) {
        return node.hasInput(i) ? constants.get(node.input(i)) : null;
    }

    /** An error naming this node, for attribute values or input kinds the operator does not do. */
    public UnsupportedModelException unsupported(String what) {
        return new UnsupportedModelException(node.describe() + " (opset " + opset + "): " + what);
    }
}
