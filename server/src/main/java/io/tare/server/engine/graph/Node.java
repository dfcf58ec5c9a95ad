package io.tare.server.engine.graph;

import java.util.List;

/**
 * One operator call in a {@link Graph}. Inputs and outputs are value names; an empty input name
 * marks an omitted optional input (ONNX's convention). Immutable: passes replace nodes.
 *
 * @param name node name, possibly generated, unique within its graph
 * @param opType ONNX operator name, e.g. {@code Conv}
 * @param domain operator set domain, {@code ""} for the default ONNX domain
 */
public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
        Attributes attributes) {

    public static final String DEFAULT_DOMAIN = "";
    public static final String MICROSOFT_DOMAIN = "com.microsoft";

    public Node {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        domain = normalizeDomain(domain);
    }

    /** ONNX writes the default domain as either "" or "ai.onnx". */
    public static String normalizeDomain(String domain) {
        return domain == null || domain.equals("ai.onnx") ? DEFAULT_DOMAIN : domain;
    }

    /** Input {@code i}, or {@code ""} when absent or omitted. */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    public String output(int i) {
        return outputs.get(i);
    }

    public boolean hasInput(int i) {
        return !input(i).isEmpty();
    }

    public Node withInputs(List<String> newInputs) {
        return new Node(name, opType, domain, newInputs, outputs, attributes);
    }

    public Node withOutputs(List<String> newOutputs) {
        return new Node(name, opType, domain, inputs, newOutputs, attributes);
    }

    /** "OpType 'name'" or "domain:OpType 'name'", for error messages. */
    public String describe() {
        return (domain.isEmpty() ? "" : domain + ":") + opType + " node '" + name + "'";
    }
}
