package io.tare.server.quantize;

import io.tare.proto.onnx.GraphProto;
import io.tare.proto.onnx.ModelProto;
import io.tare.proto.onnx.NodeProto;
import io.tare.proto.onnx.TensorProto;
import io.tare.proto.onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A mutable working copy of a graph for FP32 rewrites (equalization, smoothing): who produces and
 * who reads each value, float initializers decoded for editing, and extra nodes to insert. 
 * {@link #build} writes the edits back into a new model; the input model is not changed.
 */
final class GraphIndex {

    private final ModelProto model;
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, List<Integer>> consumers = new HashMap<>();
    private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final Map<String, float[]> edited = new LinkedHashMap<>();
    private final Map<Integer, NodeProto> replaced = new HashMap<>();
    private final Map<Integer, List<NodeProto>> insertedBefore = new HashMap<>();
    private final List<TensorProto> added = new ArrayList<>();
    private final java.util.Set<String> graphOutputs = new java.util.HashSet<>();

    GraphIndex(ModelProto model) {
        this.model = model;
        GraphProto g = model.getGraph();
        for (TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            for (String o : n.getOutputList()) {
                producers.put(o, n);
            }
            for (String in : n.getInputList()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
            }
        }
        for (ValueInfoProto v : g.getOutputList()) {
            graphOutputs.add(v.getName());
        }
    }

    NodeProto node(int index) {
        return model.getGraph().getNode(index);
    }

    /** The node producing {@code value}, or null for graph inputs and initializers. */
    NodeProto producer(String value) {
        return producers.get(value);
    }

    /**
     * The node producing {@code value}, looking through one Relu that only this path reads (so a
     * positive per-channel scale may move across it: relu(x)/s = relu(x/s)); null for graph inputs,
     * initializers, or a Relu whose input is read elsewhere or is a graph output.
     */
    NodeProto producerThroughRelu(String value) {
        NodeProto p = producer(value);
        if (p == null || !p.getOpType().equals("Relu")) {
            return p;
        }
        String y = p.getInput(0);
        return isGraphOutput(y) || consumers(y).size() != 1 ? null : producer(y);
    }

    /** Indices of nodes reading {@code value} (a node reading it twice appears twice). */
    List<Integer> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    boolean isGraphOutput(String value) {
        return graphOutputs.contains(value);
    }

    /** A float initializer's values for editing (edits are kept and written by {@link #build}). */
    float[] floats(String initializer) {
        return edited.computeIfAbsent(initializer, k -> {
            TensorProto t = initializers.get(k);
            if (t == null) {
                throw new QuantizeException("no initializer '" + k + "'");
            }
            return TensorProtos.floats(t);
        });
    }

    boolean isFloatInitializer(String name) {
        TensorProto t = initializers.get(name);
        return t != null && TensorProtos.isFloat(t);
    }

    long[] dims(String initializer) {
        return TensorProtos.dims(initializers.get(initializer));
    }

    void replaceNode(int index, NodeProto n) {
        replaced.put(index, n);
    }

    void insertBefore(int index, NodeProto n) {
        insertedBefore.computeIfAbsent(index, k -> new ArrayList<>()).add(n);
    }

    void addInitializer(TensorProto t) {
        added.add(t);
    }

    ModelProto build() {
        GraphProto g = model.getGraph();
        GraphProto.Builder b = g.toBuilder().clearNode().clearInitializer();
        for (int i = 0; i < g.getNodeCount(); i++) {
            for (NodeProto n : insertedBefore.getOrDefault(i, List.of())) {
                b.addNode(n);
            }
            b.addNode(replaced.getOrDefault(i, g.getNode(i)));
        }
        for (TensorProto t : initializers.values()) {
            float[] e = edited.get(t.getName());
            b.addInitializer(e == null ? t : TensorProtos.floatTensor(t.getName(), TensorProtos.dims(t), e));
        }
        b.addAllInitializer(added);
        return model.toBuilder().setGraph(b).build();
    }
}
