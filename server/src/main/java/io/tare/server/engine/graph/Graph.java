package io.tare.server.engine.graph;

import io.tare.server.engine.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's graph IR: nodes in topological order, constant tensors by name, graph inputs and
 * outputs, and the opset version per domain. Mutable, owned by one loader thread while passes
 * rewrite it; frozen into an execution plan afterwards.
 */
public final class Graph {
    private final List<Node> nodes;
    private final Map<String, Tensor> initializers;
    private final List<ValueInfo> inputs;
    private final List<ValueInfo> outputs;
    private final Map<String, Integer> opsets;

    public Graph(List<Node> nodes, Map<String, Tensor> initializers, List<ValueInfo> inputs,
            List<ValueInfo> outputs, Map<String, Integer> opsets) {
        this.nodes = new ArrayList<>(nodes);
        this.initializers = new LinkedHashMap<>(initializers);
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.opsets = Map.copyOf(opsets);
    }

    /** The live, mutable node list (topological order is kept by passes). */
    public List<Node> nodes() {
        return nodes;
    }

    /** The live, mutable constants table. */
    public Map<String, Tensor> initializers() {
        return initializers;
    }

    public List<ValueInfo> inputs() {
        return inputs;
    }

    public List<ValueInfo> outputs() {
        return outputs;
    }

    /** Opset version imported for each domain ("" is the default ONNX domain). */
    public Map<String, Integer> opsets() {
        return opsets;
    }

    /** Opset version of the node's domain; 0 when the model does not import that domain. */
    public int opsetOf(Node node) {
        return opsets.getOrDefault(node.domain(), 0);
    }

    public boolean isConstant(String value) {
        return initializers.containsKey(value);
    }

    public boolean isGraphOutput(String value) {
        for (ValueInfo v : outputs) {
            if (v.name().equals(value)) {
                return true;
            }
        }
        return false;
    }

    /** The node producing each value. */
    public Map<String, Node> producers() {
        Map<String, Node> map = new HashMap<>();
        for (Node n : nodes) {
            for (String out : n.outputs()) {
                if (!out.isEmpty()) {
                    map.put(out, n);
                }
            }
        }
        return map;
    }

    /** The nodes reading each value (a node reading a value twice appears twice). */
    public Map<String, List<Node>> consumers() {
        Map<String, List<Node>> map = new HashMap<>();
        for (Node n : nodes) {
            for (String in : n.inputs()) {
                if (!in.isEmpty()) {
                    map.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
                }
            }
        }
        return map;
    }
}
