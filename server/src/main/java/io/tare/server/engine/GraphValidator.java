package io.tare.server.engine;

import io.tare.server.engine.graph.Graph;
import io.tare.server.engine.graph.Node;
import io.tare.server.engine.graph.ValueInfo;
import io.tare.server.engine.ops.OperatorRegistry;
import java.util.Map;

/**
 * Decides, before anything is prepared, whether the engine can run a graph, and if not says why
 * with the first offending node: its operator, domain, opset and name. Checks the imported opsets
 * and each node's operator against the registry.
 */
public final class GraphValidator {
    private final OperatorRegistry registry;

    public GraphValidator(OperatorRegistry registry) {
        this.registry = registry;
    }

    /** @throws UnsupportedModelException naming the first problem found, in node order */
    public void validate(Graph graph) {
        Integer defaultOpset = graph.opsets().get(Node.DEFAULT_DOMAIN);
        if (defaultOpset != null && (defaultOpset < OperatorRegistry.MIN_DEFAULT_OPSET
                || defaultOpset > OperatorRegistry.MAX_DEFAULT_OPSET)) {
            throw new UnsupportedModelException("the model imports ai.onnx opset " + defaultOpset
                    + "; the Tare engine supports opsets " + OperatorRegistry.MIN_DEFAULT_OPSET + " to "
                    + OperatorRegistry.MAX_DEFAULT_OPSET);
        }
        for (Node node : graph.nodes()) {
            String domainName = node.domain().isEmpty() ? "ai.onnx" : node.domain();
            Integer opset = graph.opsets().get(node.domain());
            if (opset == null) {
                throw new UnsupportedModelException("node '" + node.name() + "' (" + node.opType()
                        + ") uses domain " + domainName + ", which the model does not import");
            }
            OperatorRegistry.Entry entry = registry.find(node.domain(), node.opType());
            if (entry == null) {
                throw new UnsupportedModelException("unsupported operator " + node.opType() + " (domain "
                        + domainName + ", opset " + opset + ") at node '" + node.name()
                        + "': the Tare engine does not implement it");
            }
            if (node.domain().isEmpty() && opset < entry.sinceOpset()) {
                throw new UnsupportedModelException("unsupported operator version " + node.opType()
                        + " (domain " + domainName + ", opset " + opset + ") at node '" + node.name()
                        + "': the Tare engine implements it from opset " + entry.sinceOpset());
            }
            for (Map.Entry<String, Object> a : node.attributes().asMap().entrySet()) {
                if (a.getValue() instanceof io.tare.server.engine.graph.UndecodedAttribute u) {
                    throw new UnsupportedModelException(node.describe() + ": attribute '" + a.getKey()
                            + "' of type " + u.onnxType() + " is not supported");
                }
            }
        }
        for (ValueInfo v : graph.inputs()) {
            requireTensor(v, "input");
        }
        for (ValueInfo v : graph.outputs()) {
            requireTensor(v, "output");
        }
    }

    private static void requireTensor(ValueInfo v, String role) {
        if (v.type() == null) {
            throw new UnsupportedModelException("graph " + role + " '" + v.name()
                    + "' is not a tensor (sequences, maps and optionals are not supported)");
        }
    }
}
